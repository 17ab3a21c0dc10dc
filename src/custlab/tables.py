"""Tables and tiles for the reports: business labels, thousands separators, percentages.

Pure functions build the frames (tested); thin ``*_html``/``style_*`` helpers
format them for the notebook. Every text that came from data is escaped.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler


def money(value: float | None, currency: str = "") -> str:
    """``1234567.8`` -> ``"EUR 1,234,568"``; None or NaN -> ``"n/a"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = f"{0.0 if abs(value) < 0.5 else value:,.0f}"
    return f"{currency} {text}".strip()


def percent(value: float | None, digits: int = 1) -> str:
    """``0.2345`` -> ``"23.5%"``; None or NaN -> ``"n/a"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}%}"


def kpi_tiles(summary: dict) -> list[tuple[str, str]]:
    """The headline tiles as (label, formatted value) pairs, in reading order."""
    currency = summary.get("currency", "")
    tiles = [
        ("Active customers", f"{summary['customers']:,}"),
        ("Revenue", money(summary["revenue"], currency)),
        ("Customer profit", money(summary["profit"], currency)),
        ("Profit margin", percent(summary.get("profit_margin"))),
        ("Loss-making customers", f"{percent(summary.get('loss_making_share'))} ({summary['loss_making_customers']:,})"),
        ("Rows quarantined", f"{summary.get('rows_quarantined', 0):,}"),
    ]
    if "top20_profit_share" in summary:
        top = f"Top {summary.get('top_share', 0.2):.0%} of customers: share of profit"
        tiles[4:4] = [
            (top, percent(summary.get("top20_profit_share"), 0)),
            ("Whale curve peak (share of total profit)", percent(summary.get("whale_peak"), 0)),
        ]
    return tiles


def kpi_tiles_html(summary: dict):
    """The headline tiles as an HTML block for the notebook."""
    from IPython.display import HTML

    tiles = "".join(
        f'<div class="custlab-tile"><div class="value">{html.escape(value)}</div>'
        f'<div class="label">{html.escape(label)}</div></div>'
        for label, value in kpi_tiles(summary)
    )
    window = f"{summary['window_start']} to {summary['window_end']}"
    caption = f"<p>Profit over the {summary['window_months']} months {html.escape(window)}.</p>"
    return HTML(f'<div class="custlab-tiles">{tiles}</div>{caption}')


def by_kind_table(summary: dict) -> pd.DataFrame:
    """Headline figures for each kind of customer (consumer, business), side by side."""
    rows = {
        kind.capitalize(): {
            "Active customers": figures["customers"],
            "Revenue": figures["revenue"],
            "Customer profit": figures["profit"],
            "Profit margin": figures["profit_margin"],
            "Loss-making share": figures["loss_making_share"],
        }
        for kind, figures in summary.get("by_kind", {}).items()
    }
    return pd.DataFrame(rows)


def style_by_kind(table: pd.DataFrame, currency: str = "") -> Styler:
    """Format :func:`by_kind_table` for reading."""
    formats = {
        "Active customers": "{:,.0f}",
        "Revenue": lambda v: money(v, currency),
        "Customer profit": lambda v: money(v, currency),
        "Profit margin": percent,
        "Loss-making share": percent,
    }
    styler = table.style
    for row, fmt in formats.items():
        if row in table.index:
            styler = styler.format(fmt, subset=pd.IndexSlice[[row], :])
    return styler


def style_waterfall(waterfall: pd.DataFrame, currency: str = "") -> Styler:
    """The waterfall steps with amount and share of revenue."""
    revenue = float(waterfall.loc[waterfall["term"] == "revenue", "amount"].iloc[0])
    table = pd.DataFrame(
        {
            "Step": waterfall["step"],
            "Amount": waterfall["amount"],
            "Share of revenue": waterfall["amount"] / revenue if revenue else float("nan"),
        }
    )
    bold = waterfall["kind"].ne("cost").to_numpy()
    return (
        table.style.hide(axis="index")
        .format({"Amount": lambda v: money(v, currency), "Share of revenue": percent})
        .apply(lambda column: ["font-weight: bold" if b else "" for b in bold], axis=0)
    )


def quality_frame(quality: pd.DataFrame) -> pd.DataFrame:
    """Rows read / accepted / quarantined per table, with the file's name."""
    return pd.DataFrame(
        {
            "Table": quality["table"],
            "File": [Path(str(f)).name for f in quality["file"]],
            "Rows read": quality["rows_read"],
            "Accepted": quality["accepted"],
            "Quarantined": quality["quarantined"],
            "Quarantined share": quality["quarantined"] / quality["rows_read"].where(quality["rows_read"] > 0),
        }
    )


