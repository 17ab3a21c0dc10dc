"""Lean big customers and one-off bulk buyers on hand-made customers."""

import pandas as pd
import pytest

from custlab.sources.config import Rules
from custlab.analysis.flags import bulk_one_off, lean_big, lean_big_sensitivity, typical_order_value


def customers_frame():
    # Ten active customers; with the top 20% rule the two largest by revenue are "big".
    revenue = [1000.0, 900.0, 800.0, 100, 90, 80, 70, 60, 50, 40]
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(10)], "revenue": revenue})
    frame["cogs"] = frame["revenue"] * 0.5
    frame["discount"] = frame["revenue"] * 0.02
    frame["channel_fee"] = frame["revenue"] * 0.01
    frame["cost_to_serve"] = frame["revenue"] * 0.02
    frame["carrying_cost"] = 0.0
    frame["expected_credit_loss"] = 0.0
    frame.loc[0, "discount"] = 450.0  # c0: a 45% discount leaves 0% margin... (see below)
    frame.loc[1, "cost_to_serve"] = 400.0  # c1: service eats the margin
    frame["profit"] = frame["revenue"] - frame[
        ["cogs", "discount", "channel_fee", "cost_to_serve", "carrying_cost", "expected_credit_loss"]
    ].sum(axis=1)
    frame["in_window"] = True
    return frame


RULES = Rules(lean_big_top_revenue_share=0.3, lean_big_max_margin=0.05)


def test_lean_big_flags_thin_big_customers_and_names_the_cost():
    frame = customers_frame()
    # c0 profit = 1000 - 500 - 450 - 10 - 20 = 20 (2%); c1 = 900 - 450 - 18 - 9 - 400 = 23 (2.6%); c2 = 45%.
    assert frame.loc[0, "profit"] == pytest.approx(20.0) and frame.loc[1, "profit"] == pytest.approx(23.0)
    out = lean_big(frame, RULES)
    assert out["big"].tolist() == [True, True, True] + [False] * 7
    assert out["lean_big"].tolist() == [True, True] + [False] * 8
    assert out.loc[0, "margin_eaten_by"] == "discount"
    assert out.loc[1, "margin_eaten_by"] == "cost_to_serve"
    assert out.loc[0, "lean_big_reason"] == "discounts and rebates 45% of revenue vs 2% for other big customers; margin 2%"
    # c1: 400 / 900 of revenue on service, against 2% for c2, the only big customer not flagged
    assert out.loc[1, "lean_big_reason"] == "cost to serve 44% of revenue vs 2% for other big customers; margin 3%"
    assert out.loc[2, "lean_big_reason"] == ""
    assert out["revenue_rank"].tolist() == list(range(1, 11))


def test_small_thin_customers_are_not_lean_big():
    frame = customers_frame()
    frame.loc[9, "profit"] = -100.0  # a small loss-maker is not "big"
    assert not lean_big(frame, RULES).loc[9, "lean_big"]


def test_lean_big_sensitivity_counts_grow_with_the_threshold():
    table = lean_big_sensitivity(customers_frame(), RULES, max_margins=(0.0, 0.05, 0.5))
    assert table["lean_big"].tolist() == [0, 2, 3]
    assert table.loc[1, "profit"] == pytest.approx(43.0)


def test_bulk_one_off_needs_one_large_order_in_the_whole_history():
    frame = pd.DataFrame(
        {
            "customer_id": ["big-once", "big-twice", "small-once", "returned-bulk", "a", "b"],
            "revenue": [2000.0, 3000.0, 40.0, 0.0, 100.0, 60.0],
            "orders": [1, 2, 1, 1, 2, 1],
            "lifetime_orders": [1, 2, 1, 1, 5, 1],
            "lifetime_gross_sales": [2000.0, 3000.0, 40.0, 2500.0, 250.0, 60.0],
        }
    )
    # Average order value of buyers in the window: 2000, 1500, 40, 50, 60 -> median 60.
    assert typical_order_value(frame) == pytest.approx(60.0)
    flagged = bulk_one_off(frame, Rules(bulk_order_multiple=10))
    assert flagged.tolist() == [True, False, False, True, False, False]
