"""Churn risk on valuable customers, the changes against the previous period, and the actions."""

import math

import numpy as np
import pandas as pd

from custlab.analysis.risk import buying_habit
from custlab.analysis.decisions import ACTION_LINKS, headline, period_changes, recommended_actions
from custlab.analysis.risk import churn_risk, risk_reasons, months_per_order
from custlab.report.tables import actions_table, change_sentences, churn_risk_note, churn_risk_table
from custlab.sources.config import Rules


def _history(**columns) -> pd.DataFrame:
    base = {
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "tier": ["key", "key", "important", "general", "important", "general"],
        "previous_tier": ["key", "key", "important", "general", "important", "key"],
        # A: monthly buyer silent 4 months; B: monthly buyer silent 2; C: every 2 months, silent 5 (< 3x2=6)
        # D: a general customer silent 10; E: likely gone by the model; F: dropped from key, silent 5
        "first_purchase_month": pd.to_datetime(["2025-01-01"] * 4 + ["2025-01-01", "2025-01-01"]),
        "last_purchase_month": pd.to_datetime(["2025-12-01", "2026-02-01", "2025-11-01", "2025-06-01", "2026-03-01", "2025-11-01"]),
        "lifetime_orders": [12, 14, 6, 3, 15, 11],
        "months_since_purchase": [4, 2, 5, 10, 1, 5],
        "p_alive": [0.9, 0.95, 0.8, 0.1, 0.2, np.nan],
        "profit": [1000.0, 500.0, 300.0, 50.0, -20.0, 700.0],
    }
    return pd.DataFrame({**base, **columns})


def test_usual_gap_is_months_between_first_and_last_purchase_over_orders_less_one():
    gaps = months_per_order(_history())
    assert gaps.iloc[0] == 11 / 11 and gaps.iloc[2] == 10 / 5
    assert math.isnan(months_per_order(_history(lifetime_orders=[1] * 6)).iloc[0])


def test_churn_risk_watches_valuable_customers_silent_far_beyond_their_habit_or_likely_gone():
    flags = churn_risk(_history(), Rules())
    # A silent 4 > 3 x 1; B 2 is within habit; C 5 <= 3 x 2; D is general; E likely gone (p 0.2);
    # F was key last period and is silent 5 > 3 x 1.
    assert flags["churn_risk"].tolist() == [True, False, False, False, True, True]
    # A loss is not at risk; the others carry their profit of the window
    assert flags["value_at_risk"].tolist() == [1000.0, 0.0, 0.0, 0.0, 0.0, 700.0]
    stricter = churn_risk(_history(), Rules(churn_silence_multiple=4.5, churn_max_p_alive=0.1))
    assert stricter["churn_risk"].tolist() == [False, False, False, False, False, True]


def test_churn_risk_is_said_in_words_with_the_silence_and_the_habit():
    customers = _history()
    customers = customers.join(churn_risk(customers, Rules()))
    words = risk_reasons(customers)
    assert words.iloc[0] == "churn risk: silent 4 months (usually buys every 30 days); 90% likely still a customer"
    assert words.iloc[5] == "churn risk: silent 5 months (usually buys every 30 days)"
    assert words.iloc[1] == ""


def _period(profit_values, tiers) -> pd.DataFrame:
    return pd.DataFrame({"revenue": [100.0] * len(profit_values), "profit": profit_values, "tier": tiers})


def test_changes_follow_the_numbers_in_both_directions():
    before = headline(_period([10.0, 10.0, -5.0], ["key", "general", "general"]))
    now = headline(_period([30.0, 10.0, 5.0], ["key", "key", "general"]))
    changes = {c["measure"]: c for c in period_changes(now, before, "2026-09")}
    assert changes["profit"]["direction"] == "up" and changes["profit"]["change"] == (45 - 15) / 15
    assert changes["loss_making_share"]["direction"] == "down" and changes["loss_making_share"]["change"] == -1 / 3
    assert changes["key_customers"]["now"] == 2 and changes["customers"]["direction"] == "unchanged"
    lines = change_sentences({"currency": "EUR", "changes": list(changes.values())})
    assert "Customer profit rose 200.0% to EUR 45 (2026-09: EUR 15)." in lines
    assert "Loss-making customers fell 33.3 pts to 0.0% (2026-09: 33.3%)." in lines
    assert "Active customers stayed at 3." in lines
    falling = period_changes(before, now, "2026-09")
    assert {c["measure"]: c["direction"] for c in falling}["profit"] == "down"
    assert period_changes(now, None, None) == []


def test_changes_add_the_same_period_a_year_earlier():
    before = headline(_period([10.0, 10.0, -5.0], ["key", "general", "general"]))
    year = headline(_period([60.0, 10.0, 5.0], ["key", "key", "general"]))
    now = headline(_period([30.0, 10.0, 5.0], ["key", "key", "general"]))
    summary = {"currency": "EUR", "changes": period_changes(now, before, "2026-09"), "changes_year": period_changes(now, year, "2025-10")}
    lines = change_sentences(summary)
    assert "Customer profit rose 200.0% to EUR 45 (2026-09: EUR 15; a year earlier (2025-10): EUR 75, down 40.0% since)." in lines
    assert "Key customers rose 100.0% to 2 (2026-09: 1; a year earlier (2025-10): 2, the same)." in lines
    assert "Active customers stayed at 3 (a year earlier (2025-10): 3, the same)." in lines
    only_year = change_sentences({"currency": "EUR", "changes": [], "changes_year": summary["changes_year"]})
    assert "Customer profit fell 40.0% to EUR 45 (2025-10: EUR 75)." in only_year  # no period before: the year is the comparison


