"""Report tables: the customer lists pick the same rows, in the same order, however large the file."""

import numpy as np
import pandas as pd

from custlab.report.tables import bulk_one_off_table, lean_big_table, rising_table, satisfied_defectors_table
from custlab.report.tables._format import largest_where


def customer_file(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "name": [f"Customer {i}" for i in range(n)],
        # few distinct values: many ties, which the order must break as the full sort does
        "revenue": rng.integers(0, 40, n).astype(float),
        "revenue_recent": rng.integers(0, 40, n).astype(float),
        "revenue_prior": rng.integers(0, 5, n).astype(float),
        "lifetime_gross_sales": rng.integers(0, 40, n).astype(float),
        "lifetime_revenue": rng.integers(0, 40, n).astype(float),
        "profit": rng.normal(0, 10, n),
        "profit_margin": rng.random(n),
        "revenue_rank": np.arange(1, n + 1),
        "lean_big": rng.random(n) < 0.2,
        "lean_big_reason": "discount",
        "bulk_one_off": rng.random(n) < 0.2,
        "first_purchase_month": pd.Timestamp("2026-01-01"),
        "satisfied_defector": rng.random(n) < 0.2,
        "last_satisfaction": rng.integers(1, 6, n).astype(float),
        "last_survey_date": pd.Timestamp("2026-05-04"),
        "last_purchase_month": pd.Timestamp("2026-02-01"),
        "tier": rng.choice(["key", "general", "maintenance"], n),
        "rising": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
    })
    frame.loc[::37, "revenue"] = np.nan
    return frame


def test_largest_where_is_filter_then_sort_then_head():
    customers = customer_file()
    for mask, by in [(customers["lean_big"], "revenue"), (customers["tier"] == "key", "lifetime_revenue")]:
        for limit in (1, 25, 10_000):
            expected = customers[mask].sort_values(by, ascending=False, kind="stable").head(limit)  # ties in file order
            pd.testing.assert_frame_equal(largest_where(customers, mask, by, limit), expected)
    # a mask with missing values keeps only the rows where it is True
    kept = largest_where(customers, customers["rising"] == True, "revenue_recent", 10_000)  # noqa: E712
    assert len(kept) == int((customers["rising"] == True).sum())  # noqa: E712
    assert kept["rising"].eq(True).all()


def test_customer_lists_match_the_full_sort():
    customers = customer_file()

    def who(frame):
        return frame["customer_id"].tolist()

    # ties keep the file's order, so a list of the report's extract is the list of the whole file
    assert who(lean_big_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["lean_big"]].sort_values("revenue", ascending=False, kind="stable").head(25))
    assert who(bulk_one_off_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["bulk_one_off"]].sort_values("lifetime_gross_sales", ascending=False, kind="stable").head(25))
    assert who(satisfied_defectors_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["satisfied_defector"]].sort_values("lifetime_revenue", ascending=False, kind="stable").head(25))
    small = customers[customers["rising"].fillna(False).astype(bool) & ~customers["tier"].isin(["key", "important"])]
    added = small["revenue_recent"] - small["revenue_prior"].clip(lower=0)
    rising = small.loc[added.sort_values(ascending=False, kind="stable").index].head(25)
    table = rising_table(customers)
    assert table["Customer"].tolist() == rising["customer_id"].tolist()
    prior = rising["revenue_prior"].to_numpy()
    growth = rising["revenue_recent"].to_numpy() / np.maximum(prior, 1.0)
    assert table["Revenue growth"].tolist() == ["from nothing" if p <= 0 else f"x{g:,.1f}" for p, g in zip(prior, growth)]


def model_summary(predicted=(1100.0, 980.0, float("nan")), mae=(0.50, 0.55, float("nan")), chosen="bgnbd"):
    """summary.json's ``purchase_model`` for three models on a holdout where customers made 1,000 purchases."""
    names, labels = ["bgnbd", "mbgnbd", "paretonbd"], ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    rows = [
        {"name": n, "model": m, "customers": 2000, "predicted_total": p, "actual_total": 1000.0,
         "aggregate_error": p / 1000 - 1, "mae": e, "edges": "", "error": "" if e == e else "the likelihood is not finite"}
        for n, m, p, e in zip(names, labels, predicted, mae)
    ]  # fmt: skip
    return {"purchase_model": {"chosen": chosen, "model": dict(zip(names, labels))[chosen], "setting": "auto",
                               "reason": "BG/NBD had the lowest error per customer on the holdout (MBG/NBD's was 10.0% higher).",
                               "weeks": 26, "calibration_end": "2026-04-30", "comparison": rows}}  # fmt: skip


def test_model_comparison_table_best_first_failed_last_chosen_marked():
    from custlab.report.tables import model_comparison_table, style_model_comparison

    table = model_comparison_table(model_summary())
    assert list(table.index) == ["BG/NBD (chosen)", "MBG/NBD", "Pareto/NBD"]
    assert table["Miss against the best"].iloc[:2].round(6).tolist() == [0.0, 0.1]
    assert table.loc["Pareto/NBD", "Note"] == "The likelihood is not finite."
    html = style_model_comparison(table).data
    assert "n/a" in html and "+10.0%" in html and "NaN" not in html and "nan" not in html
    # no failure, no edge: no empty Note column
    clean = model_comparison_table(model_summary(predicted=(1100.0, 980.0, 1010.0), mae=(0.5, 0.55, 0.6)))
    assert "Note" not in clean
    assert model_comparison_table({}).empty and "not compared" in style_model_comparison(model_comparison_table({})).data


