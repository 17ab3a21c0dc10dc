"""Retention over time: the cohort matrix, survival curves and the retention rate.

Pure functions on small frames that the aggregate step produced
(``sql/cohorts.sql``, ``sql/retention.sql``) or on the customer file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def cohort_matrix(cohorts: pd.DataFrame, as_share: bool = True) -> pd.DataFrame:
    """Acquisition cohort x months since acquisition.

    Parameters
    ----------
    cohorts : DataFrame
        ``cohort`` (first purchase month), ``months_since`` and ``active``.
    as_share : bool
        Divide by the cohort's size (month 0) to get the share still buying.

    Returns
    -------
    DataFrame
        Index: cohort as ``YYYY-MM``; columns: months since acquisition.
    """
    if cohorts.empty:
        return pd.DataFrame()
    table = cohorts.pivot_table(index="cohort", columns="months_since", values="active", aggfunc="sum")
    table.index = pd.to_datetime(table.index).strftime("%Y-%m")
    table.columns = table.columns.astype(int)
    if as_share:
        table = table.div(table[0], axis=0)
    return table


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival estimate.

    Parameters
    ----------
    durations : array
        Time to the event or to censoring.
    events : array of bool
        True where the event (leaving) was observed, False where censored.

    Returns
    -------
    DataFrame
        ``time``, ``at_risk``, ``events``, ``survival`` at every distinct time,
        starting with time 0 and survival 1.
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    times = np.unique(durations)
    at_risk = np.array([(durations >= t).sum() for t in times])
    died = np.array([(events & (durations == t)).sum() for t in times])
    survival = np.cumprod(1.0 - np.divide(died, at_risk, out=np.zeros(len(times)), where=at_risk > 0))
    table = pd.DataFrame({"time": times, "at_risk": at_risk, "events": died, "survival": survival})
    if len(table) == 0 or table["time"].iloc[0] > 0:
        start = pd.DataFrame({"time": [0.0], "at_risk": [len(durations)], "events": [0], "survival": [1.0]})
        table = pd.concat([start, table], ignore_index=True)
    return table


def lapse_survival(customers: pd.DataFrame, by: str | None, lapse_months: int, period_end) -> dict[str, pd.DataFrame]:
    """Survival of customers until they lapse, per group of column ``by``.

    A customer's lifetime counts the months from its first purchase month to
    its last purchase month, both included (a one-month customer lived 1
    month); it has lapsed (event) when it has not bought for ``lapse_months``
    months by the period end, otherwise it is censored at its age today
    (months from the first purchase month to the period, both included).
    Without ``by``, or when the column holds no value, there is one group,
    ``all customers``.
    """
    from custlab.analysis.loyalty import months_between

    buyers = customers[customers["first_purchase_month"].notna()]
    since_last = months_between(buyers["last_purchase_month"], period_end)
    lapsed = since_last >= lapse_months
    first = pd.to_datetime(buyers["first_purchase_month"])
    last = pd.to_datetime(buyers["last_purchase_month"])
    lifetime = (last.dt.year - first.dt.year) * 12 + (last.dt.month - first.dt.month) + 1
    age = months_between(buyers["first_purchase_month"], period_end) + 1
    duration = np.where(lapsed, lifetime, age)
    grouped = bool(by) and by in buyers and buyers[by].notna().any()  # a column of nothing groups nobody
    groups = buyers[by].fillna("unknown").astype(str) if grouped else pd.Series("all customers", index=buyers.index)
    # group codes once, not a comparison of every text value per group
    codes, names = pd.factorize(groups, sort=True)
    events = lapsed.to_numpy()
    return {str(name): kaplan_meier(duration[codes == code], events[codes == code]) for code, name in enumerate(names)}


def retention_rate(previous_customers: int, retained_customers: int) -> float:
    """Share of the previous window's buyers who bought again in the report window."""
    return retained_customers / previous_customers if previous_customers else float("nan")
