"""What changed since the previous period, and what to do about it, ranked by money at stake.

The first thing a reader of the report needs: the headline figures against the
period before, and a short list of actions, each with the customers it is for
and what it is worth. Both are computed from the customer file, so the words
the report puts on them ("rose", "fell") follow the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from custlab.analysis import flags, profit, tiers
from custlab.analysis.profit import COST_TERMS
from custlab.sources.config import Rules

#: The headline measures compared with the previous period: key -> (label, kind of figure).
CHANGE_MEASURES: dict[str, tuple[str, str]] = {
    "customers": ("Active customers", "count"),
    "revenue": ("Revenue", "money"),
    "profit": ("Customer profit", "money"),
    "profit_margin": ("Profit margin", "share"),
    "loss_making_share": ("Loss-making customers", "share"),
    "key_customers": ("Key customers", "count"),
    "important_customers": ("Important customers", "count"),
}

#: Where the report lists the customers of each action (anchors of the report's headings).
ACTION_LINKS = {
    "churn_risk": "#Key-and-important-customers-who-may-have-gone",
    "lean_big": "#Big-is-not-the-same-as-valuable",
    "big_debtor": "#Receivables-and-bad-debt",
    "rising": "#Rising-small-customers",
}


def headline(customers: pd.DataFrame) -> dict[str, float]:
    """The figures :data:`CHANGE_MEASURES` compares, of one period's customer file."""
    tiers = customers["tier"].value_counts().to_dict() if "tier" in customers else {}
    return headline_from(profit.profit_kpis(customers), tiers)


def headline_from(kpis: Mapping, tier_counts: Mapping) -> dict[str, float]:
    """The compared figures from figures already computed: :func:`custlab.analysis.profit.profit_kpis`
    (or a summary holding them) and the customers per tier."""
    figures = {k: kpis[k] for k in CHANGE_MEASURES if k in kpis}
    return {**figures, "key_customers": int(tier_counts.get("key", 0)), "important_customers": int(tier_counts.get("important", 0))}


def period_changes(now: dict, before: dict | None, before_label: str | None) -> list[dict]:
    """Each headline measure now and in the period before, with its change.

    A change is relative for money and counts (``change``: +0.05 = 5% up) and in
    points for shares (``change``: +0.01 = one point up); ``direction`` is "up",
    "down" or "unchanged" from the sign. Empty without a period before.
    """
    if not before:
        return []
    rows = []
    for key, (label, kind) in CHANGE_MEASURES.items():
        value, previous = now.get(key), before.get(key)
        if _missing(value) or _missing(previous):
            continue
        if kind == "share":
            change = value - previous
        else:
            change = (value - previous) / abs(previous) if previous else None
        difference = value - previous
        if abs(difference) <= 1e-9 * max(abs(value), abs(previous)):  # the same figure, but for rounding of sums
            difference = 0.0
        direction = "up" if difference > 0 else "down" if difference < 0 else "unchanged"
        rows.append({"measure": key, "label": label, "kind": kind, "now": value, "before": previous,
                     "change": change, "direction": direction, "compared_with": before_label})  # fmt: skip
    return rows


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def recommended_actions(customers: pd.DataFrame, rules: Rules = Rules(), limit: int = 5) -> list[dict]:
    """Up to ``limit`` actions, largest amount at stake first; an action with no customer is left out.

    - ``churn_risk``: call the key and important customers who may have gone;
      the amount is their profit of the window (``value_at_risk``).
    - ``lean_big``: renegotiate the lean big customers; the amount is the
      margin to recover: the cost that eats each one's margin (discounts,
      fees, service or credit), above the other big customers' median share
      of revenue for that cost.
    - ``big_debtor``: chase the big debtors; the amount is what they owe overdue.
    - ``rising``: nurture the rising small customers (outside the key and
      important tiers); the amount is the revenue they added against the
      half-period before.

    Columns an action needs that the data could not fill (NA) leave it out.
    """
    actions = [_churn(customers), _lean_big(customers, rules), _big_debtors(customers), _rising(customers)]
    kept = [a for a in actions if a is not None and a["customers"] > 0]
    return sorted(kept, key=lambda a: a["amount"], reverse=True)[:limit]


def _flagged(customers: pd.DataFrame, column: str) -> pd.Series | None:
    """The flag as bools, or None when the column is absent or was left blank (its input is missing)."""
    if column not in customers or customers[column].isna().all():
        return None
    return customers[column].fillna(False).astype(bool)


def _action(key: str, title: str, amount: float, count: int, measure: str) -> dict:
    return {"action": key, "title": title, "amount": float(amount), "customers": int(count),
            "measure": measure, "link": ACTION_LINKS[key]}  # fmt: skip


def _churn(customers: pd.DataFrame) -> dict | None:
    at_risk = _flagged(customers, "churn_risk")
    if at_risk is None:
        return None
    return _action("churn_risk", "Call the key and important customers who may have gone", customers.loc[at_risk, "value_at_risk"].sum(),
                   at_risk.sum(), "profit of the last window that leaves with them")  # fmt: skip


def _lean_big(customers: pd.DataFrame, rules: Rules) -> dict | None:
    lean = _flagged(customers, "lean_big")
    if lean is None or "revenue_rank" not in customers or "margin_eaten_by" not in customers:
        return None
    big = customers["revenue_rank"].le(flags.big_cutoff(int((customers["revenue"] > 0).sum()), rules)).fillna(False)
    peers = customers.loc[big & ~lean, ["revenue", *COST_TERMS]]
    typical = flags.share_of_revenue(peers).median() if len(peers) else pd.Series(0.0, index=list(COST_TERMS))
    eaten = customers.loc[lean]
    own = flags.share_of_revenue(eaten[["revenue", *COST_TERMS]])
    # each lean customer's own share of its culprit term, less the peers' median share of it
    column = own.columns.get_indexer(eaten["margin_eaten_by"].fillna("").astype(str))
    found = column >= 0
    excess = np.zeros(len(eaten))
    excess[found] = own.to_numpy()[np.flatnonzero(found), column[found]] - typical.reindex(own.columns).fillna(0.0).to_numpy()[column[found]]
    excess = pd.Series(excess, index=eaten.index)
    recoverable = (excess.clip(lower=0) * eaten["revenue"].clip(lower=0)).fillna(0.0).sum()
    return _action("lean_big", "Renegotiate terms with the lean big customers", recoverable, lean.sum(),
                   "the cost that eats each one's margin, above what other big customers get")  # fmt: skip


def _big_debtors(customers: pd.DataFrame) -> dict | None:
    debtors = _flagged(customers, "big_debtor")
    if debtors is None:
        return None
    return _action("big_debtor", "Chase the big debtors", customers.loc[debtors, "overdue_receivables"].sum(), debtors.sum(),
                   "overdue receivables they owe")  # fmt: skip


def _rising(customers: pd.DataFrame) -> dict | None:
    if _flagged(customers, "rising") is None or "revenue_recent" not in customers:
        return None
    small = tiers.rising_small(customers)
    added = (customers.loc[small, "revenue_recent"] - customers.loc[small, "revenue_prior"].clip(lower=0)).clip(lower=0).sum()
    return _action("rising", "Nurture the rising small customers", added, small.sum(), "revenue they added against the months before")
