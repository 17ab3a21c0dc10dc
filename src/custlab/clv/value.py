"""Customer lifetime value and what retention is worth, with every unit explicit.

CLV here is the **discounted expected margin within a horizon**:

    CLV = sum over months i = 1..H of  margin x spend x (E[purchases by month i] - E[purchases by month i-1]) / (1 + d)^i

where d is the monthly discount rate (an annual rate is converted as
(1 + annual)^(1/12) - 1) and purchases are discounted at the end of the month
they fall in. **No residual value** is added after the horizon: a customer's
value beyond H months is not counted (choose H long enough, e.g. 36-60 months,
when you want "lifetime"). Acquisition cost is not subtracted.

The retention scenarios use the textbook CLV multiple for a customer retained
each period with probability r (Gupta & Lehmann): value = m x r / (1 + d - r).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.clv._fit import as_float_array, factorize_rows


def monthly_rate(discount_rate: float, unit: str = "annual") -> float:
    """A discount rate per month, from an ``annual`` or ``monthly`` rate."""
    if unit == "annual":
        return (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
    if unit == "monthly":
        return float(discount_rate)
    raise ValueError(f"discount unit must be 'annual' or 'monthly', got {unit!r}")


def customer_lifetime_value(
    bgf,
    frequency,
    recency,
    T,
    spend,
    *,
    margin: float,
    discount_rate: float,
    discount_unit: str = "annual",
    horizon_months: int = 12,
    time_units_per_month: float = 30.0,
    alive: np.ndarray | None = None,
    step_months: int = 1,
) -> np.ndarray:
    """Discounted expected margin of each customer over ``horizon_months``.

    Parameters
    ----------
    bgf : BetaGeoFitter, ModifiedBetaGeoFitter or ParetoNBDFitter
        Fitted purchase model; its time unit is the unit of recency and T.
    frequency, recency, T : array-like
        The customers' history in the model's time unit.
    spend : array-like
        Expected spend per purchase (e.g. Gamma-Gamma's
        ``conditional_expected_average_profit``).
    margin : float
        Share of spend that is profit (1.0 when ``spend`` is already a margin).
    discount_rate : float
        Rate per ``discount_unit``.
    discount_unit : str
        ``"annual"`` or ``"monthly"``.
    horizon_months : int
        Months counted; nothing after them (no residual value).
    time_units_per_month : float
        Model time units in a month: 30 for days (lifetimes' convention),
        4.345 for weeks, 1 for months.
    alive : ndarray, optional
        ``bgf.conditional_probability_alive(frequency, recency, T)`` when the
        caller has it already (it is a pass over every customer).
    step_months : int
        Purchases are discounted at the end of each step of this many months
        (1: monthly, the definition; a coarser step is a cheaper approximation).

    Returns
    -------
    ndarray
        CLV per customer, in the currency of ``spend``.
    """
    if horizon_months < 1:
        raise ValueError("horizon_months must be at least 1")
    rate = monthly_rate(discount_rate, discount_unit)
    x, t_x, age = (as_float_array(v) for v in (frequency, recency, T))
    # Expected purchases = P(alive) x purchases-if-alive, and the second depends
    # on (x, T) only: discount it month by month on the distinct pairs, then
    # spread back to customers once.
    codes, (unique_x, unique_age) = factorize_rows(x, age)
    months = np.unique(np.r_[np.arange(0, horizon_months, step_months), horizon_months]).astype(float)
    # every month of every distinct (x, T) in one call: months down, customers across
    cumulative = bgf.purchases_if_alive(months[:, None] * time_units_per_month, unique_x[None, :], unique_age[None, :])
    discounted = (np.diff(cumulative, axis=0) / (1.0 + rate) ** months[1:, None]).sum(axis=0)
    if alive is None:
        alive = bgf.conditional_probability_alive(x, t_x, age)
    return margin * as_float_array(spend) * alive * discounted[codes]


def clv_multiple(retention: float, discount_rate: float) -> float:
    """Value of one unit of per-period margin from a customer retained with probability r: r / (1 + d - r)."""
    if not 0.0 <= retention < 1.0 + discount_rate:
        raise ValueError("retention must be in [0, 1]")
    return retention / (1.0 + discount_rate - retention)


def retention_scenarios(
    retention: float, discount_rate: float, margin_per_period: float, customers: float, uplifts=(0.01, 0.02, 0.05)
) -> pd.DataFrame:
    """What a few points more retention are worth, with the arithmetic in columns.

    Parameters
    ----------
    retention : float
        Current share of customers kept from one period to the next.
    discount_rate : float
        Discount rate per period.
    margin_per_period : float
        Average profit per retained customer per period.
    customers : float
        Customers today.
    uplifts : sequence
        Retention changes in **percentage points** (0.05 = +5 points).

    Returns
    -------
    DataFrame
        One row per scenario (the first is today; uplifts that would reach 100%
        are left out): ``retention``, ``multiple``
        (r / (1 + d - r)), ``clv_per_customer`` (margin x multiple),
        ``customer_equity`` (customers x clv), ``equity_change`` (vs today, share)
        and ``expected_lifetime_periods`` (1 / (1 - r)).
    """
    rows = []
    for uplift in (0.0, *(u for u in uplifts if retention + u < 1.0)):  # 100% retention has no finite value
        r = min(retention + uplift, 0.999)
        multiple = clv_multiple(r, discount_rate)
        rows.append(
            {
                "uplift_points": uplift * 100,
                "retention": r,
                "multiple": multiple,
                "clv_per_customer": margin_per_period * multiple,
                "customer_equity": customers * margin_per_period * multiple,
                "expected_lifetime_periods": 1.0 / (1.0 - r),
            }
        )
    table = pd.DataFrame(rows)
    table["equity_change"] = table["customer_equity"] / table.loc[0, "customer_equity"] - 1.0
    return table
