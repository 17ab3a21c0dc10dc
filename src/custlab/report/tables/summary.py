"""Headline tiles, consumers versus business customers, and data quality."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from custlab.report.tables._format import money, percent


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
