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
      margin to recover (see :func:`amounts_at_stake`).
    - ``big_debtor``: chase the big debtors; the amount is what they owe overdue.
    - ``rising``: nurture the rising small customers (outside the key and
      important tiers); the amount is the revenue they added against the
      half-period before.

    Columns an action needs that the data could not fill (NA) leave it out.
    """
    stake = amounts_at_stake(customers, rules)
    actions = [_from_stake(stake, key) for key in AT_STAKE] + [_rising(customers)]
    kept = [a for a in actions if a is not None and a["customers"] > 0]
    return sorted(kept, key=lambda a: a["amount"], reverse=True)[:limit]


#: The actions whose amount is per customer: key -> (title, what the amount is, the next step on an account sheet).
AT_STAKE: dict[str, tuple[str, str, str]] = {
    "churn_risk": ("Call the key and important customers who may have gone", "profit of the last window that leaves with them",
                   "Call them before the account is lost: a window's profit leaves with them."),
    "lean_big": ("Renegotiate terms with the lean big customers", "the cost that eats each one's margin, above what other big customers get",
                 "Renegotiate terms: bring their {culprit} (as a share of revenue) back to what other big customers get."),
    "big_debtor": ("Chase the big debtors", "overdue receivables they owe", "Chase the overdue receivables and review their credit terms."),
}  # fmt: skip


def _flagged(customers: pd.DataFrame, column: str) -> pd.Series | None:
    """The flag as bools, or None when the column is absent or was left blank (its input is missing)."""
    if column not in customers or customers[column].isna().all():
        return None
    return customers[column].fillna(False).astype(bool)


def amounts_at_stake(customers: pd.DataFrame, rules: Rules = Rules()) -> pd.DataFrame:
    """Per customer, the money each per-customer action of :data:`AT_STAKE` acts on.

    - ``churn_risk``: the profit of the window that leaves if the customer has gone (``value_at_risk``);
    - ``lean_big``: the margin to recover: the share of revenue the cost that eats the customer's
      margin takes (discounts, fees, service or credit), above the other big customers' median
      share for that cost, times its revenue;
    - ``big_debtor``: its overdue receivables.

    Returns
    -------
    DataFrame
        Aligned with ``customers``, one column per action the data could check; NaN where the
        customer has not that flag.
    """
    out = pd.DataFrame(index=customers.index)
    churn = _flagged(customers, "churn_risk")
    if churn is not None:
        out["churn_risk"] = customers["value_at_risk"].where(churn)
    lean = _flagged(customers, "lean_big")
    if lean is not None and "revenue_rank" in customers and "margin_eaten_by" in customers:
        out["lean_big"] = _recoverable_margin(customers, lean, rules)
    debtors = _flagged(customers, "big_debtor")
    if debtors is not None:
        out["big_debtor"] = customers["overdue_receivables"].where(debtors)
    return out


def _recoverable_margin(customers: pd.DataFrame, lean: pd.Series, rules: Rules) -> pd.Series:
    """Each lean big customer's own share of its culprit cost, less the big peers' median share, times its revenue."""
    big = customers["revenue_rank"].le(flags.big_cutoff(int((customers["revenue"] > 0).sum()), rules)).fillna(False)
    peers = customers.loc[big & ~lean, ["revenue", *COST_TERMS]]
    typical = flags.share_of_revenue(peers).median() if len(peers) else pd.Series(0.0, index=list(COST_TERMS))
    eaten = customers.loc[lean]
    own = flags.share_of_revenue(eaten[["revenue", *COST_TERMS]])
    column = own.columns.get_indexer(eaten["margin_eaten_by"].fillna("").astype(str))
    found = column >= 0
    excess = np.zeros(len(eaten))
    excess[found] = own.to_numpy()[np.flatnonzero(found), column[found]] - typical.reindex(own.columns).fillna(0.0).to_numpy()[column[found]]
    recoverable = (pd.Series(excess, index=eaten.index).clip(lower=0) * eaten["revenue"].clip(lower=0)).fillna(0.0)
    return recoverable.reindex(customers.index)


def next_steps(customers: pd.DataFrame, rules: Rules = Rules()) -> pd.DataFrame:
    """Each customer's money at risk and the one next step its flags call for.

    ``money_at_risk`` is the largest of its :func:`amounts_at_stake` (not their
    sum: a lost customer's overdue and its margin are partly the same money), 0
    without a flag that carries an amount; ``next_step`` names the action of
    that amount, or, for a customer whose flags carry no amount (dependence,
    price pressure, rising cost to serve, territory), what to look at. Empty
    without a flag.
    """
    stake = amounts_at_stake(customers, rules)
    steps = pd.Series("", index=customers.index, dtype=object)
    if stake.columns.empty:
        money, largest = pd.Series(0.0, index=customers.index), pd.Series(None, index=customers.index, dtype=object)
    else:
        money = stake.max(axis=1, skipna=True).fillna(0.0)
        largest = stake.fillna(-np.inf).idxmax(axis=1).where(stake.notna().any(axis=1))
    for key, (_, _, words) in AT_STAKE.items():
        here = largest.eq(key).fillna(False)
        if key == "lean_big" and here.any():
            culprit = customers.loc[here, "margin_eaten_by"].map(COST_TERMS).fillna("its costs").str.lower()
            steps[here] = [words.replace("{culprit}", c) for c in culprit]
        elif here.any():
            steps[here] = words
    for column, words in _STEPS_WITHOUT_AMOUNT:
        flag = _flagged(customers, column)
        if flag is not None:
            steps[steps.eq("") & flag] = words
    return pd.DataFrame({"money_at_risk": money.astype(float), "next_step": steps}, index=customers.index)


#: Next steps for flags that carry no amount, in order of precedence.
_STEPS_WITHOUT_AMOUNT = (
    ("dependence_risk", "Widen the base: the company depends on this customer; agree terms that survive a loss of volume."),
    ("price_pressure", "Review prices with them: discounts and fees are rising while the margin falls."),
    ("cost_to_serve_rising", "Review how they are served: the cost to serve them grows faster than their revenue."),
    ("territory_breach", "Check the territory rules with them: they buy outside their territory."),
)


def _action(key: str, title: str, amount: float, count: int, measure: str) -> dict:
    return {"action": key, "title": title, "amount": float(amount), "customers": int(count),
            "measure": measure, "link": ACTION_LINKS[key]}  # fmt: skip


def _from_stake(stake: pd.DataFrame, key: str) -> dict | None:
    if key not in stake:
        return None
    title, measure, _ = AT_STAKE[key]
    amounts = stake[key].dropna()
    return _action(key, title, amounts.sum(), len(amounts), measure)


def _rising(customers: pd.DataFrame) -> dict | None:
    if _flagged(customers, "rising") is None or "revenue_recent" not in customers:
        return None
    small = tiers.rising_small(customers)
    added = (customers.loc[small, "revenue_recent"] - customers.loc[small, "revenue_prior"].clip(lower=0)).clip(lower=0).sum()
    return _action("rising", "Nurture the rising small customers", added, small.sum(), "revenue they added against the months before")
