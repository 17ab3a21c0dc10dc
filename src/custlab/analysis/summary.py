"""The headline summary of a period (``summary.json``): a pure function of the period's figures.

Every key is documented in the README. Absent analyses are ``None`` (null),
never 0, so a reader can tell "nothing" from "not computed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from custlab.analysis import account_sheets, clusters, curves, decisions, flags, loyalty, profit, risk
from custlab.analysis.inputs import DataInputs
from custlab.periods import Period
from custlab.sources.config import Config


@dataclass
class PeriodFigures:
    """What the summary is built from: the report period's customer file and the figures around it.

    Attributes
    ----------
    customers : DataFrame
        The report period's customer file (tiers, flags and risk columns included).
    window_start : date
        First day of the profit window.
    retention_counts : tuple
        Buyers of the previous window and how many bought again.
    retention_rate : float
        Their share (NaN when not counted).
    value_model : dict
        The lifetime-value model's facts (:func:`custlab.analysis.customer_value.lifetime_value`).
    holdout : dict
        The out-of-sample check of the chosen purchase model (empty when skipped).
    purchase_model : dict
        The models compared on the holdout, the one chosen and why.
    has_surveys : bool
        Whether satisfaction figures exist.
    terms : dict
        Each cost term: ``from data``, ``assumed`` or ``absent``.
    tier_table : DataFrame
        :func:`custlab.analysis.migration.tier_summary` with policies.
    migration : DataFrame
        The transition matrix (empty without a previous period).
    previous_period : str or None
        Label of the previous period.
    clusters_k, cluster_stability : int, float or None
        The number of clusters chosen and its bootstrap stability.
    scenarios : DataFrame
        The CLV-multiple retention scenarios.
    concentration : dict
        :func:`custlab.analysis.risk.concentration` of the customer file.
    rows_quarantined : int
        Rows set aside by validation.
    notes : list of str
        Assumptions and missing inputs.
    inputs : DataInputs
        The tables and columns the data provided (what each analysis can say).
    previous_headline : dict or None
        The previous period's headline figures (:func:`custlab.analysis.decisions.headline`).
    year_headline : tuple or None
        (label, headline figures) of the same period a year before, when the data reach it.
    """

    customers: pd.DataFrame
    window_start: object
    retention_counts: tuple[int, int]
    retention_rate: float
    value_model: dict
    holdout: dict
    purchase_model: dict
    has_surveys: bool
    terms: dict
    tier_table: pd.DataFrame
    migration: pd.DataFrame
    previous_period: str | None
    clusters_k: int | None
    cluster_stability: float | None
    scenarios: pd.DataFrame
    concentration: dict
    rows_quarantined: int
    notes: list[str]
    inputs: DataInputs = field(default_factory=DataInputs)
    previous_headline: dict | None = None
    year_headline: tuple[str, dict] | None = None


def _receivables_figures(customers: pd.DataFrame, window_start, period_end) -> dict:
    active = profit.active_customers(customers, ["open_receivables", "credit_sales"])
    window_days = (period_end - window_start).days + 1
    return {
        "dso_days": risk.dso_days(active["open_receivables"].sum(), active["credit_sales"].sum(), window_days),
        "expected_credit_loss": float(customers["expected_credit_loss"].sum()),
        "overdue_receivables": float(customers["overdue_receivables"].sum()),
        "big_debtor_count": int(customers["big_debtor"].sum()),
        "price_pressure_count": int(customers["price_pressure"].sum()),
        "cost_to_serve_rising_count": int(customers["cost_to_serve_rising"].sum()),
        "territory_breach_count": int(customers["territory_breach"].sum()),
    }


def _retention_figures(figures: PeriodFigures, loyalty_figures: dict) -> dict:
    previous_buyers, retained = figures.retention_counts
    customers = figures.customers
    return {
        "retention_rate": figures.retention_rate,
        "retention_previous_customers": previous_buyers,
        "retention_retained_customers": retained,
        "customer_equity": figures.value_model.get("customer_equity"),
        "customer_equity_low": figures.value_model.get("customer_equity_low"),
        "customer_equity_high": figures.value_model.get("customer_equity_high"),
        "satisfied_defector_share": loyalty_figures.get("satisfied_defector_share"),
        "satisfied_defector_count": int(customers["satisfied_defector"].sum()),
        "rising_count": int(customers["rising"].sum()),
    }


def period_summary(config: Config, period: Period, kind: str, figures: PeriodFigures) -> dict:
    """The ``summary.json`` of a period, JSON-safe (NaN and infinities as None)."""
    customers, settings = figures.customers, config.settings
    loyalty_figures = (
        loyalty.satisfaction_vs_loyalty(customers, settings.satisfied_threshold) if figures.has_surveys else {}
    )
    summary = {
        "company": config.company,
        "currency": config.currency,
        "period": period.label,
        "period_title": period.title(),
        "kind": kind or "all",
        "window_start": figures.window_start.isoformat(),
        "window_end": period.end.isoformat(),
        "window_months": settings.window_months,
        "lapse_months": settings.lapse_months,
        "satisfied_min": settings.satisfied_threshold,
        **profit.profit_kpis(customers),
        "orders": int(profit.active_customers(customers, ["orders"])["orders"].sum()),
        "assumed_gross_margin": settings.default_gross_margin if figures.terms.get("cogs") == "assumed" else None,
        **curves.profitability_kpis(customers, config.rules.top_share),
        "lean_big_count": int(customers["lean_big"].sum()),
        "bulk_one_off_count": int(customers["bulk_one_off"].sum()),
        **_retention_figures(figures, loyalty_figures),
        **figures.concentration,
        **_receivables_figures(customers, figures.window_start, period.end),
        "by_kind": {
            str(kind): profit.profit_kpis(group)
            for kind, group in customers[["revenue", "profit", "in_window"]].groupby(customers["kind"].fillna("unknown"))
        },
        "top_share": config.rules.top_share,
        "typical_order_value": flags.typical_order_value(customers),
        "rows_quarantined": figures.rows_quarantined,
        "terms": figures.terms,
        "lifetime_value": figures.value_model,
        "holdout": figures.holdout,
        "purchase_model": figures.purchase_model,
        "loyalty": loyalty_figures,
        "retention_scenarios": figures.scenarios.to_dict(orient="records"),
        "tier_counts": figures.tier_table["customers"].to_dict(),
        "tier_profit_share": figures.tier_table["profit_share"].to_dict(),
        "tier_policies": dict(config.tiers.policies),
        "previous_period": figures.previous_period,
        "migration": figures.migration.to_dict(orient="index") if not figures.migration.empty else {},
        "clusters_k": figures.clusters_k,
        "cluster_stability": figures.cluster_stability,
        "cluster_min_stability": clusters.MIN_STABILITY,
        "notes": figures.notes,
        "churn_risk_count": int(customers["churn_risk"].sum()) if "churn_risk" in customers else None,
        "value_at_risk": float(customers["value_at_risk"].sum()) if "value_at_risk" in customers else None,
        "actions": decisions.recommended_actions(customers, config.rules),
        "inputs": figures.inputs.to_dict(),
        "inputs_met": figures.inputs.met(),
    }
    now = decisions.headline_from(summary, summary["tier_counts"])
    summary["changes"] = decisions.period_changes(now, figures.previous_headline, figures.previous_period)
    year_label, year_figures = figures.year_headline or (None, None)
    summary["changes_year"] = decisions.period_changes(now, year_figures, year_label)
    summary["tier_peers"] = account_sheets.tier_peers(customers, summary["inputs_met"])
    if figures.previous_period is None:
        summary["migration"] = None
    return json_safe(unmet_to_null(summary, summary["inputs_met"]))


_CONCENTRATION_KEYS = tuple(
    f"top{n}_customers_{what}_share" for n in risk.TOP_N for what in ("revenue", "profit")
) + ("top1_revenue_share", "top10_revenue_share", "hhi", "effective_customers", "dependence_count")

#: summary.json keys that mean nothing without a need (see :mod:`custlab.analysis.inputs`):
#: null, never 0, when it is not met. A dotted key names a key inside a nested dict.
SUMMARY_KEYS_NEEDING: dict[str, tuple[str, ...]] = {
    "receivables": ("dso_days", "expected_credit_loss", "overdue_receivables", "big_debtor_count"),
    "service": ("cost_to_serve_rising_count",),
    "price_terms": ("price_pressure_count",),
    "regions": ("territory_breach_count",),
    "surveys": ("satisfied_defector_share", "satisfied_defector_count"),
    "margins_differ": ("lean_big_count",),
    "kind": ("by_kind",),
    "revenue": (
        "revenue", "profit", "profit_margin", "assumed_gross_margin", "loss_making_customers", "loss_making_share", "top20_revenue_share",
        "top20_profit_share", "whale_peak", "whale_peak_customer_share", "whale_loss_tail", "lean_big_count",
        "bulk_one_off_count", "customer_equity", "customer_equity_low", "customer_equity_high", "by_kind",
        "typical_order_value", "retention_scenarios", "tier_counts", "tier_profit_share", "migration", "rising_count",
        "clusters_k", "cluster_stability", *_CONCENTRATION_KEYS, "lifetime_value.customer_equity",
        "lifetime_value.customer_equity_low", "lifetime_value.customer_equity_high", "lifetime_value.model_scenarios",
        "lifetime_value.gamma_gamma", "churn_risk_count", "value_at_risk", "changes", "changes_year", "actions", "tier_peers",
    ),
}  # fmt: skip


def unmet_to_null(summary: dict, met: dict[str, bool]) -> dict:
    """``summary`` with the keys of every unmet need (:data:`SUMMARY_KEYS_NEEDING`) set to None."""
    for need, keys in SUMMARY_KEYS_NEEDING.items():
        if met.get(need, True):
            continue
        for key in keys:
            *parents, last = key.split(".")
            target = summary
            for parent in parents:
                target = target.get(parent) if isinstance(target, dict) else None
            if isinstance(target, dict) and last in target:
                target[last] = None
    return summary


def json_safe(value):
    """Replace NaN and infinities by None and numpy scalars by Python ones, recursively."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
