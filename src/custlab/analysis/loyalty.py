"""Satisfaction versus loyalty: do satisfied customers stay?

BRIEF idea 8: a large share of customers who leave had said they were
satisfied, so satisfaction scores alone mislead. A customer has **left** when it
bought before but not in the last ``lapse_months`` months of the period; it is
**satisfied** when its latest survey score is at least the satisfied threshold.
A **satisfied defector** is both. Pure functions on the customer file.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def months_between(earlier: pd.Series, later: date | str) -> pd.Series:
    """Whole calendar months from each date in ``earlier`` to ``later`` (NaN stays NaN)."""
    earlier = pd.to_datetime(earlier)
    later = pd.Timestamp(later)
    return (later.year - earlier.dt.year) * 12 + (later.month - earlier.dt.month)


def loyalty_flags(customers: pd.DataFrame, period_end: date, lapse_months: int, satisfied_min: float) -> pd.DataFrame:
    """``left``, ``satisfied`` and ``satisfied_defector`` per customer.

    Parameters
    ----------
    customers : DataFrame
        With ``last_purchase_month`` and, when surveys exist, ``last_satisfaction``.
    period_end : date
        Last day of the report period.
    lapse_months : int
        Months without a purchase after which a customer has left.
    satisfied_min : float
        Lowest score counted as satisfied.
    """
    since_last = months_between(customers["last_purchase_month"], period_end)
    left = since_last.ge(lapse_months) & customers["last_purchase_month"].notna()
    score = customers["last_satisfaction"] if "last_satisfaction" in customers else pd.Series(np.nan, index=customers.index)
    satisfied = score.ge(satisfied_min)
    return pd.DataFrame(
        {"months_since_purchase": since_last, "left": left, "satisfied": satisfied, "satisfied_defector": left & satisfied},
        index=customers.index,
    )


def satisfaction_vs_loyalty(customers: pd.DataFrame, satisfied_min: float) -> dict[str, float]:
    """How many leavers had said they were satisfied, and how satisfied customers stay.

    Only customers with a survey count. Returns ``surveyed_leavers``,
    ``satisfied_defector_share`` (satisfied leavers / surveyed leavers),
    ``retention_satisfied`` and ``retention_not_satisfied`` (share not left).
    """
    columns = customers[["last_satisfaction", "left", "satisfied"]] if "last_satisfaction" in customers else customers.iloc[0:0]
    surveyed = columns[columns["last_satisfaction"].notna()]  # three columns: filtering rows copies every column kept
    leavers = surveyed[surveyed["left"]]
    satisfied = surveyed["last_satisfaction"] >= satisfied_min
    return {
        "surveyed_customers": int(len(surveyed)),
        "surveyed_leavers": int(len(leavers)),
        "satisfied_defector_share": float(leavers["satisfied"].mean()) if len(leavers) else float("nan"),
        "retention_satisfied": float((~surveyed.loc[satisfied, "left"]).mean()) if satisfied.any() else float("nan"),
        "retention_not_satisfied": float((~surveyed.loc[~satisfied, "left"]).mean()) if (~satisfied).any() else float("nan"),
    }


def retention_by_satisfaction(customers: pd.DataFrame) -> pd.DataFrame:
    """Per latest satisfaction score: customers, leavers and the share still buying."""
    if "last_satisfaction" not in customers:
        return pd.DataFrame(columns=["score", "customers", "left", "still_buying"])
    columns = customers[["last_satisfaction", "left"]]
    surveyed = columns[columns["last_satisfaction"].notna()]  # two columns: filtering rows copies every column kept
    table = surveyed.groupby("last_satisfaction").agg(customers=("left", "size"), left=("left", "sum"))
    table["still_buying"] = 1.0 - table["left"] / table["customers"]
    return table.rename_axis("score").reset_index()
