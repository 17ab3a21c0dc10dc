"""Tiers, migration, movers, rising customers, tier history and clusters."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from custlab.report.tables._format import _who, largest_where, money, percent


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
    flagged = largest_where(customers, customers["rising"] == True, "revenue_recent", limit)  # noqa: E712 - may hold NA
    flagged = flagged.assign(growth=flagged["revenue_recent"] / flagged["revenue_prior"].clip(lower=1.0))
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
    from custlab.analysis.tiers import TIERS

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
