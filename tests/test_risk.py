"""Concentration, ageing, DSO and expected credit loss on hand-computed examples; account sheets."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from custlab.engine import session
from custlab.sources import validation
from custlab.analysis.account_sheets import account_file_name, select_account_sheets
from custlab.report.accounts import render_account_page
from custlab.aggregate.facts import prepare_inputs, receivables_ageing
from custlab.sources.config import DEFAULT_ECL_RATES, Rules, load_config
from custlab.analysis.risk import (
    big_debtor,
    concentration,
    dependence_risk,
    dso_days,
    effective_number,
    expected_credit_loss,
    hhi,
    margin_trends,
    largest_first,
    risk_reasons,
    top_n_share,
)
from tests.conftest import write


def test_hhi_and_effective_customers_by_hand():
    # Shares 50%, 30%, 20%: HHI = 2500 + 900 + 400 = 3800; effective = 10,000 / 3800 = 2.63.
    assert hhi([500, 300, 200]) == pytest.approx(3800.0)
    assert effective_number(3800.0) == pytest.approx(2.6316, abs=1e-4)
    assert hhi([1, 1, 1, 1]) == pytest.approx(2500.0) and effective_number(2500.0) == pytest.approx(4.0)
    assert hhi([100, -50, 0]) == pytest.approx(10_000.0)  # only positive revenue counts
    assert top_n_share([500, 300, 200], 1) == pytest.approx(0.5)
    assert top_n_share([500, 300, 200], 5) == pytest.approx(1.0)


def test_concentration_and_dependence():
    customers = pd.DataFrame({"revenue": [500.0, 300.0, 200.0, 0.0], "profit": [10.0, 60.0, 30.0, -5.0], "in_window": [True] * 4})
    figures = concentration(customers, Rules(dependence_share=0.25), ns=(1, 2))
    assert figures["top1_revenue_share"] == pytest.approx(0.5)
    assert figures["top2_customers_profit_share"] == pytest.approx(70 / 95)
    assert figures["hhi"] == pytest.approx(3800.0)
    assert figures["dependence_count"] == 2  # 50% and 30% are over 25%
    assert dependence_risk(customers, Rules()).tolist() == [True, True, True, False]


def test_largest_first_is_the_head_of_a_stable_descending_sort():
    rng = np.random.default_rng(7)
    for _ in range(300):  # small arrays full of ties, zeros of both signs and gaps
        values = rng.choice([3.0, 2.0, 1.0, 0.0, -0.0, -1.0, np.nan], size=int(rng.integers(0, 40)))
        n = int(rng.integers(0, 50))
        np.testing.assert_array_equal(largest_first(values, n), np.argsort(-values, kind="stable")[:n])
    many = np.round(rng.lognormal(3, 1, 100_000))  # a partial sort, ties at the cut
    np.testing.assert_array_equal(largest_first(many, 20), np.argsort(-many, kind="stable")[:20])


def test_ageing_buckets_dso_and_ecl_by_hand(tmp_path):
    write(tmp_path / "tx.csv", "customer_id,date,revenue\nA,2026-01-05,1\n")
    write(
        tmp_path / "receivables.csv",
        "customer_id,invoice_id,amount,issued,due,paid\n"
        "A,1,100,2026-03-01,2026-04-15,\n"  # due after the period end: current
        "A,2,200,2026-02-01,2026-03-11,\n"  # 20 days past due on 31 March: 1-30
        "A,3,300,2026-01-01,2026-01-30,\n"  # 60 days: 31-60
        "A,4,400,2025-12-01,2025-12-31,\n"  # 90 days: 61-90
        "A,5,500,2025-10-01,2025-11-30,\n"  # 121 days: over 90
        "A,6,999,2026-01-01,2026-01-31,2026-02-10\n"  # paid before the period end: not open
        "B,7,50,2026-03-10,2026-04-10,\n",
    )
    config = load_config(write(tmp_path / "c.toml", '[sources.transactions]\npath = "tx.csv"\n[sources.receivables]\npath = "receivables.csv"\n'))
    con = session.connect()
    validation.validate(con, config, as_of=date(2026, 4, 30))
    prepare_inputs(con)
    ageing = receivables_ageing(con, date(2026, 1, 1), date(2026, 3, 31)).set_index("customer_id")
    a = ageing.loc["A"]
    assert (a.ar_current, a.ar_1_30, a.ar_31_60, a.ar_61_90, a.ar_over_90) == (100, 200, 300, 400, 500)
    # Credit sales in January-March: invoices 1, 2, 3 and 6 = 100 + 200 + 300 + 999.
    assert a.credit_sales == 1599
    # DSO = open 1,500 / credit sales 1,599 x 90 days.
    assert dso_days(1500.0, 1599.0, 90) == pytest.approx(1500 / 1599 * 90)
    assert np.isnan(dso_days(10.0, 0.0, 90))
    ecl = expected_credit_loss(ageing, DEFAULT_ECL_RATES)
    assert ecl["A"] == pytest.approx(100 * 0.005 + 200 * 0.02 + 300 * 0.05 + 400 * 0.15 + 500 * 0.50)
    assert ecl["B"] == pytest.approx(50 * 0.005)


def test_big_debtor_needs_large_and_old_overdue():
    customers = pd.DataFrame(
        {
            "revenue": [1000.0, 1000.0, 1000.0, 10.0],
            "overdue_receivables": [400.0, 400.0, 50.0, 5.0],
            "overdue_90_receivables": [100.0, 0.0, 50.0, 5.0],
        }
    )
    flags = big_debtor(customers, Rules(big_debtor_overdue_share=0.2, big_debtor_min_overdue_share_of_total=0.05))
    # 1: overdue 40% of revenue, some over 90 days; 2: none over 90 days; 3: only 5%; 4: 50% but 0.6% of all overdue.
    assert flags.tolist() == [True, False, False, False]


def test_margin_trends_flag_cost_to_serve_and_price_pressure():
    prior = pd.DataFrame({"customer_id": ["a", "b", "c"], "revenue": [1000.0] * 3, "cogs": [500.0] * 3,
                          "discount": [20.0] * 3, "channel_fee": [10.0] * 3, "cost_to_serve": [20.0, 20.0, 20.0]})
    current = pd.DataFrame({"customer_id": ["a", "b", "c"], "revenue": [1000.0] * 3, "cogs": [500.0] * 3,
                            "discount": [20.0, 80.0, 20.0], "channel_fee": [10.0] * 3, "cost_to_serve": [60.0, 20.0, 25.0]})
    current["pocket_margin"] = current["revenue"] - current["cogs"] - current["discount"] - current["channel_fee"]
    out = margin_trends(current, prior, Rules())
    assert out["cost_to_serve_growth"].tolist() == pytest.approx([2.0, 0.0, 0.25])
    assert out["cost_to_serve_rising"].tolist() == [True, False, False]
    assert out["price_pressure"].tolist() == [False, True, False]  # discounts +6 points, margin -6 points
    assert out.loc[1, "margin_reason"] == "discounts and fees +6.0 points of sales, margin -6.0 points"
    assert out.loc[0, "margin_reason"] == "cost to serve +200% vs revenue +0%"


def test_account_pages_escape_names_and_use_safe_file_names():
    assert account_file_name("C0001") == "C0001.html"
    odd = account_file_name("../etc/passwd")
    assert "/" not in odd and odd.endswith(".html") and odd.count(".") == 1
    customer = pd.Series({"customer_id": "C1", "name": "Smith & Sons <Ltd>", "revenue": 100.0, "cogs": 50.0, "discount": 0.0,
                          "channel_fee": 0.0, "cost_to_serve": 0.0, "carrying_cost": 0.0, "expected_credit_loss": 0.0,
                          "profit": 50.0, "profit_margin": 0.5, "tier": "key", "tier_reason": "high value",
                          "risk_reasons": "overdue 5 <script>"})
    months = pd.DataFrame({"month": ["2026-01-01", "2026-03-01"], "revenue": [60.0, 40.0], "cogs": [30.0, 20.0], "discount": 0.0,
                           "channel_fee": 0.0, "cost_to_serve": 0.0, "orders": 1, "open_receivables": 0.0, "overdue_receivables": 0.0})
    summary = {"company": "Co", "currency": "EUR", "period": "2026-03", "period_title": "March 2026", "window_end": "2026-03-31"}
    page = render_account_page(customer, months, pd.DataFrame({"period": ["2026-03"], "tier": ["key"]}), summary)
    assert "Smith &amp; Sons &lt;Ltd&gt;" in page and "<script>" not in page
    assert page.count("<rect") == 6  # January, an empty February, March: two bars each
    assert all(f">2026-0{m}</text>" in page for m in (1, 2, 3))  # few months: every one labelled
    assert ">EUR 100</text>" in page and ">EUR 0</text>" in page  # the money axis: its top and 0
    silent = render_account_page(customer, months, pd.DataFrame({"period": ["2026-06"], "tier": ["key"]}),
                                 {**summary, "period": "2026-06", "period_title": "June 2026", "window_end": "2026-06-30"})  # fmt: skip
    assert silent.count("<rect") == 12 and ">2026-06</text>" in silent  # the chart runs to the report's month


def test_account_sheet_sets_the_customer_against_its_tier_and_the_previous_period():
    from custlab.analysis.account_sheets import tier_peers

    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"], "tier": ["key", "key", "key", "general"],
        "revenue": [1000.0, 2000.0, 4000.0, 10.0], "profit": [100.0, 600.0, 1600.0, 1.0],
        "cost_to_serve": [200.0, 100.0, 200.0, 0.0], "discount": [0.0, 0.0, 0.0, 0.0], "dso_days": [90.0, 30.0, 40.0, 10.0],
    })  # fmt: skip
    peers = tier_peers(customers, {"receivables": True, "service": True, "price_terms": False, "margins_differ": True})
    assert peers["key"] == pytest.approx({"profit_margin": 0.3, "cost_to_serve_share": 0.05, "discount_share": None, "dso_days": 40.0})
    from custlab.report.accounts import peer_rows, previous_rows

    rows = peer_rows(customers.iloc[0], peers)
    assert rows == [("Profit margin", "10.0%", "30.0%"), ("Cost to serve, share of revenue", "20.0%", "5.0%"),
                    ("Days sales outstanding", "90 days", "40 days")]  # discounts are not in the data: no row
    history = pd.DataFrame({"period": ["2026-03", "2026-02"], "tier": ["important", "key"], "revenue": [1000.0, 3000.0],
                            "profit": [100.0, 900.0], "overdue_receivables": [50.0, 0.0]})  # fmt: skip
    assert previous_rows(history, "2026-03", "2026-02", "EUR") == [
        ("Tier", "important", "key"), ("Revenue", "EUR 1,000", "EUR 3,000"), ("Customer profit", "EUR 100", "EUR 900"),
        ("Overdue receivables", "EUR 50", "EUR 0")]  # fmt: skip
    assert previous_rows(history.iloc[:1], "2026-03", "2026-02", "EUR")[0] == ("Tier", "important", "not a customer yet")


def test_next_step_follows_the_largest_amount_at_stake():
    from custlab.analysis.decisions import next_steps

    customers = pd.DataFrame({
        "churn_risk": [True, True, False, False, False], "value_at_risk": [500.0, 50.0, 0.0, 0.0, 0.0],
        "big_debtor": [True, True, False, False, False], "overdue_receivables": [100.0, 900.0, 0.0, 0.0, 0.0],
        "price_pressure": [False, False, True, False, False], "lean_big": [False] * 5,
        "revenue": [1.0] * 5, "revenue_rank": [1, 2, 3, 4, 5], "margin_eaten_by": [None] * 5,
        **{term: [0.0] * 5 for term in ("cogs", "discount", "channel_fee", "cost_to_serve", "carrying_cost", "expected_credit_loss")},
    })  # fmt: skip
    steps = next_steps(customers)
    assert steps["money_at_risk"].tolist() == [500.0, 900.0, 0.0, 0.0, 0.0]  # the largest amount, not the sum
    assert steps["next_step"].str.split(":").str[0].str.split(" ").str[0].tolist() == ["Call", "Chase", "Review", "", ""]
    assert steps["next_step"].iloc[1].startswith("Chase the overdue")


def test_risk_reasons_in_words_for_every_flag_and_none_for_the_unflagged():
    customers = pd.DataFrame({
        "dependence_risk": [True, False, False, False],
        "revenue_share": [0.12, 0.01, 0.0, 0.0],
        "big_debtor": [True, False, False, False],
        "overdue_receivables": [12_500.0, 0.0, 0.0, 0.0],
        "ar_over_90": [4_000.0, 0.0, 0.0, 0.0],
        "margin_reason": ["", "cost to serve +60%", None, ""],
        "territory_breach": [False, True, False, False],
        "outside_territory_share": [0.0, 0.35, 0.0, 0.0],
        "lean_big": [False, False, True, False],
        "lean_big_reason": [None, None, "discounts 19% of revenue", None],
    }, index=[10, 11, 12, 13])  # fmt: skip
    texts = risk_reasons(customers)
    assert texts.tolist() == [
        "dependence: 12% of company revenue; overdue 12,500 (4,000 over 90 days)",
        "cost to serve +60%; 35% of purchases outside its territory",
        "lean: discounts 19% of revenue",
        "",
    ]
    assert texts.index.tolist() == [10, 11, 12, 13]


def test_account_sheets_go_to_flagged_accounts_first_then_by_revenue_up_to_the_limit():
    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "tier": ["key", "important", "key", "general", "important", "key"],
        "revenue": [900.0, 50.0, 700.0, 5000.0, 700.0, 100.0],
        "risk_reasons": ["", "overdue 5", None, "overdue 9", "", "lean: discounts"],
    }, index=[10, 11, 12, 13, 14, 15])  # fmt: skip
    def chosen(limit):
        picked = select_account_sheets(customers, limit)
        assert picked.index.tolist() == customers.index.tolist()
        return set(customers.loc[picked, "customer_id"])

    # B and F are flagged, so they come first whatever their revenue; then A,
    # then C before E (equal revenue, id order); D is not an account.
    assert chosen(2) == {"B", "F"}
    assert chosen(3) == {"B", "F", "A"}
    assert chosen(4) == {"B", "F", "A", "C"}
    assert chosen(100) == {"A", "B", "C", "E", "F"}
    assert not select_account_sheets(customers, limit=0).any()


def test_flagged_accounts_link_only_to_sheets_that_exist():
    from custlab.report.tables import flagged_accounts_html

    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C"], "tier": ["key", "important", "key"], "revenue": [900.0, 50.0, 700.0],
        "profit": [90.0, 5.0, 70.0], "risk_reasons": ["overdue 5", "overdue 1", ""], "account_sheet": [True, False, True],
    })  # fmt: skip
    html_text = flagged_accounts_html(customers).data
    assert '<a href="accounts/A.html">A</a>' in html_text
    assert '<td class="txt">B</td>' in html_text and "accounts/B.html" not in html_text
    assert "2 accounts have a sheet" in html_text and 'href="accounts/index.html"' in html_text
    shortened = flagged_accounts_html(customers, limit=1).data
    assert "1 of the 2 flagged accounts shown" in shortened and "accounts/A.html" in shortened


def test_flagged_accounts_come_most_money_at_risk_first_whatever_their_tier():
    from custlab.report.tables import flagged_accounts_html

    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C", "D"], "tier": ["key", "general", "key", "general"], "revenue": [900.0, 800.0, 700.0, 600.0],
        "profit": [90.0, -50.0, 70.0, 10.0], "risk_reasons": ["overdue 5", "lean: discounts", "churn risk", "x"],
        "lean_big": [False, True, False, False], "churn_risk": [False, False, True, False],
        "money_at_risk": [5.0, 400.0, 70.0, 0.0], "next_step": ["Chase", "Renegotiate", "Call", ""],
    })  # fmt: skip
    text = flagged_accounts_html(customers).data
    order = [text.index(f">{c}<") for c in ("B", "C", "A")]
    assert order == sorted(order) and ">D<" not in text  # D: a general customer neither lean nor at churn risk


def test_risk_glance_counts_each_flag_and_says_which_it_could_not_check():
    from custlab.report.tables import risk_glance_table

    customers = pd.DataFrame({
        "revenue": [1000.0, 500.0, 200.0], "dependence_risk": [True, False, False], "big_debtor": [False, True, False],
        "overdue_receivables": [0.0, 80.0, 0.0], "price_pressure": [False, True, False], "discount_fee_change": [0.0, 0.04, 0.0],
        "cost_to_serve_rising": [False, False, True], "cost_to_serve": [0.0, 0.0, 300.0], "cost_to_serve_growth": [0.0, 0.0, 2.0],
        "territory_breach": [None, None, None], "outside_territory_share": [None, None, None],
        "churn_risk": [False, True, False], "value_at_risk": [0.0, 45.0, 0.0],
    })  # fmt: skip
    summary = {"inputs_met": {"receivables": True, "price_terms": True, "service": True, "regions": False}}
    table = risk_glance_table(customers, summary).set_index("Risk")
    assert table["Customers"].tolist()[:3] == [1, 1, 1]
    assert table["At stake"].iloc[:4].tolist() == pytest.approx([1000.0, 80.0, 20.0, 200.0])  # 300 after +200%: 200 added
    territory = table.loc["Buying outside their territory"]
    assert pd.isna(territory["Customers"]) and territory["Which is"].startswith("not checked: ")
    assert table.loc["Key and important customers who may have gone", "At stake"] == 45.0


def test_peer_rows_read_an_unmet_input_as_missing_whatever_its_dtype():
    from custlab.report.accounts import peer_rows

    customer = pd.Series({"tier": "key", "revenue": 100.0, "profit": 20.0, "cost_to_serve": pd.NA, "discount": 5.0,
                          "dso_days": pd.NA}, dtype=object)  # fmt: skip
    peers = {"key": {"profit_margin": 0.3, "cost_to_serve_share": 0.1, "discount_share": 0.02, "dso_days": 40.0}}
    assert peer_rows(customer, peers) == [("Profit margin", "20.0%", "30.0%"), ("Cost to serve, share of revenue", "n/a", "10.0%"),
                                          ("Discounts, share of revenue", "5.0%", "2.0%"), ("Days sales outstanding", "n/a", "40 days")]
