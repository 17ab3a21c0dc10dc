"""Key-account risk: concentration tiles, receivables ageing, flagged accounts."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.account_sheets import ACCOUNT_TIERS, has_account_sheet, risk_flagged
from custlab.analysis.tiers import TIERS
from custlab.report import html
from custlab.report.format import money, percent
from custlab.report.tables._format import sheet_links


def tiles_html(tiles: list[tuple[str, str]]) -> str:
    """Tiles of (label, formatted value), escaped."""
    body = "".join(
        f'<div class="custlab-tile"><div class="value">{html.escape(v)}</div><div class="label">{html.escape(k)}</div></div>'
        for k, v in tiles
    )
    return f'<div class="custlab-tiles">{body}</div>'


def concentration_tiles_html(summary: dict):
    """Concentration and credit figures as tiles."""
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
    return html.show(tiles_html(tiles))


#: The ageing buckets' columns and their headers.
AGEING_COLUMNS = {"ar_current": "Current", "ar_1_30": "1-30 days", "ar_31_60": "31-60 days", "ar_61_90": "61-90 days", "ar_over_90": "Over 90 days"}


def ageing_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Open receivables per ageing bucket and tier, with the expected credit loss."""
    columns = AGEING_COLUMNS
    table = customers.groupby("tier")[[*columns, "expected_credit_loss"]].sum().rename(columns={**columns, "expected_credit_loss": "Expected credit loss"})
    table = table.reindex([t for t in TIERS if t in table.index])
    table.loc["all"] = table.sum()
    return table


def style_ageing(table: pd.DataFrame, currency: str = ""):
    """:func:`ageing_table` for reading."""
    shown = table.set_axis([str(t).capitalize() for t in table.index], axis="index")
    return html.show(html.table(shown, {c: "money" for c in shown.columns}, currency=currency, index="Tier"))


def flagged_accounts_html(customers: pd.DataFrame, account_pages: bool = True, limit: int = 40, currency: str = ""):
    """Key and important customers with a risk flag, largest first, linked to their account sheets.

    A customer is linked when it has a sheet (``account_sheet``; results
    without that column link every row); the note under the table says how
    many key and important customers have one.
    """
    shown = [c for c in ("customer_id", "tier", "revenue", "profit", "risk_reasons", "account_sheet") if c in customers]
    accounts = customers[shown][customers["tier"].isin(ACCOUNT_TIERS)]  # the columns shown first: rows filtered in 6, not 80
    flagged = accounts[risk_flagged(accounts)].nlargest(limit, "revenue")
    if flagged.empty:
        return html.show(html.paragraph("No key or important account carries a risk flag."))
    table = pd.DataFrame({
        "Customer": flagged["customer_id"].astype(str), "Tier": flagged["tier"], "Revenue": flagged["revenue"],
        "Profit": flagged["profit"], "Risks": flagged["risk_reasons"],
    })  # fmt: skip
    links = {"Customer": sheet_links(flagged)} if account_pages else {}
    note = f"{len(flagged):,} accounts shown."
    if account_pages:
        note += (
            f" {int(has_account_sheet(accounts).sum()):,} of the {len(accounts):,} key and important customers have an "
            "account sheet under accounts/ (risk-flagged first, then by revenue)."
        )
    markup = html.table(table, {"Revenue": "money", "Profit": "money"}, currency=currency, links=links)
    return html.show(markup + html.paragraph(note))


def style_concentration_history(history: pd.DataFrame):
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
    kinds = {"Largest customer": "percent", "Top 10 customers": "percent", "Top 20 customers": "percent",
             "HHI": "count", "Effective customers": "count"}  # fmt: skip
    return html.show(html.table(table, kinds))
