"""Charts for the reports: each takes data and ``ax=None`` and returns the Axes."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from custlab.analysis.profit import active_customers, waterfall_labels

#: Okabe and Ito's colour-blind-safe palette: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
COST_COLOR, SUBTOTAL_COLOR, START_COLOR, LOSS_COLOR = "#D55E00", "#0072B2", "#009E73", "#E69F00"


def use_report_style() -> None:
    """Plot settings for stakeholder reports: 100 dpi on the page, readable fonts, no chart junk, and
    colours a colour-blind reader can tell apart (:data:`OKABE_ITO`)."""
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
            "axes.prop_cycle": mpl.cycler(color=[OKABE_ITO[i] for i in (5, 1, 3, 6, 7, 2, 0)]),
            # Labels come from data (customer ids, tier and region names): a "$" in one must
            # print as a dollar, not start a formula that fails to parse and stops the report.
            "text.parse_math": False,
        }
    )


def _short_number(value, _=None) -> str:
    """``1234567`` -> ``1.2m``: tick labels in plain text (with formulas switched off, matplotlib's
    log-axis labels would print as ``$\\mathdefault{10^{3}}$``)."""
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def _money_axis(ax: Axes, currency: str, axis: str = "y") -> None:
    formatter = FuncFormatter(_short_number)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)
    label = f"Amount ({currency})" if currency else "Amount"
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)


def nothing_to_show(ax: Axes, message: str) -> Axes:
    """An empty chart that says why it is empty (a missing analysis is never drawn as zeros)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10, color="#52606d", transform=ax.transAxes)
    return ax


def profit_waterfall(waterfall: pd.DataFrame, ax: Axes | None = None, currency: str = "",
                     assumed_gross_margin: float | None = None) -> Axes:  # fmt: skip
    """Bridge from revenue to customer profit: each cost a falling bar, subtotals in full.

    Parameters
    ----------
    waterfall : DataFrame
        From :func:`custlab.analysis.profit.profit_waterfall`.
    ax : Axes, optional
        Where to draw; a new figure when None.
    currency : str
        Shown on the axis label.
    assumed_gross_margin : float, optional
        Named under an assumed cost of goods (hatched); a term not in the data
        has no bar and says so under the axis.
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
    source = waterfall["source"] if "source" in waterfall else pd.Series("from data", index=waterfall.index)
    bars = ax.bar(positions, heights, bottom=bottoms, color=colors, width=0.65)
    for bar, how in zip(bars, source):
        if how == "assumed":
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    ax.set_xticks(list(positions))
    ax.set_xticklabels(waterfall_labels(waterfall, assumed_gross_margin), rotation=30, ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    _money_axis(ax, currency)
    ax.set_title(f"From revenue to customer profit (total profit {previous:,.0f} {currency})".strip())
    ax.grid(axis="x", visible=False)
    return ax


def whale_curve(points: pd.DataFrame, ax: Axes | None = None, top_share: float = 0.2) -> Axes:
    """The whale curve (cumulative profit) with the revenue Pareto curve over it.

    ``points`` are the two curves from :func:`custlab.analysis.curves.whale_points`:
    customers ranked by profit for the whale curve and by revenue for the Pareto
    curve, both shares of their totals. The peak of the whale curve and the 100%
    line are marked, and the top ``top_share`` band is shaded.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    whale, pareto = (points[points["curve"] == curve] for curve in ("profit", "revenue"))
    ax.axvspan(0, top_share, color="#2e933c", alpha=0.08, label=f"Top {top_share:.0%} of customers")
    ax.plot(whale["customer_share"] * 100, whale["cumulative_share"] * 100, color=SUBTOTAL_COLOR, linewidth=2.2,
            label="Cumulative profit (customers ranked by profit)")
    ax.plot(pareto["customer_share"] * 100, pareto["cumulative_share"] * 100, color="#888888", linestyle="--",
            label="Cumulative revenue (customers ranked by revenue)")
    ax.axhline(100, color="black", linewidth=0.8)
    if whale["cumulative_share"].notna().any():  # the thinned curve keeps the peak (see thin_curve)
        at = int(np.nanargmax(whale["cumulative_share"].to_numpy()))
        peak, peak_share = float(whale["cumulative_share"].iloc[at]), float(whale["customer_share"].iloc[at])
        ax.scatter([peak_share * 100], [peak * 100], color=COST_COLOR, zorder=3)
        ax.annotate(
            f"Peak {peak:.0%} of total profit\nfrom {peak_share:.0%} of customers",
            (peak_share * 100, peak * 100),
            textcoords="offset points", xytext=(-12, -30), ha="right",
        )
        ax.set_ylim(top=max(peak * 100 * 1.12, 110))
    ax.set_xlabel("Share of customers (%)")
    ax.set_ylabel("Cumulative share of total (%)")
    ax.set_xlim(0, 100)
    ax.set_title("Whale curve: who makes the profit, and who gives it back")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def revenue_profit_points(customers: pd.DataFrame, max_points: int = 20_000) -> pd.DataFrame:
    """The customers :func:`revenue_profit_scatter` draws: every active lean big customer and
    one-off bulk buyer, and at most ``max_points`` others (a fixed sample, so the picture and
    the file stay small); only the columns drawn."""
    # only the columns drawn: filtering the rows of the whole file would copy it
    active = active_customers(customers, ["customer_id", "revenue", "profit", "lean_big", "bulk_one_off"])
    flagged = pd.Series(False, index=active.index)
    for column in ("lean_big", "bulk_one_off"):
        if column in active:
            flagged |= active[column].fillna(False).astype(bool)
    others = active[~flagged]
    if len(others) <= max_points:
        return active
    return active.loc[active.index[flagged].union(others.sample(max_points, random_state=0).index, sort=False)]


