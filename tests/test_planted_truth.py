"""On the default-size demo company, the rules find what was planted.

The rules read only the customers' own numbers; truth.csv is read here, to score them.
"""

import pytest

from custlab.demo import DemoSpec, generate
from custlab.evaluate import flag_scores, read_truth
from custlab.pipeline import analyse


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-default")
    generate(folder, DemoSpec(), progress=False)  # 20,000 customers, 24 months to 2026-10
    result = analyse(folder / "custlab.toml", "2026-10")
    table = flag_scores(
        result.customers, read_truth(folder / "truth.csv"), ["lean_big", "bulk_one_off", "satisfied_defector"]
    )
    print("\n" + table.to_string())
    return table


@pytest.mark.parametrize("flag", ["lean_big", "bulk_one_off"])
def test_recall_and_precision(scores, flag):
    assert scores.loc[flag, "planted"] > 100
    assert scores.loc[flag, "recall"] >= 0.9
    assert scores.loc[flag, "precision"] >= 0.8


def test_satisfied_defector_recall(scores):
    assert scores.loc["satisfied_defector", "planted"] > 100
    assert scores.loc["satisfied_defector", "recall"] >= 0.8


def test_rules_do_not_read_truth():
    import inspect

    import custlab.flags
    import custlab.loyalty
    import custlab.pipeline

    for module in (custlab.flags, custlab.loyalty, custlab.pipeline):
        assert "truth" not in inspect.getsource(module)