def test_model_check_sentences_state_what_the_numbers_say():
    from custlab.report.tables import model_check_sentences

    over = model_check_sentences(model_summary())
    assert over[0].startswith("Purchase model: BG/NBD had the lowest error")
    assert "predicted 1,100 purchases in the following 26 weeks; customers made 1,000 (10.0% too many)" in over[1]
    assert "missed by 0.5 purchases on average, where a customer made 0.5." in over[1]
    assert "Trust it for totals and groups" in over[1]
    under = model_check_sentences(model_summary(chosen="mbgnbd"))
    assert "(2.0% too few)" in under[1] and "Trust it for totals" in under[1]
    far = model_check_sentences(model_summary(predicted=(1300.0, 980.0, 1.0)))
    assert "(30.0% too many)" in far[1] and "off by more than 10%" in far[1]
    close = model_check_sentences(model_summary(mae=(0.2, 0.55, 0.6)))
    assert "Close for totals and for single customers." in close[1]
    exact = model_summary(predicted=(1000.4, 980.0, 1010.0), mae=(0.5, 0.55, 0.6))
    for row in exact["purchase_model"]["comparison"]:
        row["edges"] = "no drop-out visible in the data"
    lines = model_check_sentences(exact)
    assert "(within 0.1%)" in lines[1] and lines[2] == "All 3 models: no drop-out visible in the data."
    assert over[1].startswith("Fitted on the data to 2026-04-30, it predicted")
    sampled = model_summary()
    sampled["purchase_model"]["fitted_customers"] = 500
    assert model_check_sentences(sampled)[1].startswith(
        "Fitted on a random sample of 500 of the 2,000 customers known by 2026-04-30, it predicted 1,100 purchases "
        "for all of them in the following 26 weeks; customers made 1,000 (10.0% too many)."
    )
    skipped = {"purchase_model": {"chosen": "bgnbd", "model": "BG/NBD", "note": "The purchase models were not compared (too few)."}}
    assert model_check_sentences(skipped) == ["The purchase models were not compared (too few)."]


def test_model_scenarios_and_equity_carry_their_interval():
    from custlab.report.tables import model_scenario_table, retention_sentences

    scenario = {"uplift_points": 1.0, "defection_factor": 0.9, "mean_dropout": 0.02, "customer_equity": 1100.0,
                "equity_change": 0.1, "customer_equity_low": 1000.0, "customer_equity_high": 1250.0}  # fmt: skip
    summary = {"currency": "EUR", "lifetime_value": {
        "purchase_model": "paretonbd", "horizon_months": 36, "discount_rate_annual": 0.1, "customer_equity": 1000.0,
        "customer_equity_low": 900.0, "customer_equity_high": 1150.0, "model_scenarios": [scenario]}}  # fmt: skip
    table = model_scenario_table(summary, "EUR")
    assert table.loc["+1 point", "90% interval"] == "EUR 1,000 to EUR 1,250"
    assert "Mean drop-out per week" in table and table.loc["+1 point", "Change"] == "+10.0%"
    assert any("is EUR 1,000 (90% interval EUR 900 to EUR 1,150" in line for line in retention_sentences(summary))
    del scenario["customer_equity_low"], scenario["customer_equity_high"]
    assert "90% interval" not in model_scenario_table(summary, "EUR")


def test_sentences_state_the_direction_the_figures_show():
    """Contrasting data, contrasting words: every direction is read off the numbers."""
    from custlab.report.tables import profit_concentration, scenario_comparison

    def scenarios(multiple: float, model: float) -> dict:
        return {"retention_scenarios": [{"uplift_points": 0.0, "equity_change": 0.0}, {"uplift_points": 5.0, "equity_change": multiple}],
                "lifetime_value": {"horizon_months": 36, "model_scenarios": [{"uplift_points": 5.0, "equity_change": model}]}}  # fmt: skip

    assert scenario_comparison(scenarios(0.22, 0.04))[0].endswith("adds +4.0%: the model's figure is lower.")
    assert scenario_comparison(scenarios(0.02, 0.04))[0].endswith("adds +4.0%: the model's figure is higher.")
    assert scenario_comparison(scenarios(0.04, 0.0402))[0].endswith("the two agree.")
    assert scenario_comparison({"retention_scenarios": [], "lifetime_value": {}}) == []

    whale = {"top_share": 0.2, "top20_revenue_share": 0.6, "top20_profit_share": 0.9, "whale_peak": 1.51,
             "whale_peak_customer_share": 0.77, "whale_loss_tail": 0.51, "loss_making_customers": 40,
             "loss_making_share": 0.23, "lean_big_count": 3, "bulk_one_off_count": 2}  # fmt: skip
    lines = profit_concentration(whale)
    assert "peaks at 151% of the total with the most profitable 77% of customers; the other 23% give back 51%" in lines[1]
    assert lines[2] == "23.0% of active customers (40) lose money; 3 big customers are lean and 2 customers are one-off bulk buyers."
    flat = {**whale, "whale_peak": 1.0, "whale_peak_customer_share": 1.0, "whale_loss_tail": 0.0, "loss_making_customers": 0,
            "loss_making_share": 0.0, "lean_big_count": None, "inputs_met": {"margins_differ": False}}  # fmt: skip
    lines = profit_concentration(flat)
    assert "rises to 100% of the total and stays there: no customer gives profit back (every customer carries the same assumed margin)" in lines[1]
    assert lines[2] == "No active customer loses money; 2 customers are one-off bulk buyers."
    assert not any("give back -" in line or "above 100%" in line for line in lines)
