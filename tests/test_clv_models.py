"""Pareto/NBD, MBG/NBD and BG/BB against published golden values; standard errors, edges and stability.

Golden values: Pareto/NBD on CDNOW (Fader, Hardie & Lee 2005; CLVTools'
``test_correctness_pnbd``: estimates and standard errors), MBG/NBD on CDNOW
(BTYDplus), BG/BB on the donations data (Fader, Hardie & Shang 2010; Hardie's
note 010 spreadsheet).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from custlab.clv import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    BoundaryWarning,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from custlab.clv.pareto_nbd import log_integral, log_likelihood_rows
from tests.conftest import ROOT

CDNOW = ROOT / "data" / "cdnow"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def donations():
    return pd.read_csv(CDNOW / "donations.csv")


def fit(model, data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", BoundaryWarning)  # none of the published fits is on an edge
        return model.fit(data["frequency"], data["recency"], data["T"])


def test_pareto_nbd_golden(cdnow):
    model = fit(ParetoNBDFitter(), cdnow)
    assert model.params_.to_numpy() == pytest.approx([0.553, 10.578, 0.606, 11.669], abs=2e-3)
    assert model.log_likelihood_ == pytest.approx(-9594.976, abs=0.01)  # CLVTools
    # CLVTools' standard errors 0.0476, 0.8427, 0.1873, 6.2105
    assert model.standard_errors_.to_numpy() == pytest.approx([0.0476, 0.8427, 0.1873, 6.2105], rel=2e-3)
    assert model.boundary_ == [] and model.n_unique_rows_ == 1016


def test_pareto_nbd_golden_predictions():
    model = ParetoNBDFitter().with_params([0.5534, 10.5802, 0.6061, 11.6562])  # BTYD walkthrough
    assert model.conditional_probability_alive(26.0, 30.86, 31.0)[0] == pytest.approx(0.9979, abs=1e-3)
    assert model.conditional_expected_number_of_purchases_up_to_time(52, 26.0, 30.86, 31.0)[0] == pytest.approx(25.46, abs=0.01)
    expected = model.expected_number_of_purchases_up_to_time(np.arange(10))
    golden = [0, 0.0508, 0.0992, 0.1454, 0.1898, 0.2325, 0.2736, 0.3134, 0.3518, 0.3891]  # R BTYD's manual
    assert expected == pytest.approx(golden, abs=0.01)  # lifetimes' tolerance: the manual's parameters differ slightly


def test_pareto_nbd_integral_against_the_closed_form():
    """The Gauss-Legendre integral against Fader & Hardie's hypergeometric closed form where the latter is finite."""
    from scipy.special import hyp2f1

    rng = np.random.default_rng(5)
    for _ in range(200):
        r, s = rng.uniform(0.1, 3, 2)
        alpha, beta = np.exp(rng.uniform(-2, 3, 2))
        age = rng.uniform(0.1, 2.0)
        x = float(rng.integers(0, 15))
        t_x = 0.0 if x == 0 else rng.uniform(0, age)
        m = r + s + x
        if alpha >= beta:  # Fader & Hardie note 008, eq. (22)
            high, low, b = alpha, beta, s + 1
        else:
            high, low, b = beta, alpha, r + x
        z = lambda t: (high - low) / (high + t)  # noqa: E731
        closed = (hyp2f1(m, b, m + 1, z(t_x)) / (high + t_x) ** m - hyp2f1(m, b, m + 1, z(age)) / (high + age) ** m) / m
        got = np.exp(log_integral((r, alpha, s, beta), np.array([x]), np.array([t_x]), np.array([age])))[0]
        assert got == pytest.approx(closed, rel=1e-7)


@pytest.mark.parametrize(
    "case, golden",
    [
        # beta far below alpha, last purchase just after the first: the drop-out factor spikes at t_x
        ((0.05, 150.0, 5.0, 0.02, 44.0, 0.016, 493.0), -205.714076050749),
        # a heavy buyer: the integrand falls by e^-350 within a fifth of a unit of log time
        ((4.9119324377229105, 0.19788239941367228, 0.15325015870678962, 0.03842784320902824, 400.0,
          1.1188737116759162, 111.88737116759162), -117.317858011179),
    ],
)
def test_pareto_nbd_integral_at_extremes(case, golden):
    """Against mpmath at 40 digits (400 geometric breakpoints), where no closed form is finite."""
    r, alpha, s, beta, x, t_x, age = case
    got = log_integral((r, alpha, s, beta), np.array([x]), np.array([t_x]), np.array([age]))[0]
    assert got == pytest.approx(golden, abs=1e-9)


