"""Charts for the reports: each takes data and ``ax=None`` and returns the Axes."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

COST_COLOR, SUBTOTAL_COLOR, START_COLOR, LOSS_COLOR = "#d1495b", "#30638e", "#00798c", "#edae49"


def use_report_style() -> None:
    """Plot settings for stakeholder reports: PNG at 100 dpi, readable fonts, no chart junk."""
    mpl.rcParams.update(
        {
            "figure.figsize": (9.0, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "font.size": 10,
            "axes.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )


def _money_axis(ax: Axes, currency: str, axis: str = "y") -> None:
    def fmt(value, _):
        for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(value) >= limit:
                return f"{value / limit:,.1f}{suffix}"
        return f"{value:,.0f}"

    formatter = FuncFormatter(fmt)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
    label = f"Amount ({currency})" if currency else "Amount"
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)


def profit_waterfall(waterfall: pd.DataFrame, ax: Axes | None = None, currency: str = "") -> Axes:
    """Bridge from revenue to customer profit: each cost a falling bar, subtotals in full.

    Parameters
    ----------
    waterfall : DataFrame
        From :func:`custlab.profit.profit_waterfall`.
    ax : Axes, optional
        Where to draw; a new figure when None.
    currency : str
        Shown on the axis label.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.8))
    bottoms, heights, colors = [], [], []
    previous = 0.0
    for row in waterfall.itertuples():
        if row.kind == "cost":
            bottoms.append(row.running_total)
            heights.append(-row.amount)
            colors.append(COST_COLOR)
        else:
            bottoms.append(0.0)
            heights.append(row.running_total)
            colors.append(START_COLOR if row.kind == "start" else (SUBTOTAL_COLOR if row.running_total >= 0 else LOSS_COLOR))
        previous = row.running_total
    positions = range(len(waterfall))
    ax.bar(positions, heights, bottom=bottoms, color=colors, width=0.65)
    ax.set_xticks(list(positions))
    ax.set_xticklabels(waterfall["step"], rotation=30, ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    _money_axis(ax, currency)
    ax.set_title(f"From revenue to customer profit (total profit {previous:,.0f} {currency})".strip())
    ax.grid(axis="x", visible=False)
    return ax
