"""Business rules that flag customers who look big but are not valuable.

- **Lean big customers** (the "chicken rib"): revenue in the top share of active
  customers, but profit below a thin share of revenue. The reason names the
  waterfall term that eats the margin: the cost whose share of revenue most
  exceeds what it is for the other big customers.
- **One-off bulk buyers**: exactly one order in the customer's whole history, and
  that order many times the typical customer's average order value. They are kept
  apart from key accounts until they buy again.

The rules read only the customer's own numbers (the thresholds live in the
config's ``[rules]`` table); they never look at planted labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.sources.config import Rules
from custlab.analysis.profit import COST_TERMS


def share_of_revenue(customers: pd.DataFrame) -> pd.DataFrame:
    """Each cost term as a share of the customer's revenue (NaN without revenue)."""
    revenue = customers["revenue"].where(customers["revenue"] > 0)
    return customers[list(COST_TERMS)].div(revenue, axis=0)


def big_cutoff(active_customers: int, rules: Rules = Rules()) -> int:
    """The revenue rank down to which a customer is "big": the top ``lean_big_top_revenue_share``
    of the customers with revenue, at least one."""
    return max(1, int(np.ceil(rules.lean_big_top_revenue_share * active_customers)))


def lean_big(customers: pd.DataFrame, rules: Rules = Rules()) -> pd.DataFrame:
    """Flag big customers with thin or negative profit, and say what eats their margin.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with revenue, profit and the waterfall terms.
    rules : Rules
        ``lean_big_top_revenue_share`` and ``lean_big_max_margin``.

    Returns
    -------
    DataFrame
        Indexed like ``customers``: ``revenue_rank`` (1 = largest), ``big``,
        ``lean_big``, ``margin_eaten_by`` (the waterfall column) and
        ``lean_big_reason`` (in words, e.g. "discounts 19% of revenue vs 4% for
        other big customers"); empty strings where not flagged.
    """
    active = customers["revenue"] > 0
    rank = customers["revenue"].where(active).rank(ascending=False, method="first")
    big = rank.le(big_cutoff(int(active.sum()), rules)) & active
    margin = customers["profit"] / customers["revenue"].where(active)
    flagged = big & (margin < rules.lean_big_max_margin)
    # Cost shares of the big customers only (a tenth of the active ones by default): the
    # others' shares are never read.
    shares = share_of_revenue(customers.loc[big, ["revenue", *COST_TERMS]])
    flagged_big = flagged[big]
    peers = ~flagged_big
    typical = shares[peers].median() if peers.any() else shares.median()
    excess = shares[flagged_big].sub(typical.fillna(0.0), axis=1)
    culprit = excess.idxmax(axis=1).reindex(customers.index).where(flagged, "")
    reasons = pd.Series("", index=customers.index, dtype=object)
    on = flagged.to_numpy()
    if on.any():
        # Plain arrays, not three label lookups per flagged customer (there can be
        # hundreds of thousands).
        terms = culprit.to_numpy()[on]
        own = shares.to_numpy()[flagged_big.to_numpy()][np.arange(len(terms)), shares.columns.get_indexer(terms)]
        others = typical.reindex(terms).to_numpy()
        reasons[on] = [
            f"{COST_TERMS[term].lower()} {share:.0%} of revenue vs {other:.0%} for other big customers; margin {rate:.0%}"
            for term, share, other, rate in zip(terms, own, others, margin.to_numpy()[on])
        ]
    return pd.DataFrame(
        {
            "revenue_rank": rank.astype("Int64"),
            "big": big,
            "lean_big": flagged,
            "margin_eaten_by": culprit.fillna(""),
            "lean_big_reason": reasons,
        },
        index=customers.index,
    )


def typical_order_value(customers: pd.DataFrame) -> float:
    """The median, over customers with orders in the window, of their average order value."""
    # two columns, not the file: filtering the rows of every column copies them all
    orders, revenue = customers["orders"], customers["revenue"]
    buyers = ((orders > 0) & (revenue > 0)).to_numpy()
    if not buyers.any():
        return float("nan")
    return float((revenue[buyers] / orders[buyers]).median())


def bulk_one_off(customers: pd.DataFrame, rules: Rules = Rules()) -> pd.Series:
    """Flag customers whose whole history is one large order.

    A customer is a one-off bulk buyer when its lifetime order count is exactly
    one and that order's value (its lifetime sales before returns) is at least
    ``rules.bulk_order_multiple`` times :func:`typical_order_value`.
    """
    threshold = rules.bulk_order_multiple * typical_order_value(customers)
    single = customers["lifetime_orders"].fillna(0).eq(1)
    return (single & customers["lifetime_gross_sales"].ge(threshold)).rename("bulk_one_off")


def lean_big_sensitivity(
    customers: pd.DataFrame, rules: Rules = Rules(), max_margins: tuple[float, ...] = (0.0, 0.05, 0.10, 0.15)
) -> pd.DataFrame:
    """How many big customers are flagged lean at other margin thresholds.

    Returns one row per threshold: ``max_margin``, ``lean_big`` (count),
    ``revenue`` and ``profit`` of the flagged customers.
    """
    from dataclasses import replace

    rows = []
    for max_margin in max_margins:
        flagged = lean_big(customers, replace(rules, lean_big_max_margin=max_margin))["lean_big"]
        rows.append(
            {
                "max_margin": max_margin,
                "lean_big": int(flagged.sum()),
                "revenue": float(customers.loc[flagged, "revenue"].sum()),
                "profit": float(customers.loc[flagged, "profit"].sum()),
            }
        )
    return pd.DataFrame(rows)
