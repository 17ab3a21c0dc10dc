"""Tier migration between two periods: the transition matrix and the biggest movers.

Big and small customers change places over time (BRIEF idea 7); the matrix makes
that visible, with **new** customers (not yet customers at the previous period's
end) as an extra row and **lost** customers (in a tier before, invalid now
because they stopped buying) as an extra column. Pure functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.tiers import TIERS

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
    before = previous.set_index("customer_id")["tier"]
    states = current[["customer_id", "tier"]].copy()
    states["previous_tier"] = states["customer_id"].map(before).fillna("new")
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
    before = previous.set_index("customer_id")
    now = current.set_index("customer_id")
    ids = moved["customer_id"]
    table = moved.assign(
        direction=np.where(moved["tier"].map(RANK) < moved["previous_tier"].map(RANK), "up", "down"),
        value_change=(now.loc[ids, "value"].to_numpy() - before.loc[ids, "value"].to_numpy()),
    )
    up = table[table["direction"] == "up"].nlargest(limit, "value_change")
    down = table[table["direction"] == "down"].nsmallest(limit, "value_change")
    shown = pd.concat([up, down], ignore_index=True)
    reasons = []
    for cid in shown["customer_id"]:  # words only for the customers shown
        b, n = before.loc[cid], now.loc[cid]
        parts = [f"profit {_change(n['profit'], b['profit'])}", f"orders {_change(n['orders'], b['orders'])}"]
        overdue = n.get("overdue_receivables", 0) - b.get("overdue_receivables", 0)
        if abs(overdue) >= 1:
            parts.append(f"overdue receivables {'up' if overdue > 0 else 'down'} {abs(overdue):,.0f}")
        if n.get("tier_reason"):
            parts.append(str(n["tier_reason"]))
        reasons.append("; ".join(parts))
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
