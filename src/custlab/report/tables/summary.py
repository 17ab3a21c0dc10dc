"""Headline tiles, consumers versus business customers, and data quality."""

from __future__ import annotations

import pandas as pd

from custlab.report import html
from custlab.report.format import count, money, percent
from custlab.report.tables._format import assumed_notes, missing
from custlab.report.tables.risk import tiles_html


def kpi_tiles(summary: dict) -> list[tuple[str, str, str]]:
    """The headline tiles as (label, formatted value, note) triples, in reading order.

    A figure that rests on an assumption says so in its note ("assumed: cost of
    goods 75% of revenue"); a log of purchase dates without amounts gets tiles
    without money.
    """
    currency = summary.get("currency", "")
    met = summary.get("inputs_met") or {}
    quarantined = ("Rows quarantined", count(summary.get("rows_quarantined", 0)), "")
    if not met.get("revenue", True):
        return [
            ("Active customers", count(summary.get("customers")), ""),
            ("Purchases in the window", count(summary.get("orders")), ""),
            ("Bought again (retention)", percent(summary.get("retention_rate")), ""),
            quarantined,
        ]
    assumed, same = assumed_notes(summary)
    tiles = [
        ("Active customers", count(summary.get("customers")), ""),
        ("Revenue", money(summary.get("revenue"), currency), ""),
        ("Customer profit", money(summary.get("profit"), currency), assumed),
        ("Profit margin", percent(summary.get("profit_margin")), assumed),
        ("Loss-making customers", f"{percent(summary.get('loss_making_share'))} ({count(summary.get('loss_making_customers'))})", same),
        quarantined,
    ]
    if "top20_profit_share" in summary:
        top = f"Top {summary.get('top_share', 0.2):.0%} of customers: share of profit"
        tiles[4:4] = [
            (top, percent(summary.get("top20_profit_share"), 0), assumed),
            ("Whale curve peak (share of total profit)", percent(summary.get("whale_peak"), 0), same),
        ]
    return tiles


def kpi_tiles_html(summary: dict):
    """The headline tiles as an HTML block for the notebook (with the missing-revenue line for a purchase log)."""
    window = f"{summary['window_start']} to {summary['window_end']}"
    what = "Purchases" if not (summary.get("inputs_met") or {}).get("revenue", True) else "Profit"
    caption = html.paragraph(f"{what} over the {summary['window_months']} months {window}.")
    line = missing(summary, "revenue")
    extra = html.paragraph(line, "custlab-missing") if line else ""
    return html.show(tiles_html(kpi_tiles(summary)) + caption + extra)


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
        for kind, figures in (summary.get("by_kind") or {}).items()
    }
    return pd.DataFrame(rows)


def style_by_kind(table: pd.DataFrame, currency: str = ""):
    """Format :func:`by_kind_table` for reading: figures down, kinds of customer across."""
    formats = {"Active customers": "count", "Revenue": "money", "Customer profit": "money", "Profit margin": "percent",
               "Loss-making share": "percent"}  # fmt: skip
    shown = table.T  # one row per kind, so each column has one kind of figure
    return html.show(html.table(shown, formats, currency=currency, index="Customers"))


def quality_frame(quality: pd.DataFrame) -> pd.DataFrame:
    """Rows read / accepted / quarantined per table, with the file's name."""
    return pd.DataFrame(
        {
            "Table": quality["table"],
            "File": quality["file"],
            "Rows read": quality["rows_read"],
            "Accepted": quality["accepted"],
            "Quarantined": quality["quarantined"],
            "Quarantined share": quality["quarantined"] / quality["rows_read"].where(quality["rows_read"] > 0),
        }
    )


def style_quality(quality: pd.DataFrame):
    """Format :func:`quality_frame` for reading."""
    kinds = {"Rows read": "count", "Accepted": "count", "Quarantined": "count", "Quarantined share": "percent"}
    return html.show(html.table(quality_frame(quality), kinds))


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows counted by table, column and problem, with the first row and its value.

    A reason never quotes the value (that is the ``value`` column), so rows
    with the same problem share one reason.
    """
    columns = ["Table", "Column", "Problem", "Rows", "First row", "Example value"]
    if quarantine.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        quarantine.assign(problem=quarantine["reason"].astype(str))
        .sort_values("row", kind="stable")
        .groupby(["table", "column", "problem"], sort=True)
        .agg(rows=("row", "size"), first_row=("row", "min"), example=("value", "first"))
        .reset_index()
        .sort_values("rows", ascending=False, kind="stable")
    )
    grouped.columns = columns
    return grouped.reset_index(drop=True)


def quarantine_html(quarantine: pd.DataFrame):
    """:func:`quarantine_summary` for the report, or one sentence when nothing was quarantined."""
    summary = quarantine_summary(quarantine)
    kinds = {"Rows": "count", "First row": "count", "Example value": "text"}
    return html.show(html.table(summary, kinds, empty="No row was quarantined: every row read was accepted."))