def test_pareto_nbd_blocks_give_every_customer_the_same_figures(monkeypatch):
    """Computed a block of customers at a time (memory bounded at millions), each customer's
    log-likelihood, integral and gradients are those computed in one piece, to the last bit."""
    from custlab.clv import pareto_nbd

    rng = np.random.default_rng(11)
    age = rng.uniform(1, 80, 1000)
    x = rng.integers(0, 30, 1000).astype(float)
    t_x = np.where(x > 0, rng.uniform(0, 1, 1000) * age, 0.0)
    params = (0.8, 5.0, 0.7, 12.0)
    whole = [log_likelihood_rows(params, x, t_x, age, gradient=True), log_integral(params, x, t_x, age, gradient=True),
             log_likelihood_rows(params, x, t_x, age)]  # fmt: skip
    monkeypatch.setattr(pareto_nbd, "BLOCK_CUSTOMERS", 7)  # 143 blocks, the last one short
    blocked = [log_likelihood_rows(params, x, t_x, age, gradient=True), log_integral(params, x, t_x, age, gradient=True),
               log_likelihood_rows(params, x, t_x, age)]  # fmt: skip
    for one, other in zip([*whole[0], *whole[1], whole[2]], [*blocked[0], *blocked[1], blocked[2]]):
        assert one.shape == other.shape
        assert np.array_equal(one, other)
    assert whole[1][1].shape == (4, 1000)


def test_pareto_nbd_stays_finite_where_lifetimes_overflows():
    model = ParetoNBDFitter().with_params([10.465, 7.98565181e-03, 3.0516, 2.820])
    freq, rec, age = np.array([400.0, 500.0, 500.0]), np.array([5.0, 1.0, 4.0]), np.array([6.0, 37.0, 37.0])
    ll = log_likelihood_rows(model.params_.to_numpy(), freq, rec, age)
    assert np.all(np.isfinite(ll))  # a density: positive here, and finite
    alive = model.conditional_probability_alive(freq, rec, age)
    assert np.all((alive >= 0) & (alive <= 1))
    fitted = ParetoNBDFitter().with_params([0.55, 10.58, 0.61, 11.67])
    left = fitted.conditional_expected_number_of_purchases_up_to_time(10, 132, 200, 200)
    right = fitted.conditional_expected_number_of_purchases_up_to_time(10, 133, 200, 200)
    assert abs(left - right) < 0.05  # no underflow between neighbours


def test_mbg_nbd_golden(cdnow):
    model = fit(ModifiedBetaGeoFitter(), cdnow)
    assert model.params_.to_numpy() == pytest.approx([0.525, 6.183, 0.891, 1.614], abs=1e-3)  # BTYDplus
    assert model.conditional_probability_alive(0, 1, 1)[0] < 1.0  # may have left after the first purchase


def test_bg_bb_golden(donations):
    model = BetaGeoBetaBinomFitter().fit(donations["frequency"], donations["recency"], donations["periods"], donations["weights"])
    assert model.params_.to_numpy() == pytest.approx([1.204, 0.750, 0.657, 2.783], abs=1e-3)
    expected = model.conditional_expected_number_of_purchases_up_to_time(5, donations["frequency"], donations["recency"], donations["periods"])
    assert (expected * donations["weights"]).sum() == pytest.approx(12884.2, abs=0.5)  # Hardie's sheet, column F
    in_sample = model.expected_number_of_transactions_in_first_n_periods(6)["model"]
    assert in_sample.loc[[0, 6]].to_numpy() == pytest.approx([3454.9, 1253.1], abs=0.1)
    alive = model.conditional_probability_alive(1, [0, 2, 6], [0, 4, 6], [6, 6, 6])
    assert np.asarray(alive) == pytest.approx([0.11, 0.59, 0.93], abs=5e-3)  # paper's table 6


def _numeric_gradient(function, params, step=1e-6):
    return np.array([(function(params + h)[0] - function(params - h)[0]) / (2 * step) for h in np.eye(len(params)) * step])


