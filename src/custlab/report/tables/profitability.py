"""Profit waterfall, concentration sentences and the profitability lists."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from custlab.analysis.profit import active_customers
from custlab.report.tables._format import _who, largest_where, money, percent


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


def lean_big_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """The lean big customers, largest revenue first, with the term that eats their margin."""
    flagged = largest_where(customers, customers["lean_big"], "revenue", limit)
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
    flagged = largest_where(customers, customers["bulk_one_off"], "lifetime_gross_sales", limit)
    return pd.DataFrame(
        {
            **_who(flagged),
            "Order month": pd.to_datetime(flagged["first_purchase_month"]).dt.strftime("%Y-%m"),
            "Order value": flagged["lifetime_gross_sales"],
            "Profit in window": flagged["profit"],
        }
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
