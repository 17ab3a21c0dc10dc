"""Expected future value of each customer: a purchase model chosen out of sample, Gamma-Gamma spend,
CLV with explicit margin, discount rate and horizon, what a few points more retention would add,
and how sure we are (a 90% interval from the fitted parameters' uncertainty).

Time inside the models is in weeks (days / 7). The margin applied to a
customer's expected spend is that customer's own profit margin over the report
window (so lean customers carry their thin margin into the future), or the
company's margin for customers without revenue in the window.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custlab import frames
from custlab.clv import (
    BoundaryWarning,
    ConvergenceError,
    GammaGammaFitter,
    calibration_holdout_table,
    customer_lifetime_value,
)
from custlab.clv.selection import PURCHASE_MODELS, choose_purchase_model, compare_purchase_models, fit_quietly, model_label
from custlab.sources.config import Settings

WEEKS_PER_MONTH = 365.25 / 12 / 7
SCENARIO_UPLIFTS = (0.01, 0.02, 0.05)
#: Parameter draws behind the 90% intervals, the most customers they are computed on, and the
#: months between discountings there: the interval is of a ratio to the fitted value, which a
#: seeded sample with quarterly steps measures as well as every customer month by month.
INTERVAL_DRAWS = 100
INTERVAL_SAMPLE = 2_000
INTERVAL_STEP_MONTHS = 3
#: Fewer customers known at the calibration end than this skip the model comparison.
MIN_CALIBRATION_CUSTOMERS = 50
#: The most customers the compared models are fitted on (a seeded sample); every customer is
#: scored on the holdout. A choice between three models of four parameters is as clear on half
#: a million customers as on ten million, whose Pareto/NBD fit is the slowest step of the
#: comparison (benchmarks/RESULTS.md compares fits on samples and on all).
COMPARISON_FIT_CUSTOMERS = 500_000


@dataclass
class PurchaseModelChoice:
    """The purchase model the lifetime values use, and the comparison behind it.

    Attributes
    ----------
    name : str
        ``bgnbd``, ``mbgnbd`` or ``paretonbd``.
    reason : str
        Why, in words.
    comparison : DataFrame
        :func:`custlab.clv.selection.compare_purchase_models` (empty when skipped).
    holdout : DataFrame
        The chosen model's holdout check by calibration purchases
        (:func:`custlab.clv.calibration_holdout_table`; empty when skipped).
    summary : dict
        What summary.json records.
    note : str or None
        A sentence for the report when the comparison was skipped.
    """

    name: str
    reason: str
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    holdout: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict = field(default_factory=dict)
    note: str | None = None


def holdout_split(rfm_calibration: pd.DataFrame, holdout: pd.DataFrame, weeks: float) -> pd.DataFrame:
    """The calibration RFM and the holdout purchases of the customers known by then, as one frame."""
    data = rfm_calibration.merge(holdout, on="customer_id", how="inner")
    return pd.DataFrame(
        {
            "frequency_cal": data["frequency"], "recency_cal": data["recency"], "T_cal": data["T"],
            "frequency_holdout": data["holdout_purchases"].astype(float), "duration_holdout": float(weeks),
        }
    )  # fmt: skip


def choose_model(rfm_calibration: pd.DataFrame, holdout: pd.DataFrame, weeks: float, setting: str = "auto",
                 calibration_end=None) -> PurchaseModelChoice:  # fmt: skip
    """Compare BG/NBD, MBG/NBD and Pareto/NBD on the holdout and choose (``setting`` "auto"), or take
    the model the config names and still show how each did.

    Fewer than :data:`MIN_CALIBRATION_CUSTOMERS` customers known at the
    calibration end leave no holdout to judge by: the setting's model (BG/NBD
    for "auto") is used, and a note says so. With more than
    :data:`COMPARISON_FIT_CUSTOMERS`, the models are fitted on a seeded sample of
    that many (``summary["fitted_customers"]``) and scored on all.
    """
    fallback = "bgnbd" if setting == "auto" else setting
    if len(rfm_calibration) < MIN_CALIBRATION_CUSTOMERS:
        return _unchecked(fallback, setting, "too few customers before the holdout to compare purchase models")
    split = holdout_split(rfm_calibration, holdout, weeks)
    fit_rows = comparison_sample(len(split))
    sampled = {} if fit_rows is None else {"fitted_customers": len(fit_rows)}  # said in summary.json only when sampled
    comparison, fitted = compare_purchase_models(split, fit_rows=fit_rows)
    try:
        best, reason = choose_purchase_model(comparison)
    except ValueError as exc:
        unchecked = _unchecked(fallback, setting, str(exc), comparison.reset_index())
        unchecked.summary.update(sampled)
        return unchecked
    name = best if setting == "auto" else setting
    if setting != "auto":
        reason = f"{model_label(name)} is set in the config (purchase_model); on the holdout the best was {model_label(best)}."
    table = calibration_holdout_table(fitted[name][0], split) if name in fitted else pd.DataFrame()
    summary = {
        "chosen": name, "model": model_label(name), "setting": setting, "reason": reason, "weeks": weeks,
        "calibration_end": None if calibration_end is None else str(calibration_end),
        "comparison": comparison.reset_index().to_dict(orient="records"), **sampled,
    }  # fmt: skip
    return PurchaseModelChoice(name, reason, comparison.reset_index(), table.reset_index(), summary)


def comparison_sample(customers: int, size: int | None = None, seed: int = 0) -> np.ndarray | None:
    """Sorted positions of a seeded sample of ``size`` (default :data:`COMPARISON_FIT_CUSTOMERS`)
    of ``customers``, which the compared models are fitted on; None when there are no more than that."""
    return seeded_positions(customers, COMPARISON_FIT_CUSTOMERS if size is None else size, seed)


def seeded_positions(customers: int, size: int, seed: int = 0) -> np.ndarray | None:
    """Sorted positions of ``size`` of ``customers`` drawn without replacement (seeded); None
    when there are no more customers than that."""
    if customers <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(customers, size, replace=False))


def _unchecked(name: str, setting: str, why: str, comparison: pd.DataFrame | None = None) -> PurchaseModelChoice:
    """The setting's model (BG/NBD for "auto"), used without an out-of-sample check, and a note saying why."""
    note = f"The purchase models were not compared out of sample ({why}): {model_label(name)} is used unchecked."
    comparison = pd.DataFrame() if comparison is None else comparison
    summary = {"chosen": name, "model": model_label(name), "setting": setting, "reason": f"not checked: {why}",
               "note": note, "comparison": comparison.to_dict(orient="records")}  # fmt: skip
    return PurchaseModelChoice(name, summary["reason"], comparison, summary=summary, note=note)


