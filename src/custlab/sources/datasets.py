"""Loaders of the real data sets bundled in the repository's ``data/`` folder.

Each takes the file's path (notebooks pass it as a parameter), so nothing here
depends on where custlab is installed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


__all__ = ["cdnow_sample", "read_telco"]


def cdnow_sample(path: str | Path) -> pd.DataFrame:
    """The CDNOW 1/10 sample: ``master_id, customer_id`` (the sample id), ``date``, ``cds``, ``value``."""
    frame = pd.read_csv(
        path, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )  # fmt: skip
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def read_telco(path) -> pd.DataFrame:
    """The IBM Telco churn file with ``churned`` as bool and numeric charges."""
    frame = pd.read_csv(path)
    frame["churned"] = frame["Churn"].eq("Yes")
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"], errors="coerce")
    return frame
