"""The report's charts as it shows them: each drawn by :mod:`custlab.report.plots`, published as a
sharp PNG (twice the pixels of its size on the page) whose alt text states its finding, computed
from the same numbers the chart draws.

A screen reader, a reader whose images are blocked and a search through the HTML all get what the
chart says ("The most profitable 20% of customers earn 134% of total profit"), not "No description
has been provided for this image". One function per chart: the notebook makes one call each.
"""

from __future__ import annotations

import base64
import io as _io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from custlab.analysis import retention
from custlab.analysis.profit import COST_TERMS
from custlab.report import html, plots
from custlab.report.format import count, money, percent
from custlab.report.tables.profitability import whale_sentence

#: Pixels per inch on the page (matplotlib's figure size is in inches) and the PNG's pixel density.
PAGE_DPI, PIXEL_RATIO = 100, 2


class Chart:
    """A drawn figure, rendered once as PNG at :data:`PIXEL_RATIO` times its page size, with its finding.

    Attributes
    ----------
    alt : str
        The finding, as the image's alt text.
    png : bytes
        The image.
    width : int
        Its width on the page in CSS pixels (it shrinks to fit a narrow screen).
    """

    def __init__(self, figure, alt: str):
        buffer = _io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PAGE_DPI * PIXEL_RATIO, bbox_inches="tight")
        plt.close(figure)  # else the notebook would show it a second time, without alt text
        self.alt, self.png = alt, buffer.getvalue()
        self.width = int(round(_png_width(self.png) / PIXEL_RATIO))

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (f'<figure class="custlab-chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" '
                f'width="{self.width}" style="max-width:100%;height:auto"></figure>')  # fmt: skip


def _png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")  # the IHDR chunk's width


def _figure(ax):
    return (ax[0] if isinstance(ax, (list, tuple, np.ndarray)) else ax).figure


def whale_curve(points: pd.DataFrame, summary: dict) -> Chart:
    """The whale curve of :func:`custlab.analysis.curves.whale_points`; the finding: what the most
    profitable customers earn and where the curve peaks."""
    share = summary.get("top_share", 0.2)
    ax = plots.whale_curve(points, top_share=share)
    alt = (f"Whale curve. The most profitable {share:.0%} of customers earn {percent(summary.get('top20_profit_share'), 0)} "
           f"of total profit. {whale_sentence(summary)}")  # fmt: skip
    return Chart(_figure(ax), alt)


def waterfall_finding(waterfall: pd.DataFrame, currency: str) -> str:
    """What is left of revenue as profit, and the largest cost after the cost of goods."""
    revenue = float(waterfall["running_total"].iloc[0])
    profit = float(waterfall["running_total"].iloc[-1])
    costs = waterfall[(waterfall["kind"] == "cost") & (waterfall["term"] != "cogs")] if "term" in waterfall else waterfall.iloc[0:0]
    text = f"Profit bridge. Of revenue of {money(revenue, currency)}, {money(profit, currency)} is left as customer profit"
    text += f" ({percent(profit / revenue)})." if revenue > 0 else "."
    if not costs.empty and costs["amount"].abs().max() > 0:
        largest = costs.loc[costs["amount"].abs().idxmax()]
        label = COST_TERMS.get(str(largest["term"]), str(largest["term"]))
        text += f" After the cost of goods, the largest cost is {label.lower()}: {money(abs(largest['amount']), currency)}"
        text += f" ({percent(abs(largest['amount']) / revenue)} of revenue)." if revenue > 0 else "."
    return text


def profit_waterfall(waterfall: pd.DataFrame, currency: str, assumed_gross_margin: float | None = None) -> Chart:
    """The bridge from revenue to customer profit."""
    ax = plots.profit_waterfall(waterfall, currency=currency, assumed_gross_margin=assumed_gross_margin)
    return Chart(_figure(ax), waterfall_finding(waterfall, currency))


def revenue_profit_scatter(points: pd.DataFrame, currency: str, summary: dict) -> Chart:
    """Revenue against profit of :func:`custlab.report.plots.revenue_profit_points`; the finding
    (from ``summary``): how many big customers are lean and how many bulk buyers."""
    ax = plots.revenue_profit_scatter(points, currency=currency)
    lean, bulk = summary.get("lean_big_count") or 0, summary.get("bulk_one_off_count") or 0
    alt = (f"Revenue against profit per customer. {count(lean)} customers rank among the largest by revenue but keep "
           f"little or no profit (lean big customers); {count(bulk)} are one-off bulk buyers.")  # fmt: skip
    return Chart(_figure(ax), alt)


