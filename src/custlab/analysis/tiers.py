"""Five management tiers judged on profit now and potential, with a history guard.

In business words (thresholds in the config's ``[tiers]`` table):

1. **Value** blends what a customer earns now with what it is expected to earn:
   ``(1 - w) x profit over the window + w x expected profit per year``
   (lifetime value spread over its horizon), ``w = potential_weight``.
2. **Invalid** — no profit and no potential: a customer with at least
   ``history_guard_months`` of history, not big, not rising and not a bulk
   buyer, that has **left** (silent for ``silent_months`` and for more than
   ``lapse_gap_multiple`` of its own usual gaps between purchases) or that both
   loses money now and is expected to lose money in future.
3. **Key / important / general** — the other customers ranked by value, cut on
   the cumulative share of positive value (ABC analysis): the customers making
   the first ``key_value_share`` of value are key, up to
   ``important_value_share`` important, up to ``general_value_share`` general.
4. **Maintenance** — the small rest: the tail after ``general_value_share``,
   customers with less history than the guard, one-off bulk buyers (until they
   buy again) and rising small customers, unless their value already makes them
   key or important.
5. **Lean big customers** are general at most: too big to drop, but their terms
   need renegotiating.

Nobody is invalid on less than ``history_guard_months`` of history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.sources.config import TIERS, TierRules

def history_months(customers: pd.DataFrame, period_end) -> pd.Series:
    """Months of history: from the first purchase month to the period's month, both included."""
    from custlab.analysis.loyalty import months_between

    return months_between(customers["first_purchase_month"], period_end) + 1


def usual_gap_months(customers: pd.DataFrame) -> pd.Series:
    """A customer's usual months between purchases: its buying span over its buying months."""
    first = pd.to_datetime(customers["first_purchase_month"])
    last = pd.to_datetime(customers["last_purchase_month"])
    span = (last.dt.year - first.dt.year) * 12 + (last.dt.month - first.dt.month) + 1
    return span / customers["months_with_purchases"].where(customers["months_with_purchases"] > 0)


def rising_small(customers: pd.DataFrame) -> pd.Series:
    """Rising customers outside the key and important tiers: the small ones to nurture (the
    others already have an account manager). False where ``rising`` is unknown."""
    is_rising = customers["rising"].astype("boolean").fillna(False).astype(bool)
    return is_rising & ~customers["tier"].isin(("key", "important"))


def rising(customers: pd.DataFrame, rules: TierRules, big: pd.Series) -> pd.Series:
    """Small customers growing fast.

    Revenue and orders of the recent half-period are at least
    ``rising_min_growth`` times those of the half-period before, with at least
    ``rising_min_orders`` recent orders, and the customer is not big (not in
    the top revenue share of the lean-big rule).
    """
    recent, prior = customers["revenue_recent"], customers["revenue_prior"].clip(lower=0)
    growing = (recent >= rules.rising_min_growth * prior) & (
        customers["orders_recent"] >= rules.rising_min_growth * customers["orders_prior"]
    )
    enough = customers["orders_recent"] >= rules.rising_min_orders
    return (growing & enough & (recent > 0) & ~big).rename("rising")


def customer_value(customers: pd.DataFrame, rules: TierRules, horizon_months: int) -> pd.Series:
    """Value that ranks customers: profit now blended with expected profit per year."""
    future = customers["clv"].fillna(0.0) * 12.0 / horizon_months if "clv" in customers else 0.0
    return (1 - rules.potential_weight) * customers["profit"] + rules.potential_weight * future


#: The reasons :func:`assign_tiers` gives, by code: first those of the four value bands,
#: in the order of TIERS, then those of the rules that override the bands.
_REASONS = ("key", "important", "general", "maintenance", "guarded", "rising", "bulk", "lean", "left", "losing")


def value_band_start(ranked: pd.Series) -> np.ndarray:
    """Share of all positive value held by the customers ranked above each one (NaN where unranked).

    ``ranked`` is each customer's value where it is ranked (positive), NaN elsewhere.
    Customers are ranked by value, largest first, and a customer belongs to the
    band in which its value starts. The cumulative shares go back to the customers
    by position, not reindexed by label (a hash lookup per customer).
    """
    order = pd.Series(ranked.to_numpy(dtype=float), copy=False).sort_values(ascending=False, na_position="last")
    clipped = order.clip(lower=0)
    total = clipped.sum()
    cumulative = np.empty(len(order))
    cumulative[order.index.to_numpy()] = (clipped.cumsum() / total).to_numpy()
    return cumulative - (ranked.fillna(0) / total).to_numpy(dtype=float)


