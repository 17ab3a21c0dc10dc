"""Charts as published: sharp PNGs whose alt text states the finding, read off the numbers drawn."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from custlab.report import charts
from custlab.report.tables import equity_explained, model_health


def test_a_chart_is_a_2x_png_with_its_finding_escaped_as_alt_text():
    figure, ax = plt.subplots(figsize=(4, 2), dpi=100)
    ax.plot([0, 1], [0, 1])
    chart = charts.Chart(figure, 'Profit "rose" <b>')
    markup = chart._repr_html_()
    assert 'alt="Profit &quot;rose&quot; &lt;b&gt;"' in markup
    assert charts._png_width(chart.png) == pytest.approx(2 * chart.width, abs=2)  # twice the pixels it takes on the page
    assert 300 < chart.width <= 400 and "max-width:100%" in markup
    assert not plt.get_fignums()  # closed: the notebook shows it once, with its alt text


def test_waterfall_finding_names_what_is_left_and_the_largest_cost_after_goods():
    waterfall = pd.DataFrame({
        "term": ["revenue", "cogs", "discount", "cost_to_serve", "profit"],
        "amount": [1000.0, -600.0, -50.0, -150.0, 200.0], "running_total": [1000.0, 400.0, 350.0, 200.0, 200.0],
        "kind": ["start", "cost", "cost", "cost", "subtotal"],
    })  # fmt: skip
    text = charts.waterfall_finding(waterfall, "EUR")
    assert "Of revenue of EUR 1,000, EUR 200 is left as customer profit (20.0%)." in text
    assert "the largest cost is cost to serve: EUR 150 (15.0% of revenue)." in text


def test_cohort_and_survival_findings_follow_the_data():
    matrix = pd.DataFrame({0: [1.0, 1.0], 1: [0.5, 0.3], 12: [0.2, float("nan")]}, index=["2025-01", "2025-02"])
    assert charts.cohort_finding(matrix) == (
        "Cohort chart. On average a cohort's customers buy again: 40% in month 1 and 20% in month 12 after their first purchase."
    )
    curves = {"consumer": pd.DataFrame({"time": [0, 6, 12, 18], "survival": [1.0, 0.8, 0.6, 0.5], "at_risk": [10, 8, 6, 5]})}
    assert charts.survival_finding(curves) == "Survival curves. 12 months after their first purchase, 60% of consumer customers are still buying."


@pytest.mark.parametrize("predicted, words", [(110.0, "10.0% too high"), (80.0, "20.0% too low"), (100.0, "on the mark")])
def test_holdout_finding_reads_the_direction_off_the_totals(predicted, words):
    summary = {"holdout": {"model": "bgnbd", "weeks": 26, "actual_total": 100.0, "predicted_total": predicted},
               "purchase_model": {"model": "BG/NBD"}}  # fmt: skip
    assert charts.holdout_finding(summary).endswith(f"against 100 that happened: {words}.")
    assert "The BG/NBD model" in charts.holdout_finding(summary)


def _health_summary(predicted: float, mae: float, stability: float) -> dict:
    row = {"name": "bgnbd", "model": "BG/NBD", "predicted_total": predicted, "actual_total": 1000.0, "customers": 500, "mae": mae}
    return {"purchase_model": {"chosen": "bgnbd", "model": "BG/NBD", "comparison": [row]}, "cluster_stability": stability,
            "cluster_min_stability": 0.75, "clusters_k": 4}  # fmt: skip


def test_model_health_sets_each_check_against_its_bar():
    good = model_health(_health_summary(1050.0, 0.8, 0.9))
    assert good["passed"].tolist() == [True, True, True] and set(good["Verdict"]) == {"good"}
    poor = model_health(_health_summary(1300.0, 1.5, 0.6))  # 30% off; miss 1.5 against a bar of 1.0; stability under 0.75
    assert poor["passed"].tolist() == [False, False, False]
    assert poor["This period"].tolist() == ["30.0% off", "1.5 purchases", "0.6"]
    assert model_health({}).empty


def test_the_two_equity_figures_are_explained_with_the_larger_read_off():
    summary = {"currency": "EUR", "lifetime_value": {"customer_equity": 800.0, "horizon_months": 36},
               "retention_scenarios": [{"uplift_points": 0, "customer_equity": 1200.0}]}  # fmt: skip
    (line,) = equity_explained(summary)
    assert "EUR 1,200 from the margin multiple and EUR 800 from the purchase model" in line and "figure is higher" in line
    summary["lifetime_value"]["customer_equity"] = 2000.0
    assert "figure is lower" in equity_explained(summary)[0]