def revenue_profit_scatter(
    customers: pd.DataFrame, ax: Axes | None = None, currency: str = "", max_points: int = 20_000, labels: int = 5
) -> Axes:
    """Revenue against profit per customer; lean big customers and bulk buyers highlighted.

    Axes are symmetric-log so the few whales and the many small customers both
    show. The customers drawn are :func:`revenue_profit_points` (given those, the
    same picture); the ``labels`` largest lean big customers are labelled with their id.
    """
    active = revenue_profit_points(customers, max_points)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    lean = active[active.get("lean_big", False) == True]  # noqa: E712 - column may be absent
    bulk = active[active.get("bulk_one_off", False) == True]  # noqa: E712
    others = active.drop(index=lean.index.union(bulk.index))
    ax.scatter(others["revenue"], others["profit"], s=6, color="#9aa5b1", alpha=0.5, label="Customers", rasterized=True)
    for group, size, color, label in ((bulk, 16, LOSS_COLOR, "One-off bulk buyers"), (lean, 22, COST_COLOR, "Lean big customers")):
        if len(group):  # a legend entry only for what is drawn
            ax.scatter(group["revenue"], group["profit"], s=size, color=color, label=label)
    # the largest lean customers named in a column of their own, near the middle of the right edge
    # where no customer falls (revenue high, profit near 0), each joined to its dot by a line
    for i, row in enumerate(lean.nlargest(labels, "revenue").itertuples()):
        ax.annotate(str(row.customer_id), (row.revenue, row.profit), xytext=(0.99, 0.56 - 0.055 * i), textcoords="axes fraction",
                    fontsize=7, ha="right", va="center", arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.5})
    ax.set_xscale("symlog", linthresh=100)
    ax.set_yscale("symlog", linthresh=100)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(_short_number))
    ax.axhline(0, color="black", linewidth=0.8)
    unit = f" ({currency})" if currency else ""
    ax.set_xlabel(f"Revenue in the window{unit}, log scale")
    ax.set_ylabel(f"Customer profit{unit}, log scale")
    ax.set_title("Revenue is not profit: big customers that earn little")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def cohort_heatmap(matrix: pd.DataFrame, ax: Axes | None = None, max_cohorts: int = 24) -> Axes:
    """Share of each acquisition cohort still buying, by months since acquisition.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`custlab.analysis.retention.cohort_matrix` (shares).
    max_cohorts : int
        The most recent cohorts shown (older ones are left out of the picture).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6))
    shown = matrix.tail(max_cohorts)
    # Month 0 is 100% by definition; start the colour scale at month 1.
    image = ax.imshow(shown.iloc[:, 1:].to_numpy(dtype=float) * 100, aspect="auto", cmap="viridis", vmin=0)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(shown.index, fontsize=7)
    columns = list(shown.columns[1:])
    step = max(1, len(columns) // 12)
    ax.set_xticks(range(0, len(columns), step))
    ax.set_xticklabels([columns[i] for i in range(0, len(columns), step)])
    ax.set_xlabel("Months since first purchase")
    ax.set_ylabel("Cohort (month of first purchase)")
    ax.set_title("Share of each cohort buying again, month by month")
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label="% of cohort buying that month")
    return ax


def survival_curves(curves: dict[str, pd.DataFrame], ax: Axes | None = None, unit: str = "months") -> Axes:
    """Step survival curves, one per group (from :func:`custlab.analysis.retention.lapse_survival`)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    for name, table in curves.items():
        ax.step(table["time"], table["survival"] * 100, where="post", label=f"{name} ({int(table['at_risk'].iloc[0]):,})")
    ax.set_ylim(0, 102)
    ax.set_xlabel(f"{unit.capitalize()} since first purchase")
    ax.set_ylabel("Still a customer (%)")
    ax.set_title("How long customers stay")
    ax.legend(fontsize=8)
    return ax


