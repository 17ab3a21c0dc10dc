"""Retention scenarios, value by group, satisfaction versus loyalty."""

from __future__ import annotations

import pandas as pd

from custlab.report import html
from custlab.report.format import change, number
from custlab.report.tables._format import customer_list, largest_where, money, percent


def scenario_table(scenarios: pd.DataFrame, currency: str = "") -> pd.DataFrame:
    """The retention scenarios for reading, with the arithmetic in the column names."""
    if scenarios.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Retention": scenarios["uplift_points"].map(lambda v: "today" if v == 0 else uplift_label(v)),
            "Retention rate r": scenarios["retention"].map(percent),
            "Multiple r / (1 + d − r)": scenarios["multiple"].map(lambda v: f"{v:.2f}"),
            "Value per customer (margin × multiple)": scenarios["clv_per_customer"].map(lambda v: money(v, currency)),
            "Customer equity": scenarios["customer_equity"].map(lambda v: money(v, currency)),
            "Change": scenarios["equity_change"].map(lambda v: "—" if v == 0 else change(v)),
            "Expected lifetime (periods)": scenarios["expected_lifetime_periods"].map(lambda v: f"{v:.1f}"),
        }
    ).set_index("Retention")


def uplift_label(points: float) -> str:
    """``1`` -> ``"+1 point"``, ``5`` -> ``"+5 points"``."""
    return f"+{points:g} point{'' if points == 1 else 's'}"


def scenario_comparison(summary: dict) -> list[str]:
    """The two answers to "+k points of retention" side by side, for the largest k both give, with
    which is higher read off the figures."""
    multiple = {row["uplift_points"]: row["equity_change"] for row in summary.get("retention_scenarios") or []}
    model = summary.get("lifetime_value") or {}
    through_model = {row["uplift_points"]: row["equity_change"] for row in model.get("model_scenarios") or []}
    common = sorted(k for k in set(multiple) & set(through_model) if k > 0)
    if not common:
        return []
    points = common[-1]
    by_multiple, by_model = multiple[points], through_model[points]
    if abs(by_model - by_multiple) < 0.0005:
        compared = "the two agree"
    else:
        compared = f"the model's figure is {'lower' if by_model < by_multiple else 'higher'}"
    return [
        f"{uplift_label(points)} of retention: the margin multiple, which counts every future period at today's "
        f"margin, adds {change(by_multiple)} to customer equity; the purchase model, customer by customer over "
        f"the {model.get('horizon_months', 'n/a')}-month horizon, adds {change(by_model)}: {compared}."
    ]


def model_scenario_table(summary: dict, currency: str = "") -> pd.DataFrame:
    """The model-based retention scenarios (the purchase model's drop-out cut like the defections),
    with the 90% interval of each scenario's equity where it was computed."""
    model = summary.get("lifetime_value") or {}
    rows = model.get("model_scenarios") or []
    if not rows:
        return pd.DataFrame()
    dropout = "Mean drop-out per week" if model.get("purchase_model") == "paretonbd" else "Mean drop-out after a purchase"
    table = pd.DataFrame(
        {
            "Retention": [uplift_label(r["uplift_points"]) for r in rows],
            "Defections kept": [percent(r["defection_factor"], 0) for r in rows],
            dropout: [percent(r["mean_dropout"], 2) for r in rows],
            "Customer equity (model)": [money(r["customer_equity"], currency) for r in rows],
            "90% interval": [interval(r.get("customer_equity_low"), r.get("customer_equity_high"), currency) for r in rows],
            "Change": [change(r["equity_change"]) for r in rows],
        }
    ).set_index("Retention")
    if not any("customer_equity_low" in r for r in rows):
        table = table.drop(columns="90% interval")
    return table


def interval(low, high, currency: str = "") -> str:
    """``"EUR 1,200 to EUR 1,900"``; ``n/a`` when either end is missing."""
    return f"{money(low, currency)} to {money(high, currency)}" if low is not None and high is not None else money(None)


