"""The whale curve, the revenue Pareto curve and the top-share figures.

The whale curve ranks customers by profit and plots cumulative profit as a share
of total profit. Because some customers lose money it rises above 100% — its
peak says how much profit the profitable customers make before the loss-makers
give part of it back (the "loss tail"). A revenue Pareto curve cannot go above
100% and hides the loss-makers; the report shows both. Pure functions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from custlab.analysis.profit import active_customers


def cumulative_share_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Customers ranked by ``values`` (largest first), with cumulative shares.

    Returns
    -------
    DataFrame
        ``customer_share`` (rank ÷ n, from 1/n to 1) and ``cumulative_share``
        (running total ÷ grand total; NaN when the total is not positive).
    """
    ordered = np.sort(np.asarray(values, dtype=float))[::-1]
    n = len(ordered)
    total = ordered.sum()
    running = np.cumsum(ordered)
    share = running / total if total > 0 else np.full(n, np.nan)
    return pd.DataFrame({"customer_share": np.arange(1, n + 1) / max(n, 1), "cumulative_share": share})


def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Share of the total that the top ``share`` of customers bring.

    The top group is the ``ceil(share x n)`` customers with the largest values.
    NaN when there are no customers or the total is not positive.
    """
    ordered = np.sort(np.asarray(values, dtype=float))[::-1]
    total = ordered.sum()
    if len(ordered) == 0 or total <= 0:
        return float("nan")
    top = max(1, math.ceil(share * len(ordered) - 1e-9))
    return float(ordered[:top].sum() / total)


@dataclass(frozen=True)
class WhaleStats:
    """Read-outs of a whale curve.

    Attributes
    ----------
    peak : float
        Highest cumulative profit as a share of total profit (1.5 = 150%).
    peak_customer_share : float
        Share of customers (ranked by profit) at the peak: those who make money.
    loss_tail : float
        ``peak - 1``: the share of total profit that loss-making customers give back.
    loss_making_share : float
        Share of customers whose profit is below zero.
    """

    peak: float
    peak_customer_share: float
    loss_tail: float
    loss_making_share: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict, for summary.json."""
        return asdict(self)


def whale_stats(profit: pd.Series | np.ndarray) -> WhaleStats:
    """Peak, customer share at the peak, loss tail and loss-making share of a profit vector."""
    profit = np.asarray(profit, dtype=float)
    n = len(profit)
    if n == 0:
        return WhaleStats(float("nan"), float("nan"), float("nan"), float("nan"))
    curve = cumulative_share_curve(profit)
    losing = float((profit < 0).mean())
    if curve["cumulative_share"].isna().all():
        return WhaleStats(float("nan"), float("nan"), float("nan"), losing)
    peak_at = int(np.nanargmax(curve["cumulative_share"].to_numpy()))
    peak = float(curve["cumulative_share"].iloc[peak_at])
    return WhaleStats(peak, float(curve["customer_share"].iloc[peak_at]), peak - 1.0, losing)


def thin_curve(curve: pd.DataFrame, points: int = 2000) -> pd.DataFrame:
    """At most ``points`` rows of a curve, evenly spaced, first, last and peak kept (for plotting)."""
    if len(curve) <= points:
        return curve
    keep = set(np.linspace(0, len(curve) - 1, points).astype(int))
    keep.add(int(np.nanargmax(curve["cumulative_share"].to_numpy())) if curve["cumulative_share"].notna().any() else 0)
    return curve.iloc[sorted(keep)]


def profitability_kpis(customers: pd.DataFrame, share: float = 0.2) -> dict[str, float]:
    """The 80/20 and whale-curve figures of the active customers, for summary.json.

    Returns
    -------
    dict
        ``top20_revenue_share``, ``top20_profit_share`` (named for the default
        ``share`` of 0.2; the top group is ``share`` of active customers ranked by
        revenue, resp. profit), ``whale_peak``, ``whale_peak_customer_share``,
        ``whale_loss_tail``.
    """
    active = active_customers(customers, ["revenue", "profit"])
    stats = whale_stats(active["profit"])
    return {
        "top20_revenue_share": top_share(active["revenue"], share),
        "top20_profit_share": top_share(active["profit"], share),
        "whale_peak": stats.peak,
        "whale_peak_customer_share": stats.peak_customer_share,
        "whale_loss_tail": stats.loss_tail,
    }


def whale_points(customers: pd.DataFrame, points: int = 2000) -> pd.DataFrame:
    """The whale curve and the revenue Pareto curve of the active customers, thinned for drawing.

    Returns
    -------
    DataFrame
        ``curve`` ("profit": customers ranked by profit; "revenue": by revenue),
        ``customer_share`` and ``cumulative_share`` (see :func:`cumulative_share_curve`),
        at most ``points`` rows per curve, the whale curve's peak kept (:func:`thin_curve`).
    """
    active = active_customers(customers, ["profit", "revenue"])
    curves = [thin_curve(cumulative_share_curve(active[curve]), points).assign(curve=curve) for curve in ("profit", "revenue")]
    return pd.concat(curves, ignore_index=True)[["curve", "customer_share", "cumulative_share"]]