def _customer_margin(customers: pd.DataFrame) -> pd.Series:
    revenue = customers["revenue"].sum()
    company = customers["profit"].sum() / revenue if revenue else 0.0
    own = customers["profit"] / customers["revenue"].where(customers["revenue"] > 0)
    return own.clip(-1.0, 1.0).fillna(company)


def fit_purchase_model(name: str, x, t_x, age, notes: list[str]):
    """The named model fitted on the whole history; if it cannot be, the next that can (said in ``notes``)."""
    order = [name, *[n for n in PURCHASE_MODELS if n != name]]
    for candidate in order:
        try:
            model = fit_quietly(candidate, x, t_x, age)
        except (ConvergenceError, ValueError) as exc:
            notes.append(f"{model_label(candidate)} could not be fitted on the whole history ({exc}).")
            continue
        for meaning in model.edges_:
            notes.append(f"{model_label(candidate)} on the whole history: {meaning}.")
        return candidate, model
    raise ConvergenceError("no purchase model could be fitted")


def fit_spend(x: pd.Series, monetary_value: pd.Series, notes: list[str]):
    """Gamma-Gamma on the repeat buyers; the spend per purchase of every customer, and the fit (None when
    it could not be: each customer's observed average stands in, said in ``notes``)."""
    repeat = (x > 0) & (monetary_value > 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BoundaryWarning)
            ggf = GammaGammaFitter().fit(x[repeat], monetary_value[repeat])
        return np.asarray(ggf.conditional_expected_average_profit(x.to_numpy(), monetary_value.to_numpy())), ggf
    except (ConvergenceError, ValueError) as exc:
        notes.append(f"Spend model not fitted ({exc}); expected spend is each customer's observed average.")
        fallback = monetary_value[repeat].mean() if repeat.any() else 0.0
        return np.where(repeat, monetary_value, fallback), None