def model_comparison_table(summary: dict) -> pd.DataFrame:
    """The purchase models compared on the holdout (summary.json ``purchase_model``), best first:
    what each predicted, what customers did, and how far each missed."""
    choice = summary.get("purchase_model") or {}
    rows = pd.DataFrame(choice.get("comparison") or [])
    if rows.empty:
        return pd.DataFrame()
    rows = rows.sort_values("mae", na_position="last")
    best = rows["mae"].min()
    note = rows["error"].where(rows["error"].astype(bool), rows["edges"])
    table = pd.DataFrame(
        {
            "Model": rows["model"] + (rows["name"] == choice.get("chosen")).map({True: " (chosen)", False: ""}),
            "Purchases predicted": rows["predicted_total"],
            "Purchases made": rows["actual_total"],
            "Total off by": rows["aggregate_error"],
            "Average miss per customer (purchases)": rows["mae"],
            "Miss against the best": rows["mae"] / best - 1,
            "Note": note.map(lambda v: f"{v[:1].upper()}{v[1:]}." if v else ""),
        }
    ).set_index("Model")
    # a note every model shares is said once, in the sentences (model_check_sentences)
    return table if table["Note"].nunique() > 1 else table.drop(columns="Note")


def style_model_comparison(table: pd.DataFrame):
    """Format :func:`model_comparison_table` for reading."""
    kinds = {"Purchases predicted": "count", "Purchases made": "count", "Total off by": "change",
             "Average miss per customer (purchases)": "number", "Miss against the best": "change", "Note": "text"}  # fmt: skip
    return html.show(html.table(table, kinds, index="Model", empty="The purchase models were not compared this period."))


def model_check_sentences(summary: dict) -> list[str]:
    """Which purchase model the lifetime values use, why, and how far it missed on the holdout, in words."""
    choice = summary.get("purchase_model") or {}
    model = summary.get("lifetime_value") or {}
    lines = []
    if choice.get("note"):
        lines.append(choice["note"])
    elif choice.get("reason"):
        lines.append(f"Purchase model: {choice['reason']}")
    rows = {row["name"]: row for row in choice.get("comparison") or []}
    chosen = rows.get(choice.get("chosen"))
    if chosen and chosen.get("predicted_total") == chosen.get("predicted_total") and chosen.get("actual_total"):
        lines.append(_holdout_sentence(chosen, choice))
    notes = {row.get("error") or row.get("edges") for row in rows.values()}
    if len(notes) == 1 and next(iter(notes)):
        lines.append(f"All {len(rows)} models: {next(iter(notes))}.")
    elif chosen and chosen.get("edges"):
        lines.append(f"{choice['model']} on this data: {chosen['edges']}.")
    used = model.get("purchase_model")
    if used and choice.get("chosen") and used != choice["chosen"]:
        lines.append(f"{model.get('purchase_model_label', used)} values the customers: {choice.get('model')} could not be fitted on the whole history.")
    return lines


#: A holdout total within this share of the actual is "close" for totals and groups.
CLOSE_TOTAL = 0.10
#: A mean miss per customer within this share of a customer's mean purchases is "close" customer by customer.
CLOSE_CUSTOMER = 0.5


def holdout_check(row: dict) -> tuple[float, float, bool, bool]:
    """The chosen model's holdout against its bars: (relative miss of the total, a customer's mean
    purchases, total within :data:`CLOSE_TOTAL`, miss per customer within :data:`CLOSE_CUSTOMER` of
    that mean). ``row`` is the model's row of the comparison."""
    off = row["predicted_total"] / row["actual_total"] - 1
    per_customer = row["actual_total"] / row["customers"] if row.get("customers") else float("nan")
    close_total = round(abs(off), 3) <= CLOSE_TOTAL  # as shown: "10.0% too many" is not "more than 10%"
    return off, per_customer, close_total, bool(row["mae"] <= CLOSE_CUSTOMER * per_customer)