@pytest.mark.parametrize("model", [ModifiedBetaGeoFitter, ParetoNBDFitter])
def test_gradients_match_finite_differences(cdnow, model):
    rng = np.random.default_rng(3)
    w = rng.integers(1, 4, len(cdnow)).astype(float)
    x, t_x, age = (cdnow[c].to_numpy(dtype=float) / (1 if c == "frequency" else 38.86) for c in ("frequency", "recency", "T"))
    data = model._prepare(x, t_x, age, w)
    params = np.array([0.6, 0.3, 0.8, 1.5])
    _, grad = model._loglik_and_grad(params, data)
    assert grad == pytest.approx(_numeric_gradient(lambda p: model._loglik_and_grad(p, data), params), rel=1e-5)


def test_bg_bb_gradient_matches_finite_differences(donations):
    x, t_x, n = (donations[c].to_numpy(dtype=float) for c in ("frequency", "recency", "periods"))
    params = np.array([1.5, 0.9, 0.8, 2.0])

    def loglik(p):
        ll, grad = BetaGeoBetaBinomFitter._loglik_rows(p, x, t_x, n, gradient=True)
        return float(np.dot(donations["weights"], ll)), grad @ donations["weights"].to_numpy()

    assert loglik(params)[1] == pytest.approx(_numeric_gradient(loglik, params), rel=1e-5)


def test_standard_errors_are_those_of_a_numerical_hessian(cdnow):
    """The observed information from differences of the log-likelihood itself (no gradient used)."""
    model = fit(BetaGeoFitter(), cdnow)
    x, t_x, age = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    data = BetaGeoFitter._prepare(x, t_x, age, np.ones(len(x)))
    theta = model.params_.to_numpy()
    h = 1e-4 * theta
    ll = lambda p: BetaGeoFitter._loglik_and_grad(p, data)[0]  # noqa: E731
    hessian = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * h[i], np.eye(4)[j] * h[j]
            hessian[i, j] = (ll(theta + ei + ej) - ll(theta + ei - ej) - ll(theta - ei + ej) + ll(theta - ei - ej)) / (4 * h[i] * h[j])
    numeric = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    assert model.standard_errors_.to_numpy() == pytest.approx(numeric, rel=1e-3)
    covariance = np.linalg.inv(-hessian)
    assert model.variance_matrix_.to_numpy() == pytest.approx(covariance, rel=1e-3, abs=1e-9)
    lower = model.summary["lower 95% bound"].to_numpy()
    assert lower == pytest.approx(theta - 1.959964 * numeric, rel=1e-3)


