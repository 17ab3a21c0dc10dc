"""Retention scenarios, value by group, satisfaction versus loyalty."""

from __future__ import annotations

import pandas as pd

from custlab.report import html
from custlab.report.tables._format import customer_list, largest_where, money, percent


def scenario_table(scenarios: pd.DataFrame, currency: str = "") -> pd.DataFrame:
    """The retention scenarios for reading, with the arithmetic in the column names."""
    if scenarios.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Retention": scenarios["uplift_points"].map(lambda v: "today" if v == 0 else f"+{v:g} points"),
            "Retention rate r": scenarios["retention"].map(percent),
            "Multiple r / (1 + d − r)": scenarios["multiple"].map(lambda v: f"{v:.2f}"),
            "Value per customer (margin × multiple)": scenarios["clv_per_customer"].map(lambda v: money(v, currency)),
            "Customer equity": scenarios["customer_equity"].map(lambda v: money(v, currency)),
            "Change": scenarios["equity_change"].map(lambda v: "—" if v == 0 else f"+{v:.1%}"),
            "Expected lifetime (periods)": scenarios["expected_lifetime_periods"].map(lambda v: f"{v:.1f}"),
        }
    ).set_index("Retention")


def model_scenario_table(summary: dict, currency: str = "") -> pd.DataFrame:
    """The model-based retention scenarios (BG/NBD drop-out cut like the defections)."""
    model = summary.get("lifetime_value") or {}
    rows = model.get("model_scenarios") or []
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Retention": [f"+{r['uplift_points']:g} points" for r in rows],
            "Defections kept": [percent(r["defection_factor"], 0) for r in rows],
            "Mean drop-out after a purchase": [percent(r["mean_dropout"], 2) for r in rows],
            "Customer equity (model)": [money(r["customer_equity"], currency) for r in rows],
            "Change": [f"+{r['equity_change']:.1%}" for r in rows],
        }
    ).set_index("Retention")


def value_by(customers: pd.DataFrame, by: str) -> pd.DataFrame:
    """Customers, mean probability alive, expected purchases and lifetime value per group of ``by``."""
    if "clv" not in customers:
        return pd.DataFrame()
    keys = customers[by].astype(object).where(customers[by].notna(), "unknown")
    table = customers.groupby(keys).agg(
        customers=("customer_id", "size"),
        mean_p_alive=("p_alive", "mean"),
        expected_purchases_12m=("expected_purchases_12m", "sum"),
        customer_equity=("clv", "sum"),
        mean_clv=("clv", "mean"),
    )
    total = table["customer_equity"].sum()
    table["share_of_equity"] = table["customer_equity"] / total if total else float("nan")
    table.index.name = by
    return table.sort_values("customer_equity", ascending=False)


def satisfied_defectors_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """Customers who said they were satisfied and then stopped buying, most valuable first."""
    if "satisfied_defector" not in customers or "last_satisfaction" not in customers:
        return pd.DataFrame()
    flagged = largest_where(customers, customers["satisfied_defector"], "lifetime_revenue", limit)
    return customer_list(
        flagged,
        {
            "Latest score": flagged["last_satisfaction"],
            "Surveyed": pd.to_datetime(flagged["last_survey_date"]).dt.strftime("%Y-%m-%d"),
            "Last purchase": pd.to_datetime(flagged["last_purchase_month"]).dt.strftime("%Y-%m"),
            "Lifetime revenue": flagged["lifetime_revenue"],
        },
    )


def retention_sentences(summary: dict) -> list[str]:
    """Retention, customer equity and satisfaction-versus-loyalty figures as sentences."""
    currency = summary.get("currency", "")
    lines = []
    rate = summary.get("retention_rate")
    if rate is not None:
        lines.append(
            f"{percent(rate)} of the {summary.get('retention_previous_customers', 0):,} customers who bought in the "
            f"previous {summary.get('window_months', 12)} months bought again in the last {summary.get('window_months', 12)}."
        )
    model = summary.get("lifetime_value") or {}
    if model.get("customer_equity") is not None:
        lines.append(
            f"Customer equity — the expected profit of today's customers over the next {model['horizon_months']} months, "
            f"discounted at {model['discount_rate_annual']:.0%} a year — is {money(model['customer_equity'], currency)}."
        )
    loyalty = summary.get("loyalty") or {}
    if loyalty.get("surveyed_leavers"):
        lines.append(
            f"Of the {loyalty['surveyed_leavers']:,} surveyed customers who stopped buying, "
            f"{percent(loyalty.get('satisfied_defector_share'), 0)} had said they were satisfied. "
            f"Satisfied customers still buying: {percent(loyalty.get('retention_satisfied'), 0)}; "
            f"the others: {percent(loyalty.get('retention_not_satisfied'), 0)}."
        )
    holdout = summary.get("holdout") or {}
    if holdout:
        lines.append(
            f"Out-of-sample check: fitted on data to {holdout['calibration_end']}, the purchase model predicted "
            f"{holdout['predicted_total']:,.0f} purchases in the following {holdout['weeks']} weeks; customers made "
            f"{holdout['actual_total']:,.0f}."
        )
    return lines


def style_scenarios(table: pd.DataFrame, empty: str = "Not computed: no retention rate this period."):
    """A scenario table (:func:`scenario_table`, :func:`model_scenario_table`) for reading."""
    return html.show(html.table(table, index=table.index.name, right=tuple(c for c in table.columns), empty=empty))


def style_value_by(table: pd.DataFrame, currency: str = ""):
    """Format :func:`value_by` for reading."""
    labels = {
        "customers": "Customers", "mean_p_alive": "Mean probability still a customer",
        "expected_purchases_12m": "Expected purchases, next 12 months", "customer_equity": "Customer equity",
        "mean_clv": "Mean lifetime value", "share_of_equity": "Share of equity",
    }  # fmt: skip
    kinds = {"Customers": "count", "Mean probability still a customer": "percent",
             "Expected purchases, next 12 months": "count", "Customer equity": "money",
             "Mean lifetime value": "money", "Share of equity": "percent"}  # fmt: skip
    shown = table.rename(columns=labels)
    group = (table.index.name or "group").replace("_", " ").capitalize()
    shown.index = shown.index.map(lambda v: str(v).capitalize())
    return html.show(html.table(shown, kinds, currency=currency, index=group, empty="Lifetime value was not computed."))


def style_retention_by_satisfaction(table: pd.DataFrame):
    """Format :func:`custlab.analysis.loyalty.retention_by_satisfaction` for reading."""
    shown = table.rename(columns={"score": "Latest satisfaction score", "customers": "Customers", "left": "Stopped buying",
                                  "still_buying": "Still buying"})
    kinds = {"Latest satisfaction score": "score", "Customers": "count", "Stopped buying": "count", "Still buying": "percent"}
    return html.show(html.table(shown, kinds, empty="No survey data: satisfaction scores are not in the data."))
