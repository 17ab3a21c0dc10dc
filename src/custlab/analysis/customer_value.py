"""Expected future value of each customer: BG/NBD + Gamma-Gamma fitted on the
company's own transactions, CLV with explicit margin, discount rate and horizon,
and what a few points more retention would add.

Time inside the models is in weeks (days / 7). The margin applied to a
customer's expected spend is that customer's own profit margin over the report
window (so lean customers carry their thin margin into the future), or the
company's margin for customers without revenue in the window.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from custlab import frames
from custlab.clv import (
    BetaGeoFitter,
    ConvergenceError,
    GammaGammaFitter,
    calibration_holdout_table,
    customer_lifetime_value,
    dropout_scale,
)
from custlab.sources.config import Settings

WEEKS_PER_MONTH = 365.25 / 12 / 7
SCENARIO_UPLIFTS = (0.01, 0.02, 0.05)


def _customer_margin(customers: pd.DataFrame) -> pd.Series:
    revenue = customers["revenue"].sum()
    company = customers["profit"].sum() / revenue if revenue else 0.0
    own = customers["profit"] / customers["revenue"].where(customers["revenue"] > 0)
    return own.clip(-1.0, 1.0).fillna(company)


def lifetime_value(
    rfm: pd.DataFrame,
    customers: pd.DataFrame,
    settings: Settings,
    retention_rate: float | None = None,
    predictions: bool = True,
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Fit the models and value every customer.

    Parameters
    ----------
    rfm : DataFrame
        ``customer_id, frequency, recency, T, monetary_value`` (weeks), from
        ``sql/customer_rfm.sql``.
    customers : DataFrame
        The period's customer file (``customer_id``, ``revenue``, ``profit``).
    settings : Settings
        ``clv_horizon_months`` and ``discount_rate`` (annual).
    retention_rate : float, optional
        Observed retention between windows; with it, the model-based scenarios
        cut the model's drop-out as "+k points" would cut defections
        (see :func:`custlab.clv.dropout_scale`).
    predictions : bool
        False leaves out ``p_alive`` and ``expected_purchases_12m``: an earlier
        period's tiers need only ``clv``, and the two are a pass over every
        customer each.

    Returns
    -------
    tuple
        Per-customer frame (``customer_id, p_alive, expected_purchases_12m,
        expected_spend, clv_margin, clv``; without ``predictions`` the first two
        are left out), a model dict for summary.json, and notes for the report.
    """
    notes: list[str] = []
    merged = frames.add_columns(rfm.copy(deep=False), customers[["customer_id", "revenue", "profit"]]).fillna(
        {"revenue": 0.0, "profit": 0.0}
    )
    x, t_x, age = merged["frequency"], merged["recency"], merged["T"]
    bgf = BetaGeoFitter()
    try:
        bgf.fit(x, t_x, age)
    except (ConvergenceError, ValueError) as exc:
        notes.append(f"Lifetime value not computed: the purchase model could not be fitted ({exc}).")
        return pd.DataFrame({"customer_id": merged["customer_id"]}), {}, notes
    repeat = (x > 0) & (merged["monetary_value"] > 0)
    ggf = GammaGammaFitter()
    gg_params = None
    try:
        ggf.fit(x[repeat], merged.loc[repeat, "monetary_value"])
        spend = ggf.conditional_expected_average_profit(x, merged["monetary_value"])
        gg_params = ggf.params_.to_dict()
    except (ConvergenceError, ValueError) as exc:
        notes.append(f"Spend model not fitted ({exc}); expected spend is each customer's observed average.")
        fallback = merged.loc[repeat, "monetary_value"].mean() if repeat.any() else 0.0
        spend = np.where(repeat, merged["monetary_value"], fallback)
    margin = _customer_margin(merged)
    horizon = settings.clv_horizon_months
    alive = bgf.conditional_probability_alive(x, t_x, age)
    clv = customer_lifetime_value(
        bgf, x, t_x, age, spend, margin=margin.to_numpy(), discount_rate=settings.discount_rate,
        discount_unit="annual", horizon_months=horizon, time_units_per_month=WEEKS_PER_MONTH, alive=alive,
    )  # fmt: skip
    columns = {"customer_id": merged["customer_id"]}
    if predictions:
        columns["p_alive"] = alive
        columns["expected_purchases_12m"] = bgf.conditional_expected_number_of_purchases_up_to_time(52.18, x, t_x, age)
    values = pd.DataFrame({**columns, "expected_spend": spend, "clv_margin": margin.to_numpy(), "clv": clv})
    equity = float(values["clv"].sum())
    scenarios = []
    churn = 1.0 - retention_rate if retention_rate is not None and retention_rate == retention_rate else None
    for uplift in SCENARIO_UPLIFTS if churn and churn > 0 else ():
        factor = max(churn - uplift, 0.0) / churn
        shifted = copy.copy(bgf)
        shifted.params_ = dropout_scale(bgf.params_, factor)
        shifted_clv = customer_lifetime_value(
            shifted, x, t_x, age, spend, margin=margin.to_numpy(), discount_rate=settings.discount_rate,
            discount_unit="annual", horizon_months=horizon, time_units_per_month=WEEKS_PER_MONTH,
        )  # fmt: skip
        new_equity = float(shifted_clv.sum())
        scenarios.append(
            {
                "uplift_points": uplift * 100,
                "defection_factor": factor,
                "mean_dropout": float(shifted.params_["a"] / (shifted.params_["a"] + shifted.params_["b"])),
                "customer_equity": new_equity,
                "equity_change": new_equity / equity - 1.0 if equity else float("nan"),
            }
        )
    model = {
        "time_unit": "weeks",
        "horizon_months": horizon,
        "discount_rate_annual": settings.discount_rate,
        "bgnbd": {**bgf.params_.to_dict(), "log_likelihood": bgf.log_likelihood_, "customers": bgf.n_customers_},
        "gamma_gamma": gg_params,
        "mean_dropout": float(bgf.params_["a"] / (bgf.params_["a"] + bgf.params_["b"])),
        "customer_equity": equity,
        "model_scenarios": scenarios,
    }
    return values, model, notes


def holdout_check(rfm_calibration: pd.DataFrame, holdout: pd.DataFrame, weeks: float, max_frequency: int = 7) -> pd.DataFrame:
    """Purchases predicted by a model fitted before ``weeks`` of holdout, against what happened.

    Parameters
    ----------
    rfm_calibration : DataFrame
        RFM at the calibration end (weeks), from ``sql/customer_rfm.sql``.
    holdout : DataFrame
        ``customer_id, holdout_purchases`` after the calibration end.
    weeks : float
        Length of the holdout.

    Returns
    -------
    DataFrame
        See :func:`custlab.clv.calibration_holdout_table`.
    """
    data = rfm_calibration.merge(holdout, on="customer_id", how="inner")
    split = pd.DataFrame(
        {
            "frequency_cal": data["frequency"],
            "recency_cal": data["recency"],
            "T_cal": data["T"],
            "frequency_holdout": data["holdout_purchases"].astype(float),
            "duration_holdout": float(weeks),
        }
    )
    model = BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
    return calibration_holdout_table(model, split, max_frequency)
