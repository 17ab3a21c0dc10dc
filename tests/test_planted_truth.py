"""On the default-size demo company, the rules find what was planted.

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
    table = flag_scores(result.customers, truth, ["lean_big", "bulk_one_off", "satisfied_defector", "rising", "big_debtor"])
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
