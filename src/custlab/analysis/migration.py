"""Tier migration between two periods: the transition matrix and the biggest movers.

Big and small customers change places over time (BRIEF idea 7); the matrix makes
that visible, with **new** customers (not yet customers at the previous period's
end) as an extra row and **lost** customers (in a tier before, invalid now
because they stopped buying) as an extra column. Pure functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab import frames
from custlab.analysis.tiers import TIERS

RANK = {tier: rank for rank, tier in enumerate(TIERS)}


def migration_states(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Each current customer's state before and now.

    Parameters
    ----------
    previous, current : DataFrame
        Customer files with ``customer_id``, ``tier`` and (current) ``tier_reason``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``previous_tier`` (``new`` when absent before), ``tier``
        and ``state`` (the tier, or ``lost`` for a customer that left a tier
        because it stopped buying).
    """
    states = current[["customer_id", "tier"]].copy()
    positions = frames.row_positions(current["customer_id"], previous["customer_id"])
    states["previous_tier"] = frames.take_rows(previous["tier"], positions, current.index).fillna("new")
    stopped = current.get("tier_reason", pd.Series("", index=current.index)).eq("has stopped buying")
    lost = stopped & states["previous_tier"].isin([t for t in TIERS if t != "invalid"])
    states["state"] = states["tier"].where(~lost, "lost")
    return states


def transition_matrix(states: pd.DataFrame, shares: bool = False) -> pd.DataFrame:
    """Counts (or row shares) of previous tier x current state."""
    rows = [*TIERS, "new"]
    columns = [*TIERS, "lost"]
    table = pd.crosstab(states["previous_tier"], states["state"]).reindex(index=rows, columns=columns, fill_value=0)
    table.index.name, table.columns.name = "previous", "now"
    if shares:
        totals = table.sum(axis=1)
        return table.div(totals.where(totals > 0), axis=0)
    return table


def _change(now: float, before: float) -> str:
    if before == 0:
        return "new" if now else "none"
    return f"{(now - before) / abs(before):+.0%}"


def movers(previous: pd.DataFrame, current: pd.DataFrame, states: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The customers who moved most, up and down, with the reason in words.

    The reason compares the two customer files: profit and orders change,
    overdue receivables change, and the new tier's own reason.

    Returns
    -------
    DataFrame
        ``customer_id, previous_tier, tier, direction, value_change, reason``.
    """
    moved = states[states["previous_tier"].isin(TIERS) & states["tier"].isin(TIERS)]
    moved = moved[moved["previous_tier"] != moved["tier"]]
    # rows by position (states has the current file's rows; the previous file is matched
    # by id once): indexing ten million ids for .loc would cost more than the rest
    now = current.loc[moved.index, [c for c in ("value", "profit", "orders", "overdue_receivables", "tier_reason") if c in current]]
    before = previous.iloc[frames.row_positions(moved["customer_id"], previous["customer_id"])].set_axis(moved.index)
    table = moved.assign(
        # ranks as numbers: an empty selection maps to text, which does not compare
        direction=np.where(moved["tier"].map(RANK).astype(float) < moved["previous_tier"].map(RANK).astype(float), "up", "down"),
        value_change=now["value"].to_numpy() - before["value"].to_numpy(),
    )
    up = table[table["direction"] == "up"].nlargest(limit, "value_change")
    down = table[table["direction"] == "down"].nsmallest(limit, "value_change")
    shown = pd.concat([up, down])
    reasons = []
    for row in shown.index:  # words only for the customers shown
        b, n = before.loc[row], now.loc[row]
        parts = [f"profit {_change(n['profit'], b['profit'])}", f"orders {_change(n['orders'], b['orders'])}"]
        overdue = n.get("overdue_receivables", 0) - b.get("overdue_receivables", 0)
        if abs(overdue) >= 1:
            parts.append(f"overdue receivables {'up' if overdue > 0 else 'down'} {abs(overdue):,.0f}")
        if n.get("tier_reason"):
            parts.append(str(n["tier_reason"]))
        reasons.append("; ".join(parts))
    shown = shown.reset_index(drop=True)
    shown["reason"] = reasons
    return shown[["customer_id", "previous_tier", "tier", "direction", "value_change", "reason"]]


def tier_summary(customers: pd.DataFrame, policies: dict[str, str] | None = None) -> pd.DataFrame:
    """Per tier: customers, their share, revenue, profit, share of profit, and the policy."""
    active = customers
    table = active.groupby("tier").agg(customers=("customer_id", "size"), revenue=("revenue", "sum"), profit=("profit", "sum"))
    table = table.reindex(TIERS, fill_value=0)
    table["customer_share"] = table["customers"] / table["customers"].sum()
    total = table["profit"].sum()
    table["profit_share"] = table["profit"] / total if total else np.nan
    if policies:
        table["policy"] = [policies.get(t, "") for t in TIERS]
    table.index.name = "tier"
    return table


def reason_counts(customers: pd.DataFrame) -> pd.DataFrame:
    """How many customers each tier rule placed in each tier (tier x reason)."""
    table = customers.groupby(["tier", "tier_reason"]).size().rename("customers").reset_index()
    table["tier"] = pd.Categorical(table["tier"], categories=TIERS, ordered=True)
    return table.sort_values(["tier", "customers"], ascending=[True, False]).reset_index(drop=True)
