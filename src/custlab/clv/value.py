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
) -> np.ndarray:
    """Discounted expected margin of each customer over ``horizon_months``.

    Parameters
    ----------
    bgf : BetaGeoFitter
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
    discounted = np.zeros_like(unique_x)
    previous = np.zeros_like(unique_x)
    for month in range(1, horizon_months + 1):
        cumulative = bgf.purchases_if_alive(month * time_units_per_month, unique_x, unique_age)
        discounted += (cumulative - previous) / (1.0 + rate) ** month
        previous = cumulative
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
        One row per scenario (the first is today): ``retention``, ``multiple``
        (r / (1 + d - r)), ``clv_per_customer`` (margin x multiple),
        ``customer_equity`` (customers x clv), ``equity_change`` (vs today, share)
        and ``expected_lifetime_periods`` (1 / (1 - r)).
    """
    rows = []
    for uplift in (0.0, *uplifts):
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


def dropout_scale(params: pd.Series, factor: float) -> pd.Series:
    """BG/NBD parameters with the mean drop-out probability multiplied by ``factor``.

    In BG/NBD a customer drops out after each purchase with probability
    p ~ Beta(a, b), mean a / (a + b). "Retention + k points" on an observed
    period retention R cuts defections from 1 - R to 1 - R - k, a factor
    (1 - R - k) / (1 - R); the model's mean drop-out is cut by the same factor,
    keeping a + b (so the spread across customers stays alike).
    """
    if factor < 0:
        raise ValueError("factor must be >= 0")
    a, b = float(params["a"]), float(params["b"])
    new_mean = max(a / (a + b) * factor, 1e-9)
    scaled = params.copy()
    scaled["a"] = new_mean * (a + b)
    scaled["b"] = (a + b) - scaled["a"]
    return scaled