def regular_buyers(customers=3000, seed=1) -> pd.DataFrame:
    """Customers who buy at gamma-spread Poisson rates and never leave: no drop-out to see."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 52, customers)
    rate = rng.gamma(4.0, 1 / 8.0, customers)
    rows = []
    for lam, end in zip(rate, age):
        times = np.cumsum(rng.exponential(1 / lam, 200))
        times = times[times <= end]
        rows.append((len(times), times[-1] if len(times) else 0.0, end, lam))
    return pd.DataFrame(rows, columns=["frequency", "recency", "T", "rate"])


@pytest.mark.parametrize("model", [BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter])
def test_a_maximum_on_the_edge_is_an_answer(model):
    data = regular_buyers()
    with pytest.warns(BoundaryWarning, match="no drop-out visible in the data"):
        fitted = model().fit(data["frequency"], data["recency"], data["T"])
    assert fitted.boundary_ and all(np.isnan(fitted.standard_errors_[name]) for name in fitted.boundary_)
    assert fitted.edges_ == ["no drop-out visible in the data: the model treats customers as still active"]
    forecast = fitted.conditional_expected_number_of_purchases_up_to_time(26, data["frequency"], data["recency"], data["T"])
    assert np.all(np.isfinite(forecast))
    assert forecast.sum() == pytest.approx((data["rate"] * 26).sum(), rel=0.03)  # every customer buys on
    assert np.asarray(fitted.conditional_probability_alive(data["frequency"], data["recency"], data["T"])).min() > 0.95


def test_lifetimes_api_surface(cdnow, tmp_path):
    model = fit(BetaGeoFitter(), cdnow)
    assert model.data.shape == (2357, 4) and list(model.data.columns) == ["frequency", "recency", "T", "weights"]
    assert model._unload_params("r", "alpha") == [model.params_["r"], model.params_["alpha"]]
    prediction = model.predict(30, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert isinstance(prediction, pd.Series) and prediction.index.equals(cdnow.index)
    matrix = model.conditional_probability_alive_matrix()
    assert matrix.shape == (int(cdnow["T"].max()) + 1, int(cdnow["frequency"].max()) + 1) and matrix[0, 0] == 1
    published = BetaGeoFitter().with_params([0.243, 4.414, 0.793, 2.426])  # R BTYD's manual
    assert published.probability_of_n_purchases_up_to_time(39, 0) == pytest.approx(0.5737864, abs=1e-6)
    assert published.probability_of_n_purchases_up_to_time(2, 10) == pytest.approx(1.07869e-07, rel=1e-4)
    model.save_model(tmp_path / "bgf.pkl")
    loaded = BetaGeoFitter()
    loaded.load_model(tmp_path / "bgf.pkl")
    assert loaded.params_.equals(model.params_) and loaded.predict(1, 1, 2, 5) == model.predict(1, 1, 2, 5)
    simulated = model.generate_new_data(size=50)
    assert len(simulated) == 2357 and (simulated["recency"] <= simulated["T"]).all()


@pytest.fixture(scope="module")
def cdnow_split():
    from custlab.sources import datasets
    from custlab.clv import rfm_summary

    transactions = datasets.cdnow_sample(CDNOW / "CDNOW_sample.txt")
    return rfm_summary(transactions, "customer_id", "date", "value", observation_end="1998-06-30",
                       calibration_end="1997-09-30", freq="D", freq_multiplier=7)  # fmt: skip


def test_the_models_compared_on_the_cdnow_holdout(cdnow_split):
    from custlab.clv.selection import choose_purchase_model, compare_purchase_models

    comparison, fitted = compare_purchase_models(cdnow_split)
    assert list(comparison.index) == ["bgnbd", "mbgnbd", "paretonbd"] and set(fitted) == set(comparison.index)
    actual = cdnow_split["frequency_holdout"]
    for name, (model, predicted) in fitted.items():
        row = comparison.loc[name]
        assert row["actual_total"] == actual.sum() and row["predicted_total"] == pytest.approx(predicted.sum())
        assert row["mae"] == pytest.approx(np.mean(np.abs(predicted - actual)))
        assert -0.2 < row["aggregate_error"] < 0  # each falls short of the holdout's 1,882 purchase days, by 12-16%
    chosen, reason = choose_purchase_model(comparison)
    assert chosen == comparison["mae"].idxmin() or comparison.loc[chosen, "mae"] <= 1.01 * comparison["mae"].min()
    assert comparison.loc[chosen, "model"] in reason


def comparison_of(**mae):
    labels = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "paretonbd": "Pareto/NBD"}
    return pd.DataFrame({"model": [labels[n] for n in mae], "mae": list(mae.values()),
                         "error": ["" if v == v else "did not converge" for v in mae.values()]}, index=list(mae))  # fmt: skip


def test_the_lowest_error_wins_and_a_tie_goes_to_the_simpler_model():
    from custlab.clv.selection import choose_purchase_model

    assert choose_purchase_model(comparison_of(bgnbd=0.60, mbgnbd=0.55, paretonbd=0.50))[0] == "paretonbd"
    name, reason = choose_purchase_model(comparison_of(bgnbd=0.504, mbgnbd=0.55, paretonbd=0.50))
    assert name == "bgnbd" and "within 1%" in reason and "simpler" in reason
    assert choose_purchase_model(comparison_of(bgnbd=0.52, mbgnbd=0.5049, paretonbd=0.50))[0] == "mbgnbd"
    assert choose_purchase_model(comparison_of(bgnbd=float("nan"), mbgnbd=0.6, paretonbd=0.5))[0] == "paretonbd"
    with pytest.raises(ValueError, match="no purchase model could be fitted: did not converge"):
        choose_purchase_model(comparison_of(bgnbd=float("nan"), mbgnbd=float("nan"), paretonbd=float("nan")))


def test_the_report_choice_follows_the_setting_and_says_when_it_could_not_check(cdnow_split):
    from custlab.analysis.customer_value import choose_model

    calibration = cdnow_split.reset_index().rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    holdout = calibration[["customer_id"]].assign(holdout_purchases=cdnow_split["frequency_holdout"].to_numpy())
    auto = choose_model(calibration, holdout, 39.0)
    assert auto.summary["setting"] == "auto" and len(auto.summary["comparison"]) == 3 and not auto.holdout.empty
    forced = choose_model(calibration, holdout, 39.0, setting="paretonbd")
    assert forced.name == "paretonbd" and "set in the config" in forced.reason
    assert forced.holdout["predicted"].sum() != auto.holdout["predicted"].sum() or auto.name == "paretonbd"
    few = choose_model(calibration.head(20), holdout, 39.0)
    assert few.name == "bgnbd" and few.comparison.empty and "not compared out of sample" in few.note
    assert "fitted_customers" not in auto.summary  # 2,357 customers: all of them fitted


def test_a_large_base_is_compared_on_models_fitted_to_a_sample_and_scored_on_everyone(cdnow_split, monkeypatch):
    from custlab.analysis import customer_value
    from custlab.clv.selection import fit_quietly

    calibration = cdnow_split.reset_index().rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    holdout = calibration[["customer_id"]].assign(holdout_purchases=cdnow_split["frequency_holdout"].to_numpy())
    monkeypatch.setattr(customer_value, "COMPARISON_FIT_CUSTOMERS", 1000)
    choice = customer_value.choose_model(calibration, holdout, 39.0)
    rows = customer_value.comparison_sample(len(calibration))
    assert choice.summary["fitted_customers"] == 1000 == len(rows) == len(np.unique(rows))
    assert np.array_equal(rows, customer_value.comparison_sample(len(calibration)))  # seeded: the same every run
    for row in choice.summary["comparison"]:
        assert row["customers"] == len(calibration)  # scored on everyone
        assert row["actual_total"] == cdnow_split["frequency_holdout"].sum()
    # each model's figures are those of the model fitted on the sample
    bgnbd = fit_quietly("bgnbd", *(cdnow_split[c].to_numpy()[rows] for c in ("frequency_cal", "recency_cal", "T_cal")))
    predicted = bgnbd.conditional_expected_number_of_purchases_up_to_time(
        39.0, *(cdnow_split[c].to_numpy() for c in ("frequency_cal", "recency_cal", "T_cal"))
    )
    compared = {row["name"]: row for row in choice.summary["comparison"]}["bgnbd"]
    assert compared["predicted_total"] == pytest.approx(predicted.sum(), rel=1e-12)
    assert customer_value.comparison_sample(1000) is None


def test_the_equity_interval_narrows_as_customers_grow():
    """Parameter uncertainty shrinks like one over the square root of the customers: a quarter of
    the customers should give an interval about twice as wide."""
    from custlab.analysis.customer_value import CustomerValue, equity_intervals
    from custlab.sources.config import Settings

    data = simulated_bg_nbd(8000)
    widths = {}
    for n in (2000, 8000):
        part = data.iloc[:: 8000 // n]  # the same spread of ages
        x, t_x, age = (part[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        model = BetaGeoFitter().fit(x, t_x, age)
        value = CustomerValue(model, x, t_x, age, np.full(n, 50.0), np.full(n, 0.3), Settings())
        equity = float(value.clv().sum())
        first = equity_intervals(value, None, np.full(n, 50.0), [], equity, [])
        assert first == equity_intervals(value, None, np.full(n, 50.0), [], equity, [])  # seeded
        assert first["customer_equity_low"] < equity < first["customer_equity_high"]
        widths[n] = (first["customer_equity_high"] - first["customer_equity_low"]) / equity
    assert 1.4 < widths[2000] / widths[8000] < 2.8


def simulated_bg_nbd(customers: int, r=0.24, alpha=4.4, a=0.79, b=2.4, weeks=78.0, seed=4) -> pd.DataFrame:
    """BG/NBD customers with CDNOW-like parameters, simulated in closed form per customer."""
    from custlab.clv.simulate import beta_geometric_nbd_model

    return beta_geometric_nbd_model(np.linspace(30, weeks, customers), r, alpha, a, b, size=customers, seed=seed)


def test_pareto_nbd_value_of_a_customer_does_not_depend_on_who_is_computed_with_it():
    """lifetimes' own test compares the P(alive) matrix with one call per cell, to the last bit."""
    model = ParetoNBDFitter().with_params([0.5534, 10.5802, 0.6061, 11.6562])
    x, t_x = (v.ravel().astype(float) for v in np.meshgrid(np.arange(30), np.arange(39)))
    age = np.full(x.shape, 38.86)
    together = model.conditional_probability_alive(x, t_x, age)
    alone = [model.conditional_probability_alive(x[i : i + 1], t_x[i : i + 1], age[i : i + 1])[0] for i in range(len(x))]
    assert together.tolist() == alone
