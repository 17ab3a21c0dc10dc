"""Contractual retention (subscriptions): the sBG model per group, customer value,
and what a few points more monthly retention are worth.

Shown on the IBM Telco churn data (``data/telco``): tenure in months, churn
yes/no, monthly charges, contract type. The data have no costs, so the margin
on monthly charges is an explicit argument.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.clv.shifted_beta_geo import ShiftedBetaGeometricFitter
from custlab.clv.value import monthly_rate


def fit_by_group(frame: pd.DataFrame, tenure: str, churned: str, group: str | None = None) -> dict[str, ShiftedBetaGeometricFitter]:
    """One sBG model per value of ``group`` (or one for all when None).

    ``churned`` must be boolean; a churned customer left in its tenure month.
    Active customers with tenure 0 (not yet renewed) carry no information and
    are kept only as weight-neutral rows.
    """
    groups = frame.groupby(group) if group else [("all", frame)]
    return {
        str(name): ShiftedBetaGeometricFitter().fit(part[tenure], part[churned].astype(bool))
        for name, part in groups
    }


def customer_value(
    fitter: ShiftedBetaGeometricFitter, tenure, monthly_charge, margin: float, discount_rate: float, unit: str = "annual"
) -> np.ndarray:
    """Expected discounted margin of active subscribers: margin x charge x DERL."""
    rate = monthly_rate(discount_rate, unit)
    derl = fitter.discounted_expected_residual_lifetime(np.asarray(tenure, dtype=float), rate)
    return margin * np.asarray(monthly_charge, dtype=float) * derl


def retention_scenarios(
    fitters: dict[str, ShiftedBetaGeometricFitter],
    active: pd.DataFrame,
    group: str | None,
    tenure: str,
    charge: str,
    margin: float,
    discount_rate: float,
    uplifts=(0.01, 0.02, 0.05),
) -> pd.DataFrame:
    """Customer equity of the active subscribers today and with monthly retention + k points.

    "+k points" lowers each group's mean monthly churn probability
    alpha / (alpha + beta) by k (alpha + beta kept). Where the churn is already
    below k points the scenario cannot apply: its equity is NaN.

    Returns
    -------
    DataFrame
        ``group, uplift_points, mean_monthly_churn, customers, customer_equity, equity_change``.
    """
    rows = []
    for name, fitter in fitters.items():
        part = active if group is None else active[active[group].astype(str) == name]
        alpha, beta = fitter.params_["alpha"], fitter.params_["beta"]
        mean_churn = alpha / (alpha + beta)
        base = None
        for uplift in (0.0, *uplifts):
            if uplift >= mean_churn:
                equity = float("nan")
            else:
                model = fitter if uplift == 0 else fitter.with_mean_churn(mean_churn - uplift)
                equity = float(customer_value(model, part[tenure], part[charge], margin, discount_rate).sum())
            base = equity if base is None else base
            rows.append(
                {
                    "group": name,
                    "uplift_points": uplift * 100,
                    "mean_monthly_churn": max(mean_churn - uplift, 0.0),
                    "customers": len(part),
                    "customer_equity": equity,
                    "equity_change": equity / base - 1.0 if base else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def model_table(fitters: dict[str, ShiftedBetaGeometricFitter]) -> pd.DataFrame:
    """One row per group: alpha, beta, mean monthly churn, retention in months 1 and 24, homogeneity, log-likelihood."""
    rows = {}
    for name, fitter in fitters.items():
        alpha, beta = fitter.params_["alpha"], fitter.params_["beta"]
        rows[name] = {
            "alpha": alpha,
            "beta": beta,
            "mean_monthly_churn": alpha / (alpha + beta),
            "retention_month_1": float(fitter.retention_rate(1)),
            "retention_month_24": float(fitter.retention_rate(24)),
            "homogeneous": fitter.homogeneous_,
            "log_likelihood": fitter.log_likelihood_,
        }
    return pd.DataFrame(rows).T


def survival_table(fitters: dict[str, ShiftedBetaGeometricFitter], months: int = 72) -> pd.DataFrame:
    """Survival of a new cohort, month 0..``months``, one column per group."""
    t = np.arange(months + 1)
    return pd.DataFrame({name: fitter.survival_function(t) for name, fitter in fitters.items()}, index=pd.Index(t, name="month"))