def assign_tiers(customers: pd.DataFrame, rules: TierRules, period_end, horizon_months: int) -> pd.DataFrame:
    """Tier, value, history, lapse and rising flag of every customer.

    Parameters
    ----------
    customers : DataFrame
        The period's customer file: profit, clv, the flags ``big``, ``lean_big``
        and ``bulk_one_off``, ``months_since_purchase`` and the history and
        trend columns.
    rules : TierRules
    period_end : date
        Last day of the report period.
    horizon_months : int
        Horizon of ``clv``, to express it per year.

    Returns
    -------
    DataFrame
        Indexed like ``customers``: ``value``, ``history_months``, ``lapsed``,
        ``rising``, ``tier``, ``tier_reason``.
    """
    value = customer_value(customers, rules, horizon_months)
    history = history_months(customers, period_end)
    big = customers["big"].astype(bool) if "big" in customers else pd.Series(False, index=customers.index)
    is_rising = rising(customers, rules, big)
    silent = customers.get("months_since_purchase", pd.Series(np.nan, index=customers.index))
    lapsed = silent.ge(rules.silent_months) & silent.ge(rules.lapse_gap_multiple * usual_gap_months(customers))
    bulk = customers.get("bulk_one_off", pd.Series(False, index=customers.index)).astype(bool)
    lean = customers.get("lean_big", pd.Series(False, index=customers.index)).astype(bool)
    future = customers["clv"].fillna(0.0) if "clv" in customers else pd.Series(0.0, index=customers.index)
    guarded = history < rules.history_guard_months

    losing = (customers["profit"] <= 0) & (future <= 0)
    invalid = ~guarded & ~big & ~is_rising & ~bulk & (lapsed | losing)

    ranked = value.where(~invalid & (value > 0))
    start = value_band_start(ranked)
    # Tiers and reasons as codes (positions in TIERS and _REASONS), made text once at the
    # end: masked writes into text columns and comparisons of them are slow at millions
    # of customers.
    tier_code = {name: code for code, name in enumerate(TIERS)}
    reason_code = {name: code for code, name in enumerate(_REASONS)}
    tier = np.full(len(customers), tier_code["maintenance"], dtype=np.int8)
    for band, share in (
        ("general", rules.general_value_share), ("important", rules.important_value_share), ("key", rules.key_value_share)
    ):
        tier[start < share] = tier_code[band]
    reason = tier.copy()  # a value band's reason has its tier's code
    small_band = (tier == tier_code["general"]) | (tier == tier_code["maintenance"])
    guarded, is_rising_now, bulk, lean, invalid, lapsed_now = (
        flag.to_numpy(dtype=bool) for flag in (guarded, is_rising, bulk, lean, invalid, lapsed)
    )
    for mask, why in ((guarded & small_band, "guarded"), (is_rising_now & small_band, "rising"), (bulk, "bulk")):
        tier[mask] = tier_code["maintenance"]
        reason[mask] = reason_code[why]
    reason[lean] = reason_code["lean"]
    tier[lean] = tier_code["general"]
    tier[invalid] = tier_code["invalid"]
    reason[invalid & lapsed_now] = reason_code["left"]
    reason[invalid & ~lapsed_now] = reason_code["losing"]
    words = {
        "key": "among the customers making the first share of value",
        "important": "high value",
        "general": "profitable",
        "maintenance": "small value",
        "guarded": f"less than {rules.history_guard_months} months of history",
        "rising": "small but growing fast",
        "bulk": "one-off bulk buyer: kept apart from key accounts until it buys again",
        "lean": "lean big customer: keep, renegotiate terms",
        "left": "has stopped buying",
        "losing": "loses money now and is expected to",
    }
    tier = pd.Series(np.array(TIERS, dtype=object)[tier], index=customers.index, dtype=object)
    reason = pd.Series(np.array([words[why] for why in _REASONS], dtype=object)[reason], index=customers.index, dtype=object)
    return pd.DataFrame(
        {"value": value, "history_months": history, "lapsed": lapsed, "rising": is_rising, "tier": tier, "tier_reason": reason},
        index=customers.index,
    )