def tier_pyramids(table: pd.DataFrame) -> Chart:
    """The two pyramids of a tier summary (:func:`custlab.analysis.migration.tier_summary`); the finding:
    the key tier's share of customers against its share of profit."""
    axes = plots.tier_pyramids(table)
    parts = [f"{tier} customers are {percent(row['customer_share'], 0)} of customers and earn {percent(row['profit_share'], 0)} of profit"
             for tier, row in table.iterrows() if tier in ("key", "invalid")]  # fmt: skip
    alt = "Customer and profit pyramids. " + ("; ".join(parts).capitalize() + "." if parts else "No tier has customers.")
    return Chart(_figure(axes), alt)


def cohort_finding(matrix: pd.DataFrame) -> str:
    """The mean share of a cohort buying again one month and, where cohorts are old enough, twelve months on."""
    if matrix.empty or matrix.shape[1] < 2:
        return "Cohort chart. Too few months for any cohort to buy again."
    parts = []
    for months in (1, 12):
        if months in matrix.columns and matrix[months].notna().any():
            parts.append(f"{percent(matrix[months].mean(), 0)} in month {months}")
    return "Cohort chart. On average a cohort's customers buy again: " + " and ".join(parts) + " after their first purchase."


def cohort_heatmap(cohorts: pd.DataFrame) -> Chart:
    """The cohort heat map of the cohort table (:func:`custlab.analysis.retention.cohort_matrix`)."""
    matrix = retention.cohort_matrix(cohorts)
    ax = plots.cohort_heatmap(matrix)
    return Chart(_figure(ax), cohort_finding(matrix))


def survival_finding(curves: dict[str, pd.DataFrame], months: int = 12) -> str:
    """The share of each group still buying ``months`` after its first purchase (the last point before)."""
    parts = []
    for name, table in curves.items():
        before = table[table["time"] <= months]
        if not before.empty:
            parts.append(f"{percent(before['survival'].iloc[-1], 0)} of {name} customers")
    if not parts:
        return "Survival curves. No customer has been followed long enough to draw them."
    return f"Survival curves. {months} months after their first purchase, " + " and ".join(parts) + " are still buying."


def survival_curves(curves: dict[str, pd.DataFrame]) -> Chart:
    """How long customers stay, per kind of customer (:func:`custlab.analysis.retention.lapse_survival`)."""
    ax = plots.survival_curves(curves)
    return Chart(_figure(ax), survival_finding(curves))


def holdout_finding(summary: dict) -> str:
    """The chosen model's total against what happened in the holdout."""
    check = summary.get("holdout") or {}
    if not check:
        return "Holdout chart. The purchase models were not compared this period."
    actual, predicted = check["actual_total"], check["predicted_total"]
    off = (predicted - actual) / actual if actual else None
    direction = "too high" if off and off > 0 else "too low" if off and off < 0 else "on the mark"
    size = "" if off is None or direction == "on the mark" else f"{percent(abs(off))} "
    model = (summary.get("purchase_model") or {}).get("model") or check["model"]
    return (f"Holdout chart. The {model} model predicted {count(predicted)} purchases in the {check['weeks']} holdout "
            f"weeks against {count(actual)} that happened: {size}{direction}.")  # fmt: skip


def holdout_chart(holdout: pd.DataFrame, summary: dict) -> Chart:
    """The purchase model's predictions against what customers then did."""
    ax = plots.holdout_chart(holdout, weeks=(summary.get("holdout") or {}).get("weeks", 26))
    return Chart(_figure(ax), holdout_finding(summary))


def cost_to_serve_vs_margin(points: pd.DataFrame, counts: dict) -> Chart:
    """Key accounts' cost-to-serve growth against their margin change (the points of
    :func:`custlab.report.plots.cost_to_serve_points`); the finding: how many are flagged, from
    ``counts`` (``accounts``, ``cost_to_serve_rising``, ``price_pressure``: over every account)."""
    ax = plots.cost_to_serve_vs_margin(points, counts["accounts"])
    accounts, rising, pressure = counts["accounts"], counts["cost_to_serve_rising"], counts["price_pressure"]
    alt = (f"Cost to serve against margin for {count(accounts)} key and important accounts: {count(rising)} with a cost "
           f"to serve rising faster than revenue, {count(pressure)} under price pressure.")  # fmt: skip
    return Chart(_figure(ax), alt)


