"""On both demo companies, the rules find what was planted and stay quiet where nothing was.

The rules read only the customers' own numbers; truth.csv is read here, to score them.
"""

import pytest

from custlab.demo import DemoSpec, generate
from custlab.demo.truth import flag_scores, read_truth
from custlab.analysis.pipeline import analyse


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-default")
    generate(folder, DemoSpec(), progress=False)  # 20,000 customers, 24 months to 2026-10
    return analyse(folder / "custlab.toml", "2026-10"), read_truth(folder / "truth.csv")


@pytest.fixture(scope="module")
def scores(demo):
    result, truth = demo
    table = flag_scores(result.customers, truth, ["lean_big", "bulk_one_off", "satisfied_defector", "rising", "big_debtor",
                                                  "price_pressure", "cost_to_serve_rising", "dependence_risk", "territory_breach"])
    print("\n" + table.to_string())
    return table


def test_tiers_agree_with_the_planted_tiers(demo):
    result, truth = demo
    merged = truth.merge(result.customers[["customer_id", "tier"]], on="customer_id", how="left")
    agree = merged["tier"] == merged["planted_tier"]
    by_tier = agree.groupby(merged["planted_tier"]).mean()
    print(f"\ntier agreement {agree.mean():.3f}; " + ", ".join(f"{t} {v:.3f}" for t, v in by_tier.items()))
    assert agree.mean() >= 0.85
    assert (by_tier >= 0.8).all(), by_tier.to_dict()


def test_nobody_is_invalid_on_less_history_than_the_guard(demo):
    result, _ = demo
    customers = result.customers
    young = customers["history_months"] < 6
    assert young.sum() > 100
    assert not (customers.loc[young, "tier"] == "invalid").any()


def test_rising_recall(scores):
    assert scores.loc["rising", "recall"] >= 0.85


@pytest.mark.parametrize("flag", ["lean_big", "bulk_one_off", "big_debtor"])
def test_recall_and_precision(scores, flag):
    assert scores.loc[flag, "planted"] > 100
    assert scores.loc[flag, "recall"] >= 0.9
    assert scores.loc[flag, "precision"] >= 0.8


def test_satisfied_defector_recall(scores):
    assert scores.loc["satisfied_defector", "planted"] > 100
    assert scores.loc["satisfied_defector", "recall"] >= 0.8


def test_rules_do_not_read_truth():
    import importlib
    import inspect
    import pkgutil

    import custlab.analysis

    names = [m.name for m in pkgutil.iter_modules(custlab.analysis.__path__, "custlab.analysis.")]
    assert "custlab.analysis.tiers" in names and len(names) > 10
    for name in names:
        source = inspect.getsource(importlib.import_module(name))
        assert "truth" not in source and "custlab.demo" not in source, name


def test_churn_risk_finds_the_silent_key_accounts(demo):
    """The demo plants key and important customers who stop buying 4-5 months before the end."""
    result, truth = demo
    score = flag_scores(result.customers, truth, ["churn_risk"]).loc["churn_risk"]
    assert score["planted"] >= 50
    assert score["recall"] >= 0.8 and score["precision"] >= 0.7, score.to_dict()
    assert result.summary["churn_risk_count"] == int(result.customers["churn_risk"].sum())


@pytest.mark.parametrize("flag", ["price_pressure", "cost_to_serve_rising"])
def test_consumer_demo_finds_its_planted_margin_trends(scores, flag):
    """A few key and important accounts whose discounts creep up, or whose visits multiply: found, and little else."""
    assert scores.loc[flag, "planted"] >= 25
    assert scores.loc[flag, "recall"] >= 0.9 and scores.loc[flag, "precision"] >= 0.8, scores.loc[flag].to_dict()


@pytest.mark.parametrize("flag", ["dependence_risk", "territory_breach"])
def test_consumer_demo_plants_no_dependence_or_territory_breach_and_none_is_flagged(scores, flag):
    assert scores.loc[flag, "planted"] == 0
    assert scores.loc[flag, "flagged"] == 0  # the false positives where nothing was planted


BUSINESS_FLAGS = ["dependence_risk", "territory_breach", "price_pressure", "cost_to_serve_rising", "big_debtor", "churn_risk"]


@pytest.fixture(scope="module")
def business(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-business")
    generate(folder, DemoSpec(customers=1_500, months=36, profile="business"), progress=False)
    result = analyse(folder / "custlab.toml", "2026-10")
    table = flag_scores(result.customers, read_truth(folder / "truth.csv"), BUSINESS_FLAGS)
    print("\n" + table.to_string())
    return result, table


@pytest.mark.parametrize("flag", BUSINESS_FLAGS)
def test_business_demo_flags_find_what_was_planted(business, flag):
    _, scores = business
    assert scores.loc[flag, "planted"] >= (3 if flag == "dependence_risk" else 10)
    assert scores.loc[flag, "recall"] >= 0.9 and scores.loc[flag, "precision"] >= 0.8, scores.loc[flag].to_dict()


def test_business_demo_depends_on_its_anchor_accounts(business):
    result, _ = business
    summary = result.summary
    assert summary["dependence_count"] == 3 and summary["top1_revenue_share"] >= 0.12
    assert summary["territory_breach_count"] > 0 and summary["price_pressure_count"] > 0
    assert set(result.customers.loc[result.customers["dependence_risk"], "tier"]) == {"key"}


def test_business_demo_report_publishes_its_key_account_risks(tmp_path):
    """``custlab demo --profile business`` then ``custlab report``: the key-account risk section shows every planted risk."""
    import json
    import subprocess
    import sys

    for args in (["demo", "--profile", "business", "--out", tmp_path / "company", "--quiet"],
                 ["report", "--config", tmp_path / "company" / "custlab.toml", "--period", "2026-10", "--out", tmp_path / "reports"]):  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "custlab.cli", *map(str, args)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "reports" / "2026-10"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["company"] == "Demo Services Ltd" and summary["dependence_count"] == 3
    page = (folder / "index.html").read_text(encoding="utf-8")
    risk = page[page.index('id="Key-account-risk"'):page.index('id="Assumptions-and-missing-inputs"')]
    for words in ("Dependence: a customer of 10%+ of revenue", "Buying outside their territory", "Price pressure: discounts and fees up",
                  "Cost to serve rising faster than revenue", "Big debtors", "dependence: 14% of company revenue",
                  "churn risk: silent", "discounts and fees +"):  # fmt: skip
        assert words in risk, words
    glance = risk[risk.index("Dependence: a customer of 10%+ of revenue"):risk.index("</table>", risk.index("Dependence: a customer"))]
    assert f">{summary['territory_breach_count']}<" in glance and f">{summary['price_pressure_count']}<" in glance
    assert "not checked" not in risk  # the business company has every input
    assert len(list((folder / "accounts").glob("C*.html"))) >= 100
