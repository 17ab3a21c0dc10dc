"""BG/NBD, Gamma-Gamma, sBG and CLV against published golden values.

Fader, Hardie & Lee (2005) on the CDNOW 1/10 sample, calibration weeks 1-39;
Fader & Hardie (2007) sBG "Regular" customers. See data/cdnow/README.md.
"""

import numpy as np
import pandas as pd
import pytest

from custlab.clv import (
    BetaGeoFitter,
    ConvergenceError,
    GammaGammaFitter,
    clv_multiple,
    customer_lifetime_value,
    dropout_scale,
    monthly_rate,
    retention_scenarios,
    rfm_summary,
)
from custlab.clv.shifted_beta_geo import ShiftedBetaGeometricFitter
from tests.conftest import ROOT

CDNOW = ROOT / "data" / "cdnow"


def sig(value: float, digits: int) -> str:
    return f"{value:.{digits}g}"


@pytest.fixture(scope="module")
def summary():
    return pd.read_csv(CDNOW / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def bgf(summary):
    return BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])


@pytest.fixture(scope="module")
def sample_transactions():
    tx = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "sample_id", "date", "cds", "value"], dtype={"date": str, "sample_id": str})
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    return tx


def test_bgnbd_golden_parameters_and_likelihood(bgf):
    golden = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
    for name, value in golden.items():
        assert sig(bgf.params_[name], 4) == sig(value, 4), name
    assert bgf.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    assert bgf.n_customers_ == 2357 and bgf.n_unique_rows_ == 1016  # identical rows collapsed into weights


def test_bgnbd_golden_predictions(bgf):
    assert bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    expected = bgf.expected_number_of_purchases_up_to_time(np.array([0.1429, 1, 3, 31.8571, 32, 78]))
    # lifetimes' values at its own fit; ours is the same MLE to 4 digits
    assert expected == pytest.approx([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576], abs=5e-4)
    alive = bgf.conditional_probability_alive([0, 2, 5], [0, 30.43, 10.0], [38.86, 38.86, 38.86])
    assert alive[0] == 1.0 and 0 < alive[2] < alive[1] < 1