def holdout_chart(holdout: pd.DataFrame, ax: Axes | None = None, weeks: int = 26) -> Axes:
    """Purchases the model predicted for the holdout against what happened, by past purchases."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    if holdout.empty:
        return nothing_to_show(ax, "No out-of-sample check this period: the purchase models were not compared.")
    positions = np.arange(len(holdout))
    ax.bar(positions - 0.2, holdout["actual"], width=0.4, color=SUBTOTAL_COLOR, label="Actual")
    ax.bar(positions + 0.2, holdout["predicted"], width=0.4, color="#E69F00", label="Predicted by the model")
    ax.set_xticks(positions)
    ax.set_xticklabels(holdout["calibration_purchases"].astype(str))
    ax.set_xlabel("Repeat purchases before the holdout")
    ax.set_ylabel(f"Mean purchases in the {weeks} holdout weeks")
    ax.set_title("Does the purchase model predict what customers then did?")
    ax.legend(fontsize=8)
    return ax


TIER_COLORS = {"key": "#0072B2", "important": "#56B4E9", "general": "#999999", "maintenance": "#E69F00", "invalid": "#D55E00"}


def tier_pyramids(tier_table: pd.DataFrame, axes=None):
    """The two pyramids side by side: customers per tier, and profit per tier.

    With few key customers at the top and many small ones below, the count is a
    pyramid; their profit is the inverted pyramid. Bars are shares of the total
    (profit shares can be negative for the invalid tier).

    Returns
    -------
    ndarray of Axes
        The two axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    tiers = list(tier_table.index)[::-1]  # key on top
    colors = [TIER_COLORS.get(t, "#888888") for t in tiers]
    counts = tier_table.loc[tiers, "customer_share"] * 100
    profits = tier_table.loc[tiers, "profit_share"] * 100
    axes[0].barh(tiers, counts, color=colors)
    axes[0].set_title("Share of customers (%)")
    axes[0].invert_xaxis()
    axes[1].barh(tiers, profits, color=colors)
    axes[1].axvline(0, color="black", linewidth=0.8)
    axes[1].set_title("Share of profit (%)")
    for ax, values, inverted in ((axes[0], counts, True), (axes[1], profits, False)):
        for y, v in enumerate(values):
            # outside the bar's end: on the left of the inverted count axis, past the end on the profit axis
            outward = -1 if inverted or v < 0 else 1
            ax.annotate(f"{v:.0f}%", (v, y), xytext=(3 * outward, 0), textcoords="offset points",
                        ha="left" if outward > 0 else "right", va="center", fontsize=8)
        ax.margins(x=0.15)  # room for the labels past the longest bar
        ax.grid(axis="y", visible=False)
    axes[0].figure.suptitle("Few customers make most of the profit: the count pyramid and the profit pyramid")
    return axes



def cost_to_serve_points(customers: pd.DataFrame, tiers=("key", "important"), max_points: int = 20_000) -> tuple[pd.DataFrame, int]:
    """The accounts :func:`cost_to_serve_vs_margin` draws (only the columns drawn), and how many
    accounts of ``tiers`` there are: past ``max_points`` a fixed sample of that many is drawn,
    as a million points draw as one blot, slowly."""
    drawn = ["tier", "margin_change", "cost_to_serve_growth", "cost_to_serve_rising", "price_pressure"]
    shown = customers[drawn][customers["tier"].isin(tiers)]  # the columns drawn first: rows filtered in 5, not 80
    accounts = len(shown)
    return (shown.sample(max_points, random_state=0) if accounts > max_points else shown), accounts


def cost_to_serve_vs_margin(points: pd.DataFrame, accounts: int | None = None, ax: Axes | None = None, tiers=("key", "important")) -> Axes:
    """Key accounts: growth of cost to serve against the change in margin since the window before.

    Customers up and to the left (costs rising, margin falling) are the ones to talk to.
    ``points`` and ``accounts`` are :func:`cost_to_serve_points`' (``accounts`` defaults to
    the points drawn); when fewer accounts are drawn than there are, the chart says so.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    shown = points[points["tier"].isin(tiers)]
    accounts = len(shown) if accounts is None else accounts
    if accounts > len(shown):
        ax.annotate(f"{len(shown):,} of {accounts:,} accounts drawn (a fixed sample)", (0.99, 0.02),
                    xycoords="axes fraction", ha="right", fontsize=7, color="#555555")
    for tier in tiers:
        part = shown[shown["tier"] == tier]
        if part.empty:
            continue
        ax.scatter(part["margin_change"] * 100, part["cost_to_serve_growth"].clip(-1, 5) * 100, s=10,
                   color=TIER_COLORS.get(tier), label=tier, alpha=0.7)
    flagged = shown[shown["cost_to_serve_rising"].fillna(False).astype(bool) | shown["price_pressure"].fillna(False).astype(bool)]
    if len(flagged):  # a legend entry only for what is drawn
        ax.scatter(flagged["margin_change"] * 100, flagged["cost_to_serve_growth"].clip(-1, 5) * 100, s=40,
                   facecolors="none", edgecolors=COST_COLOR, label="flagged")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("Change in pocket margin (points of revenue)")
    ax.set_ylabel("Growth of cost to serve (%, capped at 500)")
    ax.set_title("Key accounts: is serving them getting dearer while margins fall?")
    ax.legend(fontsize=8)
    return ax
