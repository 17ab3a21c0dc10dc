"""Tiers, migration, movers, rising customers, tier history and clusters."""

from __future__ import annotations

import pandas as pd

from custlab.analysis import tiers
from custlab.report import html
from custlab.report.tables._format import sheet_links, customer_list


def style_tier_table(tier_table: pd.DataFrame, currency: str = ""):
    """The tiers with customers, revenue, profit, shares and each tier's policy (policies escaped: they come from config)."""
    labels = {"customers": "Customers", "revenue": "Revenue", "profit": "Profit", "customer_share": "Share of customers",
              "profit_share": "Share of profit", "policy": "Policy"}  # fmt: skip
    shown = tier_table.rename(columns=labels).set_axis([str(t).capitalize() for t in tier_table.index], axis="index")
    kinds = {"Customers": "count", "Revenue": "money", "Profit": "money", "Share of customers": "percent",
             "Share of profit": "percent", "Policy": "text"}  # fmt: skip
    return html.show(html.table(shown, kinds, currency=currency, index="Tier"))


def migration_table(summary: dict) -> pd.DataFrame:
    """The transition matrix from summary.json as a frame (rows: before; columns: now)."""
    matrix = summary.get("migration") or {}
    return pd.DataFrame(matrix).T if matrix else pd.DataFrame()


def style_migration(matrix: pd.DataFrame):
    """Counts with row shares, shaded; a sentence when there is no previous period."""
    if matrix.empty:
        return html.show(html.paragraph("No previous period in the data: no migration to show."))
    totals = matrix.sum(axis=1)
    shares = matrix.div(totals.where(totals > 0), axis=0)
    text = matrix.astype(int).map("{:,}".format) + shares.map(lambda v: "" if v != v else f" ({v:.0%})")
    text.columns = [str(c).capitalize() for c in text.columns]
    text.index = [str(t).capitalize() for t in text.index]
    styles = {c: shares.iloc[:, i].fillna(0).map(_shade).set_axis(text.index) for i, c in enumerate(text.columns)}
    return html.show(html.table(text, index="Tier before \u2192 now", cell_styles=styles, right=tuple(text.columns)))


def _shade(share: float) -> str:
    """A blue background as deep as ``share`` (0..1), with text that stays readable on it."""
    blue = (247 - round(share * 190), 251 - round(share * 150), 255 - round(share * 80))
    return f"background-color: rgb{blue}; color: {'#ffffff' if share > 0.6 else '#000000'}"


def style_movers(movers: pd.DataFrame, currency: str = "", summary: dict | None = None, customers: pd.DataFrame | None = None):
    """The biggest movers up and down with their reasons (``summary`` tells "no move" from "no earlier
    period"), each id linked to its account sheet where ``customers`` says it has one."""
    if movers.empty:
        first = summary is not None and summary.get("previous_period") is None
        return html.show(html.paragraph("No previous period in the data: no movers to show." if first else "No customer changed tier."))
    shown = movers
    if customers is not None and "account_sheet" in customers:
        sheet = dict(zip(customers["customer_id"].astype(str), customers["account_sheet"]))
        shown = movers.assign(account_sheet=movers["customer_id"].astype(str).map(sheet).fillna(False))
    links = {"Customer": sheet_links(shown).set_axis(movers.index)}
    table = movers.rename(
        columns={"customer_id": "Customer", "previous_tier": "Before", "tier": "Now", "direction": "Move",
                 "value_change": "Change in value", "reason": "Why"}
    )
    return html.show(html.table(table, {"Change in value": "money"}, currency=currency, links=links))


def rising_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """Rising small customers (outside the key and important tiers), most revenue added first: the
    watch-list of the ones to nurture."""
    small = tiers.rising_small(customers)
    added = (customers.loc[small, "revenue_recent"] - customers.loc[small, "revenue_prior"].clip(lower=0)).rename("added")
    flagged = customers.loc[added.sort_values(ascending=False, kind="stable").head(limit).index]
    flagged = flagged.assign(growth=flagged["revenue_recent"] / flagged["revenue_prior"].clip(lower=1.0))
    return customer_list(
        flagged,
        {
            "Tier": flagged["tier"],
            "Revenue": flagged["revenue_recent"],
            "Profit": flagged["profit"],
            "Revenue growth": [
                "from nothing" if prior <= 0 else f"x{g:,.1f}" for prior, g in zip(flagged["revenue_prior"], flagged["growth"])
            ],
        },
    )


def tier_history_table(history: pd.DataFrame, value: str = "customers") -> pd.DataFrame:
    """Tiers x periods (oldest first) of ``customers`` or ``profit``."""
    if history.empty:
        return pd.DataFrame()
    table = history.pivot_table(index="tier", columns="period", values=value, aggfunc="sum")
    from custlab.analysis.tiers import TIERS

    return table.reindex([t for t in TIERS if t in table.index])


def style_tier_history(history: pd.DataFrame, value: str = "customers", currency: str = ""):
    """:func:`tier_history_table` for reading: tiers down, periods across (oldest first)."""
    table = tier_history_table(history, value)
    shown = table.set_axis([str(t).capitalize() for t in table.index], axis="index")
    kind = "money" if value == "profit" else "count"
    return html.show(html.table(shown, {c: kind for c in shown.columns}, currency=currency, index="Tier",
                                empty="No tier history: the data have a single period."))


def style_cluster_diagnostics(diagnostics: pd.DataFrame):
    """How the number of segments was chosen: each k tried with its internal indices and stability."""
    labels = {"k": "Segments", "silhouette": "Silhouette", "calinski_harabasz": "Calinski-Harabasz",
              "davies_bouldin": "Davies-Bouldin", "stability": "Bootstrap stability (ARI)", "mean_rank": "Mean rank",
              "chosen": "Chosen"}  # fmt: skip
    shown = diagnostics.rename(columns=labels)
    shown = shown[[c for c in labels.values() if c in shown]]
    kinds = {"Segments": "count", "Silhouette": "number", "Calinski-Harabasz": "count", "Davies-Bouldin": "number",
             "Bootstrap stability (ARI)": "number", "Mean rank": "number"}  # fmt: skip
    return html.show(html.table(shown, kinds, empty="Clusters were not computed."))


#: The cluster profile's median columns: header and kind of figure.
CLUSTER_MEDIANS = {
    "median_recency_months": ("Months since last purchase (median)", "count"),
    "median_frequency": ("Orders to date (median)", "count"),
    "median_order_value": ("Order value (median)", "money"),
    "median_margin": ("Profit margin (median)", "percent"),
    "median_cost_to_serve_share": ("Cost to serve, share of revenue (median)", "percent"),
    "median_credit_share": ("Open receivables, share of revenue (median)", "percent"),
}


def style_cluster_profile(profile: pd.DataFrame, currency: str = ""):
    """The clusters for reading: name, size and shares, medians (money in the currency, shares as
    percentages) and tier mix."""
    if profile.empty:
        return html.show(html.paragraph("No clusters this period."))
    table = profile.set_index("name").drop(columns=["cluster"], errors="ignore")
    labels = {c: c.replace("_", " ").capitalize() for c in table.columns}
    labels.update({c: header for c, (header, _) in CLUSTER_MEDIANS.items()})
    kinds = {labels[c]: "percent" for c in table.columns if c.endswith("_share") and c not in CLUSTER_MEDIANS}
    kinds.update({header: kind for c, (header, kind) in CLUSTER_MEDIANS.items() if c in table})
    kinds[labels.get("customers", "Customers")] = "count"
    shown = table.rename(columns=labels)
    return html.show(html.table(shown, kinds, currency=currency, index="Segment"))
