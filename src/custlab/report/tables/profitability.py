"""Profit waterfall, concentration sentences and the profitability lists."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.profit import active_customers
from custlab.report import html
from custlab.report.tables._format import customer_list, largest_where, percent


def style_waterfall(waterfall: pd.DataFrame, currency: str = ""):
    """The waterfall steps with amount and share of revenue; subtotals in bold."""
    revenue = float(waterfall.loc[waterfall["term"] == "revenue", "amount"].iloc[0])
    table = pd.DataFrame(
        {
            "Step": waterfall["step"],
            "Amount": waterfall["amount"],
            "Share of revenue": waterfall["amount"] / revenue if revenue else float("nan"),
        }
    )
    bold = pd.Series(["font-weight: bold" if k != "cost" else "" for k in waterfall["kind"]], index=table.index)
    styles = {column: bold for column in table.columns}
    return html.show(html.table(table, {"Amount": "money", "Share of revenue": "percent"}, currency=currency, cell_styles=styles))


def lean_big_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """The lean big customers, largest revenue first, with the term that eats their margin."""
    flagged = largest_where(customers, customers["lean_big"], "revenue", limit)
    return customer_list(
        flagged,
        {
            "Revenue rank": flagged["revenue_rank"],
            "Revenue": flagged["revenue"],
            "Profit": flagged["profit"],
            "Margin": flagged["profit_margin"],
            "What eats the margin": flagged["lean_big_reason"],
        },
    )


def bulk_one_off_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """One-off bulk buyers, largest order first, with the month of their only order."""
    flagged = largest_where(customers, customers["bulk_one_off"], "lifetime_gross_sales", limit)
    return customer_list(
        flagged,
        {
            "Order month": pd.to_datetime(flagged["first_purchase_month"]).dt.strftime("%Y-%m"),
            "Order value": flagged["lifetime_gross_sales"],
            "Profit in window": flagged["profit"],
        },
    )


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
    active = active_customers(customers, [by, "customer_id", "revenue", "profit"])
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


def top_customers_table(customers: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` largest customers by revenue with share, profit, tier and risks."""
    top = customers.nlargest(n, "revenue")
    return customer_list(
        top,
        {
            "Tier": top["tier"],
            "Revenue": top["revenue"],
            "Share of revenue": top["revenue_share"],
            "Profit": top["profit"],
            "Risks": top["risk_reasons"].fillna(""),
        },
    )