def test_weights_give_the_same_fit(summary, bgf):
    grouped = summary.groupby(["frequency", "recency", "T"]).size().reset_index(name="n")
    weighted = BetaGeoFitter().fit(grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["n"])
    assert weighted.params_.to_numpy() == pytest.approx(bgf.params_.to_numpy(), rel=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(bgf.log_likelihood_, abs=1e-6)


def _numeric_gradient(function, params, step=1e-6):
    return np.array([(function(params + h)[0] - function(params - h)[0]) / (2 * step) for h in np.eye(len(params)) * step])


def test_analytic_gradients_match_finite_differences(summary):
    """The fitters trust their gradients; check both away from the optimum, with weights."""
    rng = np.random.default_rng(7)
    w = rng.integers(1, 4, len(summary)).astype(float)
    x, t_x, age = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    data = BetaGeoFitter._prepare(x, t_x, age, w)
    params = np.array([0.5, 6.0, 0.9, 2.0])
    _, grad = BetaGeoFitter._loglik_and_grad(params, data)
    assert grad == pytest.approx(_numeric_gradient(lambda p: BetaGeoFitter._loglik_and_grad(p, data), params), rel=1e-5)

    repeat = x > 0
    spend = rng.gamma(3.0, 12.0, int(repeat.sum()))
    data = GammaGammaFitter._prepare(x[repeat], spend, w[repeat])
    params = np.array([4.0, 2.5, 20.0])
    _, grad = GammaGammaFitter._loglik_and_grad(params, data)
    assert grad == pytest.approx(_numeric_gradient(lambda p: GammaGammaFitter._loglik_and_grad(p, data), params), rel=1e-5)


def test_gamma_gamma_golden():
    data = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    repeat = data[data["x"] > 0]
    assert len(repeat) == 946
    ggf = GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert sig(ggf.params_[name], 3) == sig(value, 3), name
    assert ggf.log_likelihood_ == pytest.approx(-4055.92, abs=0.01)
    spend = ggf.conditional_expected_average_profit(data["x"].head(10), data["zbar"].head(10))
    assert isinstance(spend, pd.Series) and spend.index.equals(data.index[:10])  # indexed like the input, as in lifetimes
    assert spend.to_numpy() == pytest.approx([24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17], abs=0.01)


def test_rfm_summary_reproduces_the_published_summary(sample_transactions):
    got = rfm_summary(sample_transactions, "sample_id", "date", "value", observation_end="1997-09-30",
                      freq="D", freq_multiplier=7)
    golden = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    assert len(got) == 2357
    assert (got["frequency"].to_numpy() == golden["x"].to_numpy()).all()
    assert np.abs(got["recency"].round(2).to_numpy() - golden["t_x"].to_numpy()).max() < 1e-9
    assert np.abs(got["T"].round(2).to_numpy() - golden["T"].to_numpy()).max() < 1e-9
    assert np.abs(got["monetary_value"].to_numpy() - golden["zbar"].to_numpy()).max() <= 0.005 + 1e-9


def test_rfm_summary_by_week_and_month_by_hand():
    """Weeks start on Monday (lifetimes' ``freq="W"`` gives the same); months are calendar months."""
    tx = pd.DataFrame({
        "customer": ["A", "A", "A", "A", "B"],
        "day": pd.to_datetime(["2026-01-05", "2026-01-07", "2026-01-20", "2026-03-02", "2026-02-15"]),
        "value": [10.0, 20.0, 5.0, 7.0, 3.0],
    })  # fmt: skip
    weekly = rfm_summary(tx, "customer", "day", "value", observation_end="2026-03-31", freq="W")
    # A: weeks of Jan 5 (10 + 20 merged), Jan 19, Mar 2; the end falls in the week of Mar 30
    assert weekly.loc["A"].tolist() == [2.0, 8.0, 12.0, 6.0]
    assert weekly.loc["B"].tolist() == [0.0, 0.0, 7.0, 0.0]
    monthly = rfm_summary(tx, "customer", "day", "value", observation_end="2026-03-31", freq="M")
    assert monthly.loc["A"].tolist() == [1.0, 2.0, 2.0, 7.0]  # January 35 (first), March 7
    assert monthly.loc["B"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_calibration_holdout_on_cdnow(sample_transactions):
    split = rfm_summary(sample_transactions, "sample_id", "date", "value", observation_end="1998-06-30",
                        calibration_end="1997-09-30", freq="D", freq_multiplier=7)
    assert split["frequency_holdout"].sum() == 1882  # same-day purchases merged
    assert (split["duration_holdout"] == 39).all()
    model = BetaGeoFitter().fit(split["frequency_cal"], split["recency_cal"], split["T_cal"])
    forecast = model.conditional_expected_number_of_purchases_up_to_time(
        split["duration_holdout"], split["frequency_cal"], split["recency_cal"], split["T_cal"]).sum()
    print(f"\nCDNOW holdout weeks 40-78: forecast {forecast:,.1f} repeat purchases, actual 1,882")
    assert forecast == pytest.approx(1653.9, abs=1.0)  # BG/NBD under-forecasts CDNOW by about 12%


def test_holdout_purchases_count_the_days_after_calibration_of_customers_known_by_then():
    from datetime import date

    from custlab.engine import session
    from custlab.aggregate.facts import holdout_purchases

    con = session.connect()
    session.run_sql(con, "CREATE TABLE purchase_days (customer_id VARCHAR, date DATE, value DOUBLE)")
    days = [
        ("A", date(2026, 1, 10)), ("A", date(2026, 3, 5)), ("A", date(2026, 5, 1)), ("A", date(2026, 7, 15)),
        ("B", date(2026, 2, 1)),  # known, nothing after: 0
        ("C", date(2026, 4, 10)), ("C", date(2026, 5, 10)),  # first bought after the calibration end: left out
        ("D", date(2026, 3, 31)), ("D", date(2026, 6, 30)),  # both ends inclusive
    ]  # fmt: skip
    con.executemany("INSERT INTO purchase_days VALUES (?, ?, 1.0)", days)
    counts = holdout_purchases(con, date(2026, 3, 31), date(2026, 6, 30))
    con.close()
    assert counts["customer_id"].tolist() == ["A", "B", "D"]
    assert counts["holdout_purchases"].tolist() == [1, 0, 1]


def test_clear_errors_for_unusable_input():
    with pytest.raises(ValueError, match="repeat purchase"):
        BetaGeoFitter().fit([0, 0], [0, 0], [5, 5])
    with pytest.raises(ValueError, match="finite"):
        BetaGeoFitter().fit([np.nan, 1], [0, 1], [2, 2])
    # a fit that truly fails: the likelihood is not finite, or the optimiser cannot move
    from custlab.clv._fit import maximise

    with pytest.raises(ConvergenceError, match="not finite"):
        maximise(lambda p: (np.nan, np.zeros(2)), np.ones(2), 1.0, 0.0, "test")
    with pytest.raises(ValueError, match="recency <= T"):
        BetaGeoFitter().fit([1], [3], [2])
    with pytest.raises(ValueError, match="non-integer"):
        BetaGeoFitter().fit([1.5, 2], [1, 2], [3, 3])
    with pytest.raises(ValueError, match="frequency > 0"):
        GammaGammaFitter().fit([0, 1], [10, 10])
    with pytest.raises(AttributeError, match="not fitted"):
        BetaGeoFitter().conditional_probability_alive(1, 1, 2)


def test_sbg_regular_customers_golden():
    survivors = np.array([1000, 631, 468, 382, 326, 289, 262, 241])
    tenure = np.r_[np.arange(1, 8), 7]
    churned = np.r_[np.ones(7, bool), False]
    model = ShiftedBetaGeometricFitter().fit(tenure, churned, weights=np.r_[-np.diff(survivors), survivors[-1]])
    assert model.params_["alpha"] == pytest.approx(0.7041, abs=1e-4)
    assert model.params_["beta"] == pytest.approx(1.1820, abs=1e-4)
    assert model.log_likelihood_ == pytest.approx(-1680.27, abs=0.01)
    assert not model.homogeneous_
    assert model.survival_function([0, 1])[0] == 1.0
    assert model.retention_rate(1) == pytest.approx(1.1820 / (0.7041 + 1.1820), abs=1e-4)
    # DERL equals the discounted sum of the survival curve beyond tenure n.
    n, d = 3, 0.1
    t = np.arange(1, 5000)
    direct = (model.survival_function(n + t) / model.survival_function(n) / (1 + d) ** t).sum()
    assert model.discounted_expected_residual_lifetime(n, d) == pytest.approx(direct, rel=1e-9)


def test_sbg_without_spread_finds_the_common_churn():
    rng = np.random.default_rng(1)
    lifetimes = rng.geometric(0.05, 5000)  # everybody churns with the same 5% a month
    observed = np.minimum(lifetimes, 24)
    model = ShiftedBetaGeometricFitter().fit(observed, lifetimes <= 24)
    assert model.params_.sum() > 1000  # almost no spread across customers
    assert model.params_["alpha"] / model.params_.sum() == pytest.approx(0.05, abs=0.005)


def test_clv_equals_the_hand_sum(bgf):
    x, t_x, T = np.array([2.0, 0.0]), np.array([30.43, 0.0]), np.array([38.86, 38.86])
    spend, margin = np.array([40.0, 30.0]), 0.25
    one_month = customer_lifetime_value(bgf, x, t_x, T, spend, margin=margin, discount_rate=0.0,
                                        discount_unit="monthly", horizon_months=1, time_units_per_month=4.345)
    assert one_month == pytest.approx(margin * spend * bgf.conditional_expected_number_of_purchases_up_to_time(4.345, x, t_x, T))
    rate = monthly_rate(0.10, "annual")
    assert rate == pytest.approx(1.10 ** (1 / 12) - 1)
    cumulative = [bgf.conditional_expected_number_of_purchases_up_to_time(4.345 * m, x, t_x, T) for m in range(0, 4)]
    by_hand = sum((cumulative[m] - cumulative[m - 1]) / (1 + rate) ** m for m in range(1, 4)) * margin * spend
    three = customer_lifetime_value(bgf, x, t_x, T, spend, margin=margin, discount_rate=0.10, horizon_months=3,
                                    time_units_per_month=4.345)
    assert three == pytest.approx(by_hand)
    # P(alive) handed in by a caller that has it is used as given
    alive = bgf.conditional_probability_alive(x, t_x, T)
    given = customer_lifetime_value(bgf, x, t_x, T, spend, margin=margin, discount_rate=0.10, horizon_months=3,
                                    time_units_per_month=4.345, alive=alive)
    assert np.array_equal(given, three)
    halved = customer_lifetime_value(bgf, x, t_x, T, spend, margin=margin, discount_rate=0.10, horizon_months=3,
                                     time_units_per_month=4.345, alive=alive / 2)
    assert halved == pytest.approx(three / 2)


def test_lifetime_value_without_predictions_keeps_the_same_values(sample_transactions):
    from custlab.sources.config import Settings
    from custlab.analysis.customer_value import lifetime_value

    rfm = rfm_summary(sample_transactions, "sample_id", "date", "value", observation_end="1998-06-30",
                      freq="D", freq_multiplier=7).reset_index().rename(columns={"sample_id": "customer_id"})
    rng = np.random.default_rng(3)
    revenue = rng.gamma(2.0, 50.0, len(rfm))
    customers = pd.DataFrame({"customer_id": rfm["customer_id"], "revenue": revenue, "profit": revenue * rng.uniform(-0.2, 0.4, len(rfm))})
    full, model, _ = lifetime_value(rfm, customers, Settings(), retention_rate=0.6)
    lean, lean_model, _ = lifetime_value(rfm, customers, Settings(), retention_rate=0.6, predictions=False)
    assert {"p_alive", "expected_purchases_12m"} <= set(full) and not {"p_alive", "expected_purchases_12m"} & set(lean)
    pd.testing.assert_frame_equal(lean, full[lean.columns], check_exact=True)
    assert full["clv"].gt(0).any()
    # the intervals are the only thing predictions add to the model facts
    interval_keys = {"customer_equity_low", "customer_equity_high", "interval_draws"}
    assert set(model) - set(lean_model) == interval_keys
    assert model["customer_equity_low"] < model["customer_equity"] < model["customer_equity_high"]
    for row in model["model_scenarios"]:
        assert row["customer_equity_low"] < row["customer_equity"] < row["customer_equity_high"]
        row.pop("customer_equity_low"), row.pop("customer_equity_high")
    assert {k: v for k, v in model.items() if k not in interval_keys} == lean_model


def test_clv_multiple_and_scenarios_by_hand():
    assert clv_multiple(0.8, 0.10) == pytest.approx(0.8 / 0.3)
    assert clv_multiple(0.9, 0.10) == pytest.approx(4.5)
    table = retention_scenarios(0.90, 0.10, margin_per_period=100.0, customers=1000, uplifts=(0.05,))
    assert table.loc[0, "customer_equity"] == pytest.approx(1000 * 100 * 4.5)
    assert table.loc[1, "multiple"] == pytest.approx(0.95 / 0.15)
    assert table.loc[1, "equity_change"] == pytest.approx((0.95 / 0.15) / 4.5 - 1)  # +40.7%
    assert table.loc[1, "expected_lifetime_periods"] == pytest.approx(20.0)


def test_dropout_scale_keeps_concentration(bgf):
    scaled = dropout_scale(bgf.params_, 0.5)
    a, b = bgf.params_["a"], bgf.params_["b"]
    assert scaled["a"] + scaled["b"] == pytest.approx(a + b)
    assert scaled["a"] / (scaled["a"] + scaled["b"]) == pytest.approx(0.5 * a / (a + b))
    assert scaled["r"] == bgf.params_["r"]


@pytest.mark.parametrize("column", ["customer", "day", "value"])
def test_rfm_summary_refuses_transactions_with_a_missing_field(column):
    tx = pd.DataFrame({
        "customer": ["A", "A", "B"],
        "day": pd.to_datetime(["2026-01-05", "2026-01-07", "2026-02-15"]),
        "value": [10.0, 20.0, 3.0],
    })  # fmt: skip
    tx[column] = tx[column].astype(object)
    tx.loc[1, column] = None
    with pytest.raises(ValueError, match=rf"^{column}: 1 of 3 transactions have no value$"):
        rfm_summary(tx, "customer", "day", "value", observation_end="2026-03-31")
