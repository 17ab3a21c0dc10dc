"""Profit waterfall, concentration sentences and the profitability lists."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.profit import active_customers, waterfall_labels
from custlab.report import html
from custlab.report.tables._format import customer_list, largest_where, percent


def style_waterfall(waterfall: pd.DataFrame, currency: str = "", assumed_gross_margin: float | None = None):
    """The waterfall steps with amount and share of revenue; subtotals in bold; a term not in the
    data reads n/a, not 0."""
    revenue = float(waterfall.loc[waterfall["term"] == "revenue", "amount"].iloc[0])
    absent = waterfall["source"].eq("absent") if "source" in waterfall else pd.Series(False, index=waterfall.index)
    amount = waterfall["amount"].where(~absent)
    table = pd.DataFrame(
        {
            "Step": waterfall_labels(waterfall, assumed_gross_margin),
            "Amount": amount,
            "Share of revenue": amount / revenue if revenue else float("nan"),
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
    """The 80/20 and whale-curve figures as sentences a stakeholder can quote; every direction
    ("peaks above", "give back", "nobody loses money") is read off the figures."""
    share = summary.get("top_share", 0.2)
    lines = [
        f"The top {share:.0%} of customers by revenue bring {percent(summary.get('top20_revenue_share'), 0)} of revenue; "
        f"the top {share:.0%} by profit bring {percent(summary.get('top20_profit_share'), 0)} of profit."
    ]
    lines.append(whale_sentence(summary))
    losing = summary.get("loss_making_customers")
    flagged = []
    if summary.get("lean_big_count") is not None:
        flagged.append(f"{summary['lean_big_count']:,} big customers are lean")
    if summary.get("bulk_one_off_count") is not None:
        flagged.append(f"{summary['bulk_one_off_count']:,} customers are one-off bulk buyers")
    loss = "No active customer loses money" if not losing else f"{percent(summary.get('loss_making_share'), 1)} of active customers ({losing:,}) lose money"
    lines.append(loss + ("; " + " and ".join(flagged) if flagged else "") + ".")
    return lines


def whale_sentence(summary: dict) -> str:
    """Where cumulative profit peaks and how much the customers after the peak give back, in words."""
    peak, at, tail = summary.get("whale_peak"), summary.get("whale_peak_customer_share"), summary.get("whale_loss_tail")
    if peak is None or at is None:
        return "The whale curve is not drawn: total profit is not positive, so shares of it mean nothing."
    if tail is None or round(tail, 3) <= 0:
        same = summary.get("inputs_met", {}).get("margins_differ", True) is False
        why = " (every customer carries the same assumed margin)" if same else ""
        return f"Cumulative profit rises to 100% of the total and stays there: no customer gives profit back{why}."
    return (
        f"Cumulative profit peaks at {percent(peak, 0)} of the total with the most profitable {percent(at, 0)} of "
        f"customers; the other {percent(1 - at, 0)} give back {percent(tail, 0)} of total profit."
    )


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