def style_quality(quality: pd.DataFrame) -> Styler:
    """Format :func:`quality_frame` for reading."""
    return (
        quality_frame(quality)
        .style.hide(axis="index")
        .format({"Rows read": "{:,}", "Accepted": "{:,}", "Quarantined": "{:,}", "Quarantined share": percent})
    )


_QUOTED = re.compile(r'"[^"]*"')


def quarantine_summary(quarantine: pd.DataFrame, examples: int = 1) -> pd.DataFrame:
    """Quarantined rows counted by table, column and kind of problem.

    The reason's quoted value is taken out to group alike rows; one example
    row (the first) is kept for each group.
    """
    columns = ["Table", "Column", "Problem", "Rows", "First row", "Example value"]
    if quarantine.empty:
        return pd.DataFrame(columns=columns)
    problem = quarantine["reason"].astype(str).str.replace(_QUOTED, "…", regex=True)
    grouped = (
        quarantine.assign(problem=problem)
        .groupby(["table", "column", "problem"], sort=True)
        .agg(rows=("row", "size"), first_row=("row", "min"), example=("value", "first"))
        .reset_index()
        .sort_values("rows", ascending=False, kind="stable")
    )
    grouped.columns = columns
    return grouped.reset_index(drop=True)


def quarantine_html(quarantine: pd.DataFrame):
    """:func:`quarantine_summary` for the report, or one sentence when nothing was quarantined."""
    from IPython.display import HTML

    summary = quarantine_summary(quarantine)
    if summary.empty:
        return HTML("<p>No row was quarantined: every row read was accepted.</p>")
    return HTML(summary.style.hide(axis="index").format({"Rows": "{:,}", "First row": "{:,}"}).to_html())


def notes_html(notes: list[str]):
    """The assumptions and missing inputs as a bulleted list (or a reassurance)."""
    from IPython.display import HTML

    if not notes:
        return HTML("<p>Every profit term is computed from the company's own data; nothing is assumed.</p>")
    return HTML("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")


