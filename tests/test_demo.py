"""The demo company: deterministic, complete, and planted as BRIEF.md describes."""

import numpy as np
import pandas as pd
import pytest

from custlab.sources.config import load_config
from custlab.demo import DemoSpec, generate
from custlab.analysis.pipeline import analyse
from tests.conftest import SMALL_DEMO

TABLES = ("transactions", "customers", "service", "receivables", "surveys")


def read(folder, name):
    return pd.read_csv(folder / name) if name.endswith(".csv") else pd.read_parquet(folder / name)


def test_writes_every_table_truth_and_a_config_that_loads(small_demo):
    for table in TABLES:
        assert (small_demo / f"{table}.parquet").is_file()
    config = load_config(small_demo / "custlab.toml")
    assert set(config.sources) == set(TABLES)
    truth = read(small_demo, "truth.csv")
    assert len(truth) == SMALL_DEMO.customers and truth["customer_id"].is_unique
    assert set(truth["planted_tier"]) == {"key", "important", "general", "maintenance", "invalid"}
    for flag in ("lean_big", "bulk_one_off", "rising", "big_debtor", "satisfied_defector"):
        assert truth[flag].dtype == bool and truth[flag].any(), flag
    tx = read(small_demo, "transactions.parquet")
    assert {"order_id", "customer_id", "date", "revenue", "cost", "discount", "channel_fee"} <= set(tx.columns)
    dates = pd.to_datetime(tx["date"])
    assert dates.min() >= pd.Timestamp("2024-11-01") and dates.max() <= pd.Timestamp("2026-10-31")
    assert (tx["revenue"] < 0).any()  # returns exist, as in real data
    kinds = read(small_demo, "customers.parquet")["kind"].value_counts()
    assert set(kinds.index) == {"consumer", "business"}


def test_same_seed_same_company_other_seed_other_company(tmp_path):
    spec = DemoSpec(customers=300, months=12, seed=3)
    generate(tmp_path / "a", spec, progress=False)
    generate(tmp_path / "b", spec, progress=False)
    generate(tmp_path / "c", DemoSpec(customers=300, months=12, seed=4), progress=False)
    for name in [f"{t}.parquet" for t in TABLES] + ["truth.csv"]:
        pd.testing.assert_frame_equal(read(tmp_path / "a", name), read(tmp_path / "b", name))
    assert not read(tmp_path / "a", "transactions.parquet").equals(read(tmp_path / "c", "transactions.parquet"))


def test_csv_format_is_readable_by_its_config(tmp_path):
    generate(tmp_path, DemoSpec(customers=200, months=12, file_format="csv"), progress=False)
    result = analyse(tmp_path / "custlab.toml", "2026-10")
    assert result.quality["quarantined"].sum() == 0
    assert result.summary["customers"] > 150


@pytest.fixture(scope="module")
def analysed(small_demo):
    result = analyse(small_demo / "custlab.toml", "2026-10")
    truth = read(small_demo, "truth.csv").astype({"customer_id": str})
    return result, result.customers.merge(truth, on="customer_id", how="left", suffixes=("", "_truth"))


def test_whale_curve_peaks_well_above_total_profit_with_a_loss_tail(analysed):
    _, customers = analysed
    profit = np.sort(customers["profit"].to_numpy())[::-1]
    cumulative = np.cumsum(profit) / profit.sum()
    assert cumulative.max() > 1.3
    assert (profit < 0).mean() > 0.1


def test_planted_patterns_show_in_the_numbers(analysed):
    _, c = analysed
    by_tier = c.groupby("planted_tier")["profit"].median()
    assert by_tier["key"] > by_tier["important"] > by_tier["general"] > by_tier["maintenance"] > by_tier["invalid"]
    lean = c[c["lean_big_truth"] == True]  # noqa: E712 - planted, NaN for never-active customers
    assert lean["revenue"].median() > c["revenue"].quantile(0.95)  # big by revenue...
    assert (lean["profit"] / lean["revenue"]).median() < 0.03  # ...but lean
    bulk = c[c["bulk_one_off_truth"] == True]  # noqa: E712
    assert (bulk["orders"] == 1).all() and (bulk["months_with_purchases"] == 1).all()
    debtors = c[c["big_debtor"]]
    others = c[~c["big_debtor"] & (c["kind"] == "business")]
    assert debtors["overdue_90_receivables"].median() > 10 * max(others["overdue_90_receivables"].median(), 1)


def test_every_quarantine_free(analysed):
    result, _ = analysed
    assert result.quality["quarantined"].sum() == 0
    assert (result.quality["rows_read"] == result.quality["accepted"]).all()
