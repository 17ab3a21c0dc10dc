"""A transaction log whose purchase-model maximum lies on the edge of the parameter space.

Regular buyers who never leave show no drop-out: the BG/NBD maximum has a -> 0
(or b -> infinity). That is an answer, not an error: the report must still value
the customers and show the comparison of the purchase models.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from custlab.clv import BetaGeoFitter, BoundaryWarning, rfm_summary
from tests.companies import write_regular_buyers

PERIOD = "2026-10"
NO_DROPOUT = "no drop-out visible in the data"


@pytest.fixture(scope="module")
def regular_company(tmp_path_factory):
    return write_regular_buyers(tmp_path_factory.mktemp("regular") / "company")


@pytest.fixture(scope="module")
def regular_report(regular_company):
    out = regular_company.parent.parent / "out"
    done = subprocess.run(
        [sys.executable, "-m", "custlab.cli", "report", "--config", str(regular_company), "--period", PERIOD, "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out / PERIOD


def test_the_data_put_bg_nbd_on_the_edge(regular_company):
    """On the report's calibration window no drop-out shows at all; on the whole history the maximum
    is on an edge too (a and b both vanish: a share too small to pin down drops out at once)."""
    log = pd.read_csv(regular_company.parent / "orders.csv")
    split = rfm_summary(log, "customer_id", "date", "amount", observation_end="2026-10-31", calibration_end="2026-05-02",
                        freq="D", freq_multiplier=7)  # fmt: skip
    with pytest.warns(BoundaryWarning, match=NO_DROPOUT):
        calibration = BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
    assert "a" in calibration.boundary_
    rfm = rfm_summary(log, "customer_id", "date", "amount", observation_end="2026-10-31", freq="D", freq_multiplier=7)
    with pytest.warns(BoundaryWarning):
        whole = BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    assert "a" in whole.boundary_ and whole.params_["a"] / (whole.params_["a"] + whole.params_["b"]) < 0.01
    alive = np.asarray(whole.conditional_probability_alive(rfm["frequency"], rfm["recency"], rfm["T"]))
    assert np.isfinite(alive).all() and (alive > 0.9).mean() > 0.99


def test_the_report_values_customers_and_compares_models(regular_report):
    summary = json.loads((regular_report / "summary.json").read_text(encoding="utf-8"))
    choice = summary["purchase_model"]
    rows = {row["name"]: row for row in choice["comparison"]}
    assert set(rows) == {"bgnbd", "mbgnbd", "paretonbd"}
    assert all(row["error"] == "" and NO_DROPOUT in row["edges"] for row in rows.values())
    assert abs(rows[choice["chosen"]]["aggregate_error"]) < 0.05  # nobody left, and the model knew
    value = summary["lifetime_value"]
    assert value["purchase_model"] == choice["chosen"]
    assert value["customer_equity_low"] < value["customer_equity"] < value["customer_equity_high"]
    customers = pd.read_csv(regular_report / "customers.csv")
    assert customers["clv"].notna().all() and np.isfinite(customers["clv"]).all() and (customers["clv"] > 0).all()
    assert (customers["p_alive"] > 0.9).mean() > 0.99
    page = (regular_report / "index.html").read_text(encoding="utf-8")
    assert "Purchase model:" in page and f"All 3 models: {NO_DROPOUT}" in page
    assert "Lifetime value was not computed" not in page