def _who(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The ``Customer`` and ``Name`` columns every customer list starts with (names may be absent)."""
    name = frame["name"].fillna("") if "name" in frame else pd.Series("", index=frame.index)
    return {"Customer": frame["customer_id"].astype(str), "Name": name}


def lean_big_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """The lean big customers, largest revenue first, with the term that eats their margin."""
    flagged = customers[customers["lean_big"]].sort_values("revenue", ascending=False).head(limit)
    return pd.DataFrame(
        {
            **_who(flagged),
            "Revenue rank": flagged["revenue_rank"],
            "Revenue": flagged["revenue"],
            "Profit": flagged["profit"],
            "Margin": flagged["profit_margin"],
            "What eats the margin": flagged["lean_big_reason"],
        }
    )


def bulk_one_off_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """One-off bulk buyers, largest order first, with the month of their only order."""
    flagged = customers[customers["bulk_one_off"]].sort_values("lifetime_gross_sales", ascending=False).head(limit)
    return pd.DataFrame(
        {
            **_who(flagged),
            "Order month": pd.to_datetime(flagged["first_purchase_month"]).dt.strftime("%Y-%m"),
            "Order value": flagged["lifetime_gross_sales"],
            "Profit in window": flagged["profit"],
        }
    )


def style_customer_table(table: pd.DataFrame, currency: str = "", empty: str = "None this period."):
    """Format a customer list (money, percentages; text escaped), or a sentence when it is empty."""
    from IPython.display import HTML

    if table.empty:
        return HTML(f"<p>{html.escape(empty)}</p>")
    formats = {}
    for column in table.columns:
        if column in ("Revenue", "Profit", "Order value", "Profit in window", "Lifetime revenue"):
            formats[column] = lambda v, c=currency: money(v, c)
        elif column in ("Margin",):
            formats[column] = percent
        elif column == "Revenue rank":
            formats[column] = "{:,}"
    return table.style.hide(axis="index").format(formats).format(escape="html", subset=[c for c in table.columns if table[c].dtype == object])


def profit_concentration(summary: dict) -> list[str]:
    """The 80/20 and whale-curve figures as sentences a stakeholder can quote."""
    share = summary.get("top_share", 0.2)
    lines = [
        f"The top {share:.0%} of customers by revenue bring {percent(summary.get('top20_revenue_share'), 0)} of revenue; "
        f"the top {share:.0%} by profit bring {percent(summary.get('top20_profit_share'), 0)} of profit.",
        f"Profit peaks at {percent(summary.get('whale_peak'), 0)} of the total with the most profitable "
        f"{percent(summary.get('whale_peak_customer_share'), 0)} of customers; the rest give back "
        f"{percent(summary.get('whale_loss_tail'), 0)} of total profit.",
        f"{percent(summary.get('loss_making_share'), 1)} of active customers lose money; "
        f"{summary.get('lean_big_count', 0):,} big customers are lean and "
        f"{summary.get('bulk_one_off_count', 0):,} customers are one-off bulk buyers.",
    ]
    return lines


def profit_by(customers: pd.DataFrame, by: str) -> pd.DataFrame:
    """Customers, revenue, profit, margin and loss-making share per value of column ``by``.

    Only active customers count; ``share_of_profit`` is each group's profit over
    the total (it can exceed 100% when other groups lose money).
    """
    active = customers[customers["in_window"]] if "in_window" in customers else customers
    keys = active[by].astype(object).where(active[by].notna(), "unknown")
    grouped = active.groupby(keys, sort=True).agg(
        customers=("customer_id", "size"),
        revenue=("revenue", "sum"),
        profit=("profit", "sum"),
        loss_making=("profit", lambda p: float((p < 0).mean())),
    )
    grouped["margin"] = grouped["profit"] / grouped["revenue"].where(grouped["revenue"] != 0)
    total = grouped["profit"].sum()
    grouped["share_of_profit"] = grouped["profit"] / total if total else float("nan")
    grouped.index.name = by
    return grouped.sort_values("profit", ascending=False)


def largest_lean_big(customers: pd.DataFrame) -> str:
    """Id of the lean big customer with the most revenue, else of the largest customer."""
    pool = customers[customers["lean_big"]] if customers["lean_big"].any() else customers
    return str(pool.loc[pool["revenue"].idxmax(), "customer_id"])


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
    flagged = customers[customers["satisfied_defector"]].sort_values("lifetime_revenue", ascending=False).head(limit)
    return pd.DataFrame(
        {
            **_who(flagged),
            "Latest score": flagged["last_satisfaction"],
            "Surveyed": pd.to_datetime(flagged["last_survey_date"]).dt.strftime("%Y-%m-%d"),
            "Last purchase": pd.to_datetime(flagged["last_purchase_month"]).dt.strftime("%Y-%m"),
            "Lifetime revenue": flagged["lifetime_revenue"],
        }
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


def sentences_html(lines: list[str]):
    """Sentences as a bulleted list."""
    from IPython.display import HTML

    return HTML("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")


def style_value_by(table: pd.DataFrame, currency: str = "") -> Styler:
    """Format :func:`value_by` for reading."""
    return table.style.format(
        {
            "customers": "{:,}",
            "mean_p_alive": percent,
            "expected_purchases_12m": "{:,.0f}",
            "customer_equity": lambda v: money(v, currency),
            "mean_clv": lambda v: money(v, currency),
            "share_of_equity": percent,
        }
    ).relabel_index(
        ["Customers", "Mean probability still a customer", "Expected purchases, next 12 months", "Customer equity",
         "Mean lifetime value", "Share of equity"],
        axis="columns",
    )


def style_retention_by_satisfaction(table: pd.DataFrame) -> Styler:
    """Format :func:`custlab.loyalty.retention_by_satisfaction` for reading."""
    return (
        table.style.hide(axis="index")
        .format({"score": "{:g}", "customers": "{:,}", "left": "{:,}", "still_buying": percent})
        .relabel_index(["Latest satisfaction score", "Customers", "Stopped buying", "Still buying"], axis="columns")
    )


def style_tier_table(tier_table: pd.DataFrame, currency: str = "") -> Styler:
    """The tiers with customers, revenue, profit, shares and each tier's policy."""
    return tier_table.style.format(
        {
            "customers": "{:,}",
            "revenue": lambda v: money(v, currency),
            "profit": lambda v: money(v, currency),
            "customer_share": percent,
            "profit_share": percent,
        }
    ).relabel_index(
        ["Customers", "Revenue", "Profit", "Share of customers", "Share of profit", "Policy"][: len(tier_table.columns)],
        axis="columns",
    )


def migration_table(summary: dict) -> pd.DataFrame:
    """The transition matrix from summary.json as a frame (rows: before; columns: now)."""
    matrix = summary.get("migration") or {}
    return pd.DataFrame(matrix).T if matrix else pd.DataFrame()


def style_migration(matrix: pd.DataFrame):
    """Counts with row shares, shaded; a sentence when there is no previous period."""
    from IPython.display import HTML

    if matrix.empty:
        return HTML("<p>No previous period in the data: no migration to show.</p>")
    totals = matrix.sum(axis=1)
    shares = matrix.div(totals.where(totals > 0), axis=0)
    text = matrix.astype(int).map("{:,}".format) + shares.map(lambda v: "" if v != v else f" ({v:.0%})")
    return text.style.background_gradient(cmap="Blues", gmap=shares.fillna(0).to_numpy(), axis=None)


def style_movers(movers: pd.DataFrame, currency: str = ""):
    """The biggest movers up and down with their reasons."""
    from IPython.display import HTML

    if movers.empty:
        return HTML("<p>No customer changed tier.</p>")
    table = movers.rename(
        columns={"customer_id": "Customer", "previous_tier": "Before", "tier": "Now", "direction": "Move",
                 "value_change": "Change in value", "reason": "Why"}
    )
    return table.style.hide(axis="index").format({"Change in value": lambda v: money(v, currency)}).format(
        escape="html", subset=["Customer", "Why"]
    )


def rising_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """Rising small customers, largest recent revenue first: the watch-list."""
    flagged = customers[customers["rising"] == True]  # noqa: E712 - may hold NA
    growth = flagged["revenue_recent"] / flagged["revenue_prior"].clip(lower=1.0)
    flagged = flagged.assign(growth=growth).sort_values("revenue_recent", ascending=False).head(limit)
    return pd.DataFrame(
        {
            **_who(flagged),
            "Tier": flagged["tier"],
            "Revenue": flagged["revenue_recent"],
            "Profit": flagged["profit"],
            "Revenue growth": [
                "from nothing" if prior <= 0 else f"x{g:,.1f}" for prior, g in zip(flagged["revenue_prior"], flagged["growth"])
            ],
        }
    )


def tier_history_table(history: pd.DataFrame, value: str = "customers") -> pd.DataFrame:
    """Tiers x periods (oldest first) of ``customers`` or ``profit``."""
    if history.empty:
        return pd.DataFrame()
    table = history.pivot_table(index="tier", columns="period", values=value, aggfunc="sum")
    from custlab.tiers import TIERS

    return table.reindex([t for t in TIERS if t in table.index])


def style_cluster_profile(profile: pd.DataFrame):
    """The clusters for reading: name, size and shares, medians and tier mix."""
    from IPython.display import HTML

    if profile.empty:
        return HTML("<p>No clusters this period.</p>")
    table = profile.set_index("name").drop(columns=["cluster"], errors="ignore")
    formats = {c: percent for c in table.columns if c.endswith("_share")}
    formats["customers"] = "{:,}"
    formats.update({c: "{:,.2f}" for c in table.columns if c.startswith("median_")})
    labels = [c.replace("median_", "median ").replace("_", " ") for c in table.columns]
    return table.style.format(formats).relabel_index(labels, axis="columns")


def concentration_tiles_html(summary: dict):
    """Concentration and credit figures as tiles."""
    from IPython.display import HTML

    currency = summary.get("currency", "")
    tiles = [
        ("Largest customer: share of revenue", percent(summary.get("top1_revenue_share"))),
        ("Top 10 customers: share of revenue", percent(summary.get("top10_revenue_share"))),
        ("Top 20 customers: share of profit", percent(summary.get("top20_customers_profit_share"))),
        ("HHI of customer revenue", "n/a" if summary.get("hhi") is None else f"{summary['hhi']:,.0f}"),
        ("Effective number of customers", "n/a" if summary.get("effective_customers") is None else f"{summary['effective_customers']:,.0f}"),
        ("Customers at 10%+ of revenue", f"{summary.get('dependence_count', 0):,}"),
        ("Days sales outstanding", "n/a" if summary.get("dso_days") is None else f"{summary['dso_days']:.0f} days"),
        ("Overdue receivables", money(summary.get("overdue_receivables"), currency)),
        ("Expected credit loss", money(summary.get("expected_credit_loss"), currency)),
        ("Big debtors", f"{summary.get('big_debtor_count', 0):,}"),
    ]
    body = "".join(
        f'<div class="custlab-tile"><div class="value">{html.escape(v)}</div><div class="label">{html.escape(k)}</div></div>'
        for k, v in tiles
    )
    return HTML(f'<div class="custlab-tiles">{body}</div>')


def top_customers_table(customers: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` largest customers by revenue with share, profit, tier and risks."""
    top = customers.nlargest(n, "revenue")
    return pd.DataFrame(
        {
            **_who(top),
            "Tier": top["tier"],
            "Revenue": top["revenue"],
            "Share of revenue": top["revenue_share"].map(percent),
            "Profit": top["profit"],
            "Risks": top["risk_reasons"].fillna(""),
        }
    )


def ageing_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Open receivables per ageing bucket and tier, with the expected credit loss."""
    columns = {"ar_current": "Current", "ar_1_30": "1-30 days", "ar_31_60": "31-60 days", "ar_61_90": "61-90 days", "ar_over_90": "Over 90 days"}
    table = customers.groupby("tier")[[*columns, "expected_credit_loss"]].sum().rename(columns={**columns, "expected_credit_loss": "Expected credit loss"})
    from custlab.tiers import TIERS

    table = table.reindex([t for t in TIERS if t in table.index])
    table.loc["all"] = table.sum()
    return table


def flagged_accounts_html(customers: pd.DataFrame, account_pages: bool = True, limit: int = 40, currency: str = ""):
    """Key and important customers with a risk flag, largest first, linked to their account sheets."""
    from IPython.display import HTML

    from custlab.accounts import account_file_name

    flagged = customers[customers["tier"].isin(["key", "important"]) & customers["risk_reasons"].fillna("").ne("")]
    flagged = flagged.nlargest(limit, "revenue")
    if flagged.empty:
        return HTML("<p>No key or important account carries a risk flag.</p>")
    rows = []
    for row in flagged.itertuples():
        cid = html.escape(str(row.customer_id))
        link = f'<a href="accounts/{html.escape(account_file_name(row.customer_id))}">{cid}</a>' if account_pages else cid
        rows.append(
            f"<tr><td>{link}</td><td>{html.escape(str(row.tier))}</td><td>{html.escape(money(row.revenue, currency))}</td>"
            f"<td>{html.escape(money(row.profit, currency))}</td><td style='text-align:left'>{html.escape(row.risk_reasons)}</td></tr>"
        )
    head = "<tr><th>Customer</th><th>Tier</th><th>Revenue</th><th>Profit</th><th>Risks</th></tr>"
    return HTML(f"<table>{head}{''.join(rows)}</table><p>{len(flagged):,} accounts shown. Every key and important customer has an account sheet under <code>accounts/</code>.</p>")


def style_concentration_history(history: pd.DataFrame) -> Styler:
    """Concentration per recent period: top 1, 10 and 20 customers' revenue share, HHI, effective customers."""
    columns = {
        "period": "Period",
        "top1_revenue_share": "Largest customer",
        "top10_revenue_share": "Top 10 customers",
        "top20_customers_revenue_share": "Top 20 customers",
        "hhi": "HHI",
        "effective_customers": "Effective customers",
    }
    table = history[[c for c in columns if c in history]].rename(columns=columns)
    return table.style.hide(axis="index").format(
        {"Largest customer": percent, "Top 10 customers": percent, "Top 20 customers": percent,
         "HHI": "{:,.0f}", "Effective customers": "{:,.0f}"}
    )