def _holdout_sentence(row: dict, choice: dict) -> str:
    predicted, actual = row["predicted_total"], row["actual_total"]
    off, per_customer, close_total, close_customer = holdout_check(row)
    how_far = "within 0.1%" if abs(off) < 0.0005 else f"{abs(off):.1%} too {'many' if off > 0 else 'few'}"
    if close_total and close_customer:
        verdict = "Close for totals and for single customers."
    elif close_total:
        verdict = "Trust it for totals and groups of customers more than for any single customer."
    else:
        verdict = f"Its total was off by more than {CLOSE_TOTAL:.0%}: read lifetime values as rough."
    fitted = choice.get("fitted_customers")
    fitted_on = (f"Fitted on a random sample of {fitted:,} of the {row['customers']:,} customers known by "
                 f"{choice.get('calibration_end', 'n/a')}" if fitted else f"Fitted on the data to {choice.get('calibration_end', 'n/a')}")  # fmt: skip
    return (
        f"{fitted_on}, it predicted {predicted:,.0f} purchases {'for all of them ' if fitted else ''}in the "
        f"following {choice.get('weeks', 0):g} weeks; customers made {actual:,.0f} ({how_far}). Customer by customer it missed "
        f"by {number(row['mae'])} purchases on average, where a customer made {number(per_customer)}. {verdict}"
    )


def value_by(customers: pd.DataFrame, by: str) -> pd.DataFrame:
    """Customers, mean probability alive, expected purchases and lifetime value per group of ``by``.

    One group, ``all customers``, when ``by`` holds no value; no money columns
    when lifetime value was not computed in money (a log of purchase dates).
    """
    if "p_alive" not in customers:
        return pd.DataFrame()
    grouped = by in customers and customers[by].notna().any()
    keys = customers[by].astype(object).where(customers[by].notna(), "unknown") if grouped else pd.Series("all customers", index=customers.index)
    in_money = "clv" in customers and customers["clv"].notna().any()
    aggregations = {"customers": ("customer_id", "size"), "mean_p_alive": ("p_alive", "mean"),
                    "expected_purchases_12m": ("expected_purchases_12m", "sum")}  # fmt: skip
    if in_money:
        aggregations.update(customer_equity=("clv", "sum"), mean_clv=("clv", "mean"))
    table = customers.groupby(keys).agg(**aggregations)
    table.index.name = by if grouped else "customer group"
    if not in_money:
        return table.sort_values("expected_purchases_12m", ascending=False)
    total = table["customer_equity"].sum()
    table["share_of_equity"] = table["customer_equity"] / total if total else float("nan")
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
        band = ""
        if model.get("customer_equity_low") is not None:
            band = f" (90% interval {interval(model['customer_equity_low'], model['customer_equity_high'], currency)}, from the uncertainty of the fitted models)"
        lines.append(
            f"Customer equity — the expected profit of today's customers over the next {model['horizon_months']} months, "
            f"discounted at {model['discount_rate_annual']:.0%} a year — is {money(model['customer_equity'], currency)}{band}."
        )
    loyalty = summary.get("loyalty") or {}
    if loyalty.get("surveyed_leavers"):
        lines.append(
            f"Of the {loyalty['surveyed_leavers']:,} surveyed customers who stopped buying, "
            f"{percent(loyalty.get('satisfied_defector_share'), 0)} had said they were satisfied. "
            f"Satisfied customers still buying: {percent(loyalty.get('retention_satisfied'), 0)}; "
            f"the others: {percent(loyalty.get('retention_not_satisfied'), 0)}."
        )
    return lines


def style_scenarios(table: pd.DataFrame, empty: str = "Not computed: no retention rate this period."):
    """A scenario table (:func:`scenario_table`, :func:`model_scenario_table`) for reading."""
    return html.show(html.table(table, index=table.index.name, right=tuple(c for c in table.columns), empty=empty))


def style_value_by(table: pd.DataFrame, currency: str = ""):
    """Format :func:`value_by` for reading."""
    if table.empty:
        return html.show(html.paragraph("Lifetime value was not computed."))
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
    shown.index = shown.index.map(lambda v: str(v)[:1].upper() + str(v)[1:])
    return html.show(html.table(shown, kinds, currency=currency, index=group, empty="Lifetime value was not computed."))


def style_retention_by_satisfaction(table: pd.DataFrame):
    """Format :func:`custlab.analysis.loyalty.retention_by_satisfaction` for reading."""
    shown = table.rename(columns={"score": "Latest satisfaction score", "customers": "Customers", "left": "Stopped buying",
                                  "still_buying": "Still buying"})
    kinds = {"Latest satisfaction score": "score", "Customers": "count", "Stopped buying": "count", "Still buying": "percent"}
    return html.show(html.table(shown, kinds, empty="No survey data: satisfaction scores are not in the data."))


