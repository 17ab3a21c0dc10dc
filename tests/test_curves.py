"""Whale curve and 80/20 figures on five customers computed by hand.

Profit 50, 30, 20, -10, -40 (total 50): ranked, the running totals are
50, 80, 100, 90, 50, i.e. 100%, 160%, 200%, 180%, 100% of total profit.
The peak is 200% after 3 of 5 customers (60%); the loss tail is 100%.
"""

import math

import numpy as np
import pandas as pd
import pytest

from custlab.analysis.curves import cumulative_share_curve, profitability_kpis, thin_curve, top_share, whale_stats

PROFIT = pd.Series([-10.0, 50.0, -40.0, 20.0, 30.0])  # deliberately unsorted
REVENUE = pd.Series([200.0, 500.0, 100.0, 100.0, 100.0])


def test_whale_curve_by_hand():
    curve = cumulative_share_curve(PROFIT)
    assert curve["customer_share"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert curve["cumulative_share"].tolist() == pytest.approx([1.0, 1.6, 2.0, 1.8, 1.0])
    stats = whale_stats(PROFIT)
    assert stats.peak == pytest.approx(2.0)
    assert stats.peak_customer_share == pytest.approx(0.6)
    assert stats.loss_tail == pytest.approx(1.0)
    assert stats.loss_making_share == pytest.approx(0.4)


def test_top_twenty_percent_shares_by_hand():
    assert top_share(REVENUE, 0.2) == pytest.approx(500 / 1000)  # 1 of 5 customers
    assert top_share(PROFIT, 0.2) == pytest.approx(50 / 50)
    assert top_share(PROFIT, 0.4) == pytest.approx(80 / 50)
    assert top_share(pd.Series(range(1, 8), dtype=float), 0.2) == pytest.approx((7 + 6) / 28)  # ceil(1.4) = 2
    assert math.isnan(top_share(pd.Series([-1.0, -2.0])))
    assert math.isnan(top_share(pd.Series([], dtype=float)))


def test_profitability_kpis_use_active_customers_only():
    customers = pd.DataFrame(
        {"profit": [*PROFIT, 0.0], "revenue": [*REVENUE, 0.0], "in_window": [True] * 5 + [False]}
    )
    kpis = profitability_kpis(customers, 0.2)
    assert kpis == pytest.approx(
        {"top20_revenue_share": 0.5, "top20_profit_share": 1.0, "whale_peak": 2.0, "whale_peak_customer_share": 0.6,
         "whale_loss_tail": 1.0}
    )


def test_no_profit_means_no_curve():
    stats = whale_stats(pd.Series([-5.0, -1.0]))
    assert math.isnan(stats.peak) and stats.loss_making_share == 1.0
    assert math.isnan(whale_stats(pd.Series([], dtype=float)).peak)


def test_thin_curve_keeps_ends_and_peak():
    values = np.r_[np.full(5000, 10.0), np.full(5000, -3.0)]
    curve = cumulative_share_curve(values)
    thin = thin_curve(curve, points=100)
    assert len(thin) <= 101
    assert thin["cumulative_share"].max() == curve["cumulative_share"].max()
    assert thin.index[0] == 0 and thin.index[-1] == len(curve) - 1


def test_revenue_profit_scatter_draws_every_flagged_customer_and_a_sample_of_the_rest():
    from custlab.report import plots

    n = 500
    frame = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)], "revenue": np.linspace(1.0, 1000.0, n), "profit": np.linspace(-50.0, 200.0, n),
        "lean_big": False, "bulk_one_off": False, "in_window": True, "name": "a column the chart does not read",
    })  # fmt: skip
    frame.loc[:2, "lean_big"] = True
    frame.loc[3:4, "bulk_one_off"] = True
    frame.loc[5:9, "in_window"] = False  # not active in the window: not drawn
    ax = plots.revenue_profit_scatter(frame, max_points=100, labels=2)
    assert [len(points.get_offsets()) for points in ax.collections] == [100, 2, 3]  # others (sampled), bulk, lean
    assert sorted(text.get_text() for text in ax.texts) == ["c1", "c2"]  # the two largest lean big customers
    ax = plots.revenue_profit_scatter(frame, max_points=1000)
    assert [len(points.get_offsets()) for points in ax.collections] == [n - 10, 2, 3]
    # the points the report's extract keeps draw the same picture as the whole frame
    kept = plots.revenue_profit_points(frame, max_points=100)
    assert len(kept) == 105 and "name" not in kept
    drawn = [points.get_offsets().tolist() for points in plots.revenue_profit_scatter(frame, max_points=100).collections]
    assert [points.get_offsets().tolist() for points in plots.revenue_profit_scatter(kept, max_points=100).collections] == drawn
    # with formulas off (the report style), log-axis tick labels must still read as numbers
    plots.use_report_style()
    ax = plots.revenue_profit_scatter(frame)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert labels and not any("$" in label or "mathdefault" in label for label in labels), labels


def test_cost_to_serve_chart_draws_every_account_or_a_fixed_sample_and_says_so():
    from custlab.report import plots

    n = 600
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "tier": np.where(np.arange(n) % 3 == 0, "key", np.where(np.arange(n) % 3 == 1, "important", "general")),
        "margin_change": rng.normal(0, 0.05, n), "cost_to_serve_growth": rng.normal(0, 0.5, n),
        "cost_to_serve_rising": np.arange(n) % 5 == 0, "price_pressure": False, "name": "not read",
    })  # fmt: skip
    accounts = frame[frame["tier"] != "general"]
    ax = plots.cost_to_serve_vs_margin(*plots.cost_to_serve_points(frame))
    key, important, flagged = (len(points.get_offsets()) for points in ax.collections)
    assert (key, important) == ((accounts["tier"] == "key").sum(), (accounts["tier"] == "important").sum())
    assert flagged == accounts["cost_to_serve_rising"].sum() and len(ax.texts) == 0
    points, total = plots.cost_to_serve_points(frame, max_points=100)
    assert (len(points), total) == (100, 400) and "name" not in points
    ax = plots.cost_to_serve_vs_margin(points, total)
    drawn = [len(points.get_offsets()) for points in ax.collections]
    assert drawn[0] + drawn[1] == 100 and 0 < drawn[2] < flagged
    assert [text.get_text() for text in ax.texts] == ["100 of 400 accounts drawn (a fixed sample)"]
    again = [points.get_offsets().tolist() for points in plots.cost_to_serve_vs_margin(*plots.cost_to_serve_points(frame, max_points=100)).collections]
    assert again == [points.get_offsets().tolist() for points in ax.collections]  # the same sample every run