def lifetime_value(
    rfm: pd.DataFrame,
    customers: pd.DataFrame,
    settings: Settings,
    retention_rate: float | None = None,
    predictions: bool = True,
    model: str = "bgnbd",
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Fit the purchase and spend models and value every customer.

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
        cut the model's drop-out as "+k points" would cut defections.
    predictions : bool
        False leaves out ``p_alive``, ``expected_purchases_12m`` and the
        intervals: an earlier period's tiers need only ``clv``.
    model : str
        The purchase model (``bgnbd``, ``mbgnbd``, ``paretonbd``), chosen by
        :func:`choose_model`.

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
    try:
        name, purchases = fit_purchase_model(model, x, t_x, age, notes)
    except (ConvergenceError, ValueError) as exc:
        notes.append(f"Lifetime value not computed: the purchase model could not be fitted ({exc}).")
        return pd.DataFrame({"customer_id": merged["customer_id"]}), {}, notes
    spend, ggf = fit_spend(x, merged["monetary_value"], notes)
    margin = _customer_margin(merged).to_numpy()
    value = CustomerValue(purchases, x.to_numpy(dtype=float), t_x.to_numpy(dtype=float), age.to_numpy(dtype=float),
                          spend, margin, settings)  # fmt: skip
    alive = purchases.conditional_probability_alive(value.x, value.t_x, value.age)
    clv = value.clv(alive=alive)
    columns = {"customer_id": merged["customer_id"]}
    if predictions:
        columns["p_alive"] = alive
        columns["expected_purchases_12m"] = np.asarray(purchases.conditional_expected_number_of_purchases_up_to_time(52.18, value.x, value.t_x, value.age))
    values = pd.DataFrame({**columns, "expected_spend": spend, "clv_margin": margin, "clv": clv})
    equity = float(values["clv"].sum())
    factors = scenario_factors(retention_rate)
    scenarios = [{"uplift_points": uplift * 100, "defection_factor": factor} for uplift, factor in factors]
    for row in scenarios:
        shifted = purchases.scaled_dropout(row["defection_factor"])
        row["mean_dropout"] = mean_dropout(shifted)
        row["customer_equity"] = float(value.with_model(shifted).clv().sum())
        row["equity_change"] = row["customer_equity"] / equity - 1.0 if equity else float("nan")
    model_facts = {
        "time_unit": "weeks",
        "horizon_months": settings.clv_horizon_months,
        "discount_rate_annual": settings.discount_rate,
        "purchase_model": name,
        "purchase_model_label": model_label(name),
        "purchase_params": purchases.summary.reset_index(names="parameter").to_dict(orient="records"),
        "purchase_edges": purchases.edges_,
        "log_likelihood": purchases.log_likelihood_,
        "customers": purchases.n_customers_,
        "gamma_gamma": None if ggf is None else ggf.params_.to_dict(),
        "mean_dropout": mean_dropout(purchases),
        "customer_equity": equity,
        "model_scenarios": scenarios,
    }
    if predictions and equity:
        model_facts.update(equity_intervals(value, ggf, merged["monetary_value"].to_numpy(dtype=float), factors, equity, scenarios))
    return values, model_facts, notes


def scenario_factors(retention_rate: float | None) -> list[tuple[float, float]]:
    """(uplift, factor on defections) of the model-based scenarios: "+k points" of retention R cuts
    defections from 1 - R to 1 - R - k. None without an observed retention rate; an uplift that
    would take retention to 100% or past it is left out."""
    churn = 1.0 - retention_rate if retention_rate is not None and retention_rate == retention_rate else None
    if not churn or churn <= 0:
        return []
    return [(uplift, (churn - uplift) / churn) for uplift in SCENARIO_UPLIFTS if uplift < churn]


def mean_dropout(model) -> float:
    """The model's mean drop-out: per purchase for BG/NBD and MBG/NBD, per week for Pareto/NBD."""
    params = model.params_
    if "s" in params:
        return float(params["s"] / params["beta"])
    return float(params["a"] / (params["a"] + params["b"]))


@dataclass
class CustomerValue:
    """Everything the CLV of a set of customers depends on besides the purchase model's parameters."""

    model: object
    x: np.ndarray
    t_x: np.ndarray
    age: np.ndarray
    spend: np.ndarray
    margin: np.ndarray
    settings: Settings

    def clv(self, alive: np.ndarray | None = None, step_months: int = 1) -> np.ndarray:
        return customer_lifetime_value(
            self.model, self.x, self.t_x, self.age, self.spend, margin=self.margin, discount_rate=self.settings.discount_rate,
            discount_unit="annual", horizon_months=self.settings.clv_horizon_months, time_units_per_month=WEEKS_PER_MONTH,
            alive=alive, step_months=step_months,
        )  # fmt: skip

    def with_model(self, model) -> CustomerValue:
        return CustomerValue(model, self.x, self.t_x, self.age, self.spend, self.margin, self.settings)

    def sample(self, size: int, seed: int = 0) -> tuple[CustomerValue, np.ndarray]:
        """At most ``size`` customers drawn without replacement (seeded), and which."""
        chosen = seeded_positions(len(self.x), size, seed)
        if chosen is None:
            return self, np.arange(len(self.x))
        return CustomerValue(self.model, self.x[chosen], self.t_x[chosen], self.age[chosen], self.spend[chosen],
                             self.margin[chosen], self.settings), chosen  # fmt: skip


def equity_intervals(value: CustomerValue, ggf, monetary: np.ndarray, factors, equity: float, scenarios: list[dict]) -> dict:
    """90% intervals of customer equity and of each model-based scenario's equity.

    The purchase model's and the spend model's parameters are drawn from their
    fitted uncertainty (normal on the log scale, seeded); each draw's equity, as
    a ratio to the fitted equity, is measured on a seeded sample of at most
    :data:`INTERVAL_SAMPLE` customers and applied to the whole base.
    """
    sample, rows = value.sample(INTERVAL_SAMPLE)
    purchase_draws = value.model.sample_params(INTERVAL_DRAWS, seed=1)
    spend_draws = ggf.sample_params(INTERVAL_DRAWS, seed=2) if ggf is not None else None
    step = INTERVAL_STEP_MONTHS
    base = float(sample.clv(step_months=step).sum())
    ratios = np.empty((INTERVAL_DRAWS, 1 + len(factors)))
    for d in range(INTERVAL_DRAWS):
        drawn = sample.with_model(value.model.with_params(purchase_draws[d]))
        if spend_draws is not None:
            drawn.spend = np.asarray(ggf.with_params(spend_draws[d]).conditional_expected_average_profit(sample.x, monetary[rows]))
        ratios[d, 0] = drawn.clv(step_months=step).sum() / base
        for k, (_, factor) in enumerate(factors):
            ratios[d, 1 + k] = drawn.with_model(drawn.model.scaled_dropout(factor)).clv(step_months=step).sum() / base
    low, high = np.nanpercentile(ratios, [5, 95], axis=0)
    for k, row in enumerate(scenarios):
        row["customer_equity_low"], row["customer_equity_high"] = equity * low[1 + k], equity * high[1 + k]
    return {"customer_equity_low": equity * low[0], "customer_equity_high": equity * high[0], "interval_draws": INTERVAL_DRAWS}
