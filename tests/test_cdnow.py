"""The same pipeline and rules on the real CDNOW data (transactions only)."""

import gzip

import pandas as pd
import pytest

from custlab.analysis.pipeline import analyse
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def cdnow():
    return analyse(ROOT / "data" / "cdnow" / "custlab.toml", "1998-06")


def test_revenue_matches_the_raw_file(cdnow):
    with gzip.open(ROOT / "data" / "cdnow" / "CDNOW_master.txt.gz", "rt") as handle:
        raw = pd.read_csv(handle, sep=r"\s+", dtype={"customer_id": str, "date": str})
    in_window = raw[(raw["date"] >= "19970701") & (raw["date"] <= "19980630")]
    assert cdnow.summary["revenue"] == pytest.approx(in_window["dollar_value"].sum())
    assert len(cdnow.customers) == raw["customer_id"].nunique() == 23_570
    assert cdnow.quality.loc[0, "rows_read"] == len(raw) == 69_659


def test_assumed_margin_is_named_and_no_one_is_lean(cdnow):
    summary = cdnow.summary
    assert summary["terms"]["cogs"] == "assumed"
    assert summary["profit"] == pytest.approx(0.25 * summary["revenue"])
    # With one assumed margin for every customer nobody loses money, and "lean" cannot be told:
    # the count is null, not 0, and the customer file's flag is empty
    assert summary["lean_big_count"] is None and summary["loss_making_share"] == 0
    assert summary["inputs_met"]["margins_differ"] is False and cdnow.customers["lean_big"].isna().all()
    assert summary["assumed_gross_margin"] == 0.25 and summary["terms"]["discount"] == "absent"
    # absent inputs are null in summary.json, never 0
    for key in ("dso_days", "overdue_receivables", "expected_credit_loss", "big_debtor_count", "by_kind",
                "satisfied_defector_share", "cost_to_serve_rising_count", "price_pressure_count", "territory_breach_count"):
        assert summary[key] is None, key
    assert summary["whale_peak"] == pytest.approx(1.0)
    assert 0.5 < summary["top20_revenue_share"] < 0.8
    assert summary["bulk_one_off_count"] > 0
    assert (cdnow.customers.loc[cdnow.customers["bulk_one_off"], "lifetime_orders"] == 1).all()


def test_holdout_purchases_match_the_raw_file(cdnow):
    """The out-of-sample check counts purchase days (same-day purchases merged, net
    revenue > 0) after the calibration end, of customers who had bought by then."""
    holdout = cdnow.summary["holdout"]
    with gzip.open(ROOT / "data" / "cdnow" / "CDNOW_master.txt.gz", "rt") as handle:
        raw = pd.read_csv(handle, sep=r"\s+", dtype={"customer_id": str, "date": str})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    days = raw[raw["date"] <= "1998-06-30"].groupby(["customer_id", "date"])["dollar_value"].sum()
    days = days[days > 0].reset_index()
    calibration_end = pd.Timestamp(holdout["calibration_end"])
    known = set(days.loc[days["date"] <= calibration_end, "customer_id"])
    after = days[(days["date"] > calibration_end) & days["customer_id"].isin(known)]
    assert holdout["actual_total"] == len(after) > 0