def _flagged_base() -> pd.DataFrame:
    n = 40
    rng = np.random.default_rng(3)
    revenue = rng.uniform(100, 1000, n)
    frame = pd.DataFrame({
        "customer_id": [f"C{i}" for i in range(n)], "revenue": revenue, "profit": revenue * 0.3,
        "cogs": revenue * 0.6, "discount": revenue * 0.05, "channel_fee": 0.0, "cost_to_serve": revenue * 0.05,
        "carrying_cost": 0.0, "expected_credit_loss": 0.0,
        "revenue_rank": pd.Series(revenue).rank(ascending=False, method="first").astype(int),
        "lean_big": False, "margin_eaten_by": "", "churn_risk": False, "value_at_risk": 0.0,
        "big_debtor": False, "overdue_receivables": 0.0, "rising": False, "revenue_recent": 10.0, "revenue_prior": 5.0,
        "tier": "general",
    })  # fmt: skip
    return frame


def test_actions_rank_by_money_at_stake_and_leave_out_what_has_no_customer_or_no_data():
    customers = _flagged_base()
    top = customers["revenue_rank"] <= 2  # the two largest: lean, their discounts at 30% of revenue
    customers.loc[top, ["lean_big", "margin_eaten_by"]] = [True, "discount"]
    customers.loc[top, "discount"] = customers.loc[top, "revenue"] * 0.30
    customers.loc[top, "profit"] = customers.loc[top, "revenue"] * 0.05
    customers.loc[customers.index[5:8], ["churn_risk", "value_at_risk"]] = [True, 10_000.0]
    customers.loc[customers.index[9], ["big_debtor", "overdue_receivables"]] = [True, 50.0]
    actions = recommended_actions(customers, Rules(lean_big_top_revenue_share=0.1))
    assert [a["action"] for a in actions] == ["churn_risk", "lean_big", "big_debtor"]  # no rising customer
    assert actions[0]["amount"] == 30_000.0 and actions[0]["customers"] == 3
    # the excess discount over the other big customers' median (5%): 25% of the two lean ones' revenue
    assert math.isclose(actions[1]["amount"], 0.25 * customers.loc[top, "revenue"].sum())
    assert all(a["link"] == ACTION_LINKS[a["action"]] for a in actions)
    customers.loc[customers.index[20:23], "rising"] = True
    customers.loc[customers.index[22], "tier"] = "important"  # has an account manager: not a small one to nurture
    rising = {a["action"]: a for a in recommended_actions(customers)}["rising"]
    assert rising["customers"] == 2 and rising["amount"] == 10.0
    customers["big_debtor"] = pd.NA  # receivables absent: no action on debtors, rather than one of 0
    assert "big_debtor" not in [a["action"] for a in recommended_actions(customers)]
    table = actions_table({"actions": actions})
    assert table["At stake"].is_monotonic_decreasing and table.columns.tolist() == ["What to do", "Customers", "At stake", "Which is"]


def test_churn_note_counts_them_all():
    assert churn_risk_note({"churn_risk_count": 0}) == "No key or important customer is at churn risk this period."
    note = churn_risk_note({"churn_risk_count": 1234, "value_at_risk": 5000.4, "currency": "USD"})
    assert note.startswith("1,234 key and important customers") and "USD 5,000" in note


def test_churn_list_without_a_purchase_model_leaves_out_the_probability():
    customers = _history().join(churn_risk(_history().drop(columns="p_alive"), Rules()))
    table = churn_risk_table(customers.drop(columns="p_alive"))
    assert table["Customer"].tolist() == ["A", "F"] and "Probability still a customer" not in table


def test_changes_say_what_rests_on_an_assumed_margin():
    changes = period_changes(headline(_period([30.0, 10.0], ["key", "general"])), headline(_period([20.0, 10.0], ["key", "general"])), "2026-09")
    own_costs = {"currency": "EUR", "changes": changes, "assumed_gross_margin": 0.25, "inputs_met": {"margins_differ": True}}
    lines = change_sentences(own_costs)
    assert "Customer profit rose 33.3% to EUR 40 (2026-09: EUR 30; assumed: cost of goods 75% of revenue)." in lines
    assert "Revenue stayed at EUR 200." in lines
    one_margin = {**own_costs, "inputs_met": {"margins_differ": False}}
    lines = change_sentences(one_margin)
    assert not any(line.startswith(("Profit margin", "Loss-making")) for line in lines)
    assert lines[-1] == ("Not compared: profit margin and loss-making customers "
                         "(one assumed margin for every customer: they cannot move).")  # fmt: skip
    assert not any("assumed" in line for line in change_sentences({**own_costs, "assumed_gross_margin": None}))



def test_a_change_that_rounds_to_nothing_says_so():
    before = {"profit_margin": 0.1870, "revenue": 1000.0}
    now = {"profit_margin": 0.1866, "revenue": 1000.4}
    lines = change_sentences({"currency": "EUR", "changes": period_changes(now, before, "2026-09")})
    assert "Profit margin fell by less than 0.1 pts to 18.7% (2026-09: 18.7%)." in lines
    assert "Revenue rose by less than 0.1% to EUR 1,000 (2026-09: EUR 1,000)." in lines


def test_a_buying_habit_reads_in_days_below_two_months():
    assert [buying_habit(m) for m in (0.03, 0.21, 1.0, 2.0, 3.4)] == ["every 1 day", "every 6 days", "every 30 days", "every 2 months", "every 3 months"]