def model_health(summary: dict) -> pd.DataFrame:
    """The checks behind the lifetime values and the segments, each against its bar, with a verdict.

    - the chosen purchase model's holdout total against what customers did (within
      :data:`CLOSE_TOTAL`);
    - its average miss per customer against a customer's mean purchases (within
      :data:`CLOSE_CUSTOMER` of it);
    - the clusters' bootstrap stability against ``cluster_min_stability``.

    A check the period could not make (no holdout, no clusters) is left out.
    """
    rows = []
    choice = summary.get("purchase_model") or {}
    chosen = {r["name"]: r for r in choice.get("comparison") or []}.get(choice.get("chosen"))
    if chosen and chosen.get("actual_total") and chosen.get("predicted_total") == chosen.get("predicted_total"):
        off, per_customer, close_total, close_customer = holdout_check(chosen)
        rows.append((f"Holdout total of the {choice.get('model', chosen['name'])} model", f"{percent(abs(off))} off",
                     f"at most {CLOSE_TOTAL:.0%} off", close_total))  # fmt: skip
        if chosen.get("customers"):
            rows.append(("Miss per customer", f"{number(chosen['mae'])} purchases",
                         f"at most {number(CLOSE_CUSTOMER * per_customer)} (half a customer's {number(per_customer)})",
                         close_customer))  # fmt: skip
        if chosen.get("edges"):
            rows.append(("Model fit", "on the edge of its parameters", "inside them", False))
    stability, bar = summary.get("cluster_stability"), summary.get("cluster_min_stability")
    if stability is not None and bar is not None:
        rows.append((f"Stability of the {summary.get('clusters_k')} segments", number(stability), f"at least {number(bar)}",
                     stability >= bar))  # fmt: skip
    table = pd.DataFrame(rows, columns=["Check", "This period", "Bar", "passed"])
    table["Verdict"] = table["passed"].map({True: "good", False: "below the bar"})
    return table


def model_health_html(summary: dict):
    """:func:`model_health` as a boxed table under a one-line verdict computed from it."""
    table = model_health(summary)
    if table.empty:
        return html.show(html.paragraph("No model check this period: neither a holdout nor segments.", "custlab-missing"))
    failed = table.loc[~table["passed"], "Check"].tolist()
    verdict = ("Model health: good. Every check meets its bar; lifetime values and segments can be used as shown."
               if not failed else
               f"Model health: use with care. Below the bar: {'; '.join(f[:1].lower() + f[1:] for f in failed)}. "
               + ("Read lifetime values as rough." if any("segments" not in f for f in failed) else "")
               + (" Read the segments as a sketch." if any("segments" in f for f in failed) else ""))  # fmt: skip
    body = html.paragraph(verdict, "custlab-verdict") + html.table(table.drop(columns="passed"), {c: "text" for c in table.columns})
    return html.show(f'<div class="custlab-health">{body}</div>')


def equity_explained(summary: dict) -> list[str]:
    """Why two customer-equity figures appear, with which is larger read off the figures."""
    currency = summary.get("currency", "")
    model = (summary.get("lifetime_value") or {}).get("customer_equity")
    today = next((r for r in summary.get("retention_scenarios") or [] if r.get("uplift_points") == 0), None)
    if model is None or today is None:
        return []
    multiple = today["customer_equity"]
    larger = "higher" if multiple > model else "lower" if multiple < model else "the same"
    return [
        f"Two customer-equity figures: {money(multiple, currency)} from the margin multiple and {money(model, currency)} from "
        f"the purchase model. The multiple counts today's average margin in every future period at today's retention rate, "
        f"without end; the model adds each customer's own expected purchases over the "
        f"{(summary.get('lifetime_value') or {}).get('horizon_months', 'n/a')}-month horizon only. The multiple's figure is "
        f"{larger}: plan with the model's, and use the multiple to see what a point of retention is worth."
    ]
