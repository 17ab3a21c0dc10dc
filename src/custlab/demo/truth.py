"""Score custlab's rules against a demo company's planted truth.

Only tests and the ``benchmarks/planted_truth.py`` script use this module: the
rules themselves never read ``truth.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_truth(path: str | Path) -> pd.DataFrame:
    """The ``truth.csv`` a demo company was written with (ids as text)."""
    return pd.read_csv(path, dtype={"customer_id": str})


def flag_scores(customers: pd.DataFrame, truth: pd.DataFrame, flags: list[str]) -> pd.DataFrame:
    """Recall and precision of each flag in ``customers`` against the same column of ``truth``.

    Customers missing from ``customers`` (never active up to the period) count
    as not flagged.

    Returns
    -------
    DataFrame
        One row per flag: ``planted``, ``flagged``, ``true_positives``,
        ``recall`` and ``precision``.
    """
    merged = truth.merge(customers[["customer_id", *flags]], on="customer_id", how="left", suffixes=("_truth", ""))
    rows = []
    for flag in flags:
        planted = merged[f"{flag}_truth"].astype(bool)
        found = merged[flag].fillna(False).astype(bool)
        hits = int((planted & found).sum())
        rows.append(
            {
                "flag": flag,
                "planted": int(planted.sum()),
                "flagged": int(found.sum()),
                "true_positives": hits,
                "recall": hits / planted.sum() if planted.sum() else float("nan"),
                "precision": hits / found.sum() if found.sum() else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("flag")
