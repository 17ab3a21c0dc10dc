"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005), by maximum likelihood.

Customers buy at Poisson rate lambda ~ Gamma(r, alpha) while "alive" and, after
each purchase, drop out with probability p ~ Beta(a, b). From each customer's
frequency x (repeat purchases), recency t_x (time of the last purchase since the
first) and age T (time since the first purchase) the model gives the expected
number of purchases in a future period and the probability that the customer is
still alive.

Method names and signatures follow lifetimes' ``BetaGeoFitter``, so a lifetimes
user switches by changing the import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from custlab.clv._fit import (
    NO_DROPOUT,
    SAME_DROPOUT,
    SAME_RATE,
    ConvergenceError,
    Edge,
    as_float_array,
    factorize_rows,
    like_input,
)
from custlab.clv._purchase import PurchaseModel
from custlab.clv.simulate import beta_geometric_nbd_model

__all__ = ["BetaGeoFitter", "ConvergenceError", "calibration_holdout_table", "log_hyp2f1"]


def log_hyp2f1(a, b, c, z) -> np.ndarray:
    """log 2F1(a, b; c; z) for 0 <= z < 1, through Euler's transformation where the series overflows
    (large a and b, as for customers with hundreds of purchases)."""
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        result = np.log(hyp2f1(a, b, c, z))
        bad = ~np.isfinite(result)
        if bad.any():
            a, b, c, z = a[bad], b[bad], c[bad], z[bad]
            result[bad] = np.log(hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    return result


class BetaGeometricDropout:
    """What BG/NBD and MBG/NBD share: parameters r, alpha, a, b, the last two a beta-geometric drop-out."""

    @staticmethod
    def _start(rows: dict, w: np.ndarray) -> np.ndarray:
        return np.array([1.0, max(float(np.average(rows["T"], weights=w)), 1e-3), 1.0, 1.0])

    def _dropout_params(self, params: np.ndarray, factor: float) -> np.ndarray:
        """The mean drop-out probability a / (a + b) times ``factor``, keeping a + b (the spread across customers alike)."""
        return np.r_[params[:2], dropout_scale(pd.Series(params, index=self._param_names), factor)[["a", "b"]].to_numpy()]


class BetaGeoFitter(BetaGeometricDropout, PurchaseModel):
    """BG/NBD fitter, scikit-learn style: settings in ``__init__``, learning in ``fit``.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (lifetimes' meaning); 0 gives plain maximum
        likelihood.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b`` after :meth:`fit`.
    log_likelihood_ : float
        Weighted log-likelihood at ``params_``.
    n_customers_ : float
        Total weight (number of customers) fitted.
    n_unique_rows_ : int
        Distinct (frequency, recency, T) rows the likelihood was evaluated on.
    standard_errors_, variance_matrix_, confidence_intervals_, summary
        Uncertainty of the parameters from the observed information.
    boundary_ : list of str
        Parameters whose maximum lies on the edge (``["a"]`` when no drop-out shows).

    Examples
    --------
    >>> bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    >>> bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    """

    _param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    model_name = "BG/NBD"
    _edges = (
        Edge({"a": 0.01}, NO_DROPOUT),
        Edge({"b": 100.0}, NO_DROPOUT),
        Edge({"r": 100.0, "alpha": 100.0}, SAME_RATE),
        Edge({"a": 100.0, "b": 100.0}, SAME_DROPOUT),
    )

    @staticmethod
    def _prepare(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, w: np.ndarray) -> dict:
        """Everything in the likelihood that does not depend on the parameters.

        The likelihood of a customer is a mix of "dropped out after the last
        purchase" and "still alive"; terms in the frequency only are summed by
        distinct frequency, terms in the age only by distinct age (``W_T``,
        ``WX_T``), so per customer only the mixing weight remains, and only for
        customers with repeat purchases.
        """
        ix, ux = pd.factorize(x)
        i_age, u_age = pd.factorize(age)
        repeat = x > 0
        i_rec, u_rec = pd.factorize(t_x[repeat])
        return {
            "ux": ux, "W_u": np.bincount(ix, weights=w, minlength=len(ux)),
            "u_age": u_age, "W_T": np.bincount(i_age, weights=w, minlength=len(u_age)),
            "WX_T": np.bincount(i_age, weights=w * x, minlength=len(u_age)),
            "u_rec": u_rec, "total": float(w.sum()),
            # customers with repeat purchases
            "i_x1": ix[repeat], "i_age1": i_age[repeat], "i_rec1": i_rec, "x1": x[repeat], "w1": w[repeat],
        }  # fmt: skip

    @staticmethod
    def _loglik_and_grad(params, data):
        """Weighted log-likelihood and gradient (natural parameters).

        With a3 = -(r+x) log(alpha+T) and a4 = log a - log(b+x-1) - (r+x) log(alpha+t_x),
        a customer's log-likelihood is A(x) + r log alpha + a3 + softplus(a4 - a3)
        (no softplus for x = 0); ``w4`` = sigmoid(a4 - a3) is the weight of the
        "dropped out" branch in the gradient.
        """
        r, alpha, a, b = params
        ux, W_u, W_T, WX_T, total = data["ux"], data["W_u"], data["W_T"], data["WX_T"], data["total"]
        x1, w1, i_x1 = data["x1"], data["w1"], data["i_x1"]
        # per distinct frequency
        repeat_u = ux > 0
        b_x1_u = np.where(repeat_u, b + ux - 1, 1.0)
        c_u = np.where(repeat_u, np.log(a) - np.log(b_x1_u), 0.0)
        inv_bx_u = np.where(repeat_u, 1.0 / b_x1_u, 0.0)
        dig_rx_u, dig_bx_u, dig_abx_u = digamma(r + ux), digamma(b + ux), digamma(a + b + ux)
        a12_u = gammaln(r + ux) - gammaln(r) + betaln(a, b + ux) - betaln(a, b)
        # per distinct age and recency
        log_ta_u, inv_ta_u = np.log(alpha + data["u_age"]), 1.0 / (alpha + data["u_age"])
        log_tx_u, inv_tx_u = np.log(alpha + data["u_rec"]), 1.0 / (alpha + data["u_rec"])
        # per customer with repeat purchases
        log_ta1 = log_ta_u[data["i_age1"]]
        gap = log_ta1 - log_tx_u[data["i_rec1"]]  # log(alpha+T) - log(alpha+t_x) >= 0
        r_x1 = x1 + r
        z = c_u[i_x1] + r_x1 * gap
        softplus = np.logaddexp(0.0, z)
        w_w4 = w1 * np.exp(z - softplus)
        inv_gap = inv_tx_u[data["i_rec1"]] - inv_ta_u[data["i_age1"]]

        ll = float(np.dot(W_u, a12_u)) + total * r * np.log(alpha) - r * float(np.dot(W_T, log_ta_u)) \
            - float(np.dot(WX_T, log_ta_u)) + float(np.dot(w1, softplus))
        sum_w4 = float(w_w4.sum())
        d_r = float(np.dot(W_u, dig_rx_u)) - total * (digamma(r) - np.log(alpha)) - float(np.dot(W_T, log_ta_u)) \
            + float(np.dot(w_w4, gap))
        d_alpha = total * r / alpha - r * float(np.dot(W_T, inv_ta_u)) - float(np.dot(WX_T, inv_ta_u)) \
            - float(np.dot(w_w4 * r_x1, inv_gap))
        dig_ab = digamma(a + b)
        d_a = total * dig_ab - float(np.dot(W_u, dig_abx_u)) + sum_w4 / a
        d_b = total * (dig_ab - digamma(b)) + float(np.dot(W_u, dig_bx_u - dig_abx_u)) \
            - float(np.dot(np.bincount(i_x1, weights=w_w4, minlength=len(ux)), inv_bx_u))
        return ll, np.array([d_r, d_alpha, d_a, d_b])

    def _generate_new_data(self, size: int = 1) -> pd.DataFrame:
        """Simulated customers with this model's parameters and the fitted ages (lifetimes' ``generate_new_data``)."""
        return beta_geometric_nbd_model(self.data["T"].to_numpy(), *self._unload_params("r", "alpha", "a", "b"), size=size)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T): 1 for customers without repeat purchases."""
        r, alpha, a, b = self._check_fitted()
        x, t_x, age = np.broadcast_arrays(as_float_array(frequency), as_float_array(recency), as_float_array(T))
        log_ratio = np.full(x.shape, -np.inf)
        repeat = x > 0
        log_ratio[repeat] = (
            np.log(a) - np.log(b + x[repeat] - 1) + (r + x[repeat]) * (np.log(alpha + age[repeat]) - np.log(alpha + t_x[repeat]))
        )
        return np.atleast_1d(expit(-log_ratio))  # 1 / (1 + odds of "dropped out"), without over- or underflow

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in the next ``t`` time units of a customer with history (x, t_x, T).

        The hypergeometric part depends on (t, x, T) only; it is evaluated once
        per distinct combination, which many customers share. A Series indexed
        like the input when the input is a Series.
        """
        self._check_fitted()
        raw = [as_float_array(v) for v in (t, frequency, recency, T)]
        t_, x, t_x, age = np.broadcast_arrays(*raw)
        shape = x.shape
        t_, x, t_x, age = (v.ravel() for v in (t_, x, t_x, age))
        if x.size > 1000:
            codes, (ut, ux, ua) = factorize_rows(t_, x, age)
        else:
            codes, ut, ux, ua = np.arange(x.size), t_, x, age
        result = (self.purchases_if_alive(ut, ux, ua)[codes] * self.conditional_probability_alive(x, t_x, age)).reshape(shape)
        return like_input(result, frequency, recency, T, t)

    def purchases_if_alive(self, t, frequency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` time units of a customer known to be alive.

        The conditional expectation is this times P(alive); it depends on the
        frequency and age only, not on recency, so callers that need it for
        many horizons evaluate it on the distinct (frequency, T) pairs.
        """
        r, alpha, a, b = self._check_fitted()
        t, x, age = np.broadcast_arrays(as_float_array(t), as_float_array(frequency), as_float_array(T))
        z = t / (alpha + age + t)
        log_base = (r + x) * (np.log(alpha + age) - np.log(alpha + age + t))
        if a == 1.0:  # the closed form is 0/0 there; the function is smooth through it
            a = 1.0 + 1e-9
        hyp = np.exp(log_base + log_hyp2f1(r + x, b + x, a + b + x - 1, z))
        value = (a + b + x - 1) / (a - 1) * (1.0 - hyp)
        # At the edge a -> 0 (no drop-out) the closed form tends to the Poisson-gamma rate times t.
        return np.where(np.isfinite(value), value, (r + x) / (alpha + age) * t)

    def expected_number_of_purchases_up_to_time(self, t):
        """Expected purchases of a new customer in its first ``t`` time units, E[X(t)]."""
        r, alpha, a, b = self._check_fitted()
        t_ = as_float_array(t)
        z = t_ / (alpha + t_)
        value = (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t_)) ** r * hyp2f1(r, b, a + b - 1, z))
        return like_input(value, t)

    def probability_of_n_purchases_up_to_time(self, t, n):
        r"""P(X(t) = n): the probability that a new customer makes ``n`` repeat purchases in ``(0, t]``."""
        r, alpha, a, b = self._check_fitted()
        log_q = np.log(alpha) - np.log(alpha + t)
        log_p = np.log(t) - np.log(alpha + t) if t > 0 else -np.inf
        first = np.exp(betaln(a, b + n) - betaln(a, b) + gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * log_q + n * log_p)
        if n > 0:
            j = np.arange(n)
            partial = np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + j * log_p).sum()
            second = np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * (1 - np.exp(r * log_q) * partial)
        else:
            second = 0.0
        return first + second


def dropout_scale(params: pd.Series, factor: float) -> pd.Series:
    """BG/NBD parameters with the mean drop-out probability multiplied by ``factor``.

    In BG/NBD a customer drops out after each purchase with probability
    p ~ Beta(a, b), mean a / (a + b). "Retention + k points" on an observed
    period retention R cuts defections from 1 - R to 1 - R - k, a factor
    (1 - R - k) / (1 - R); the model's mean drop-out is cut by the same factor,
    keeping a + b (so the spread across customers stays alike).
    """
    if factor < 0:
        raise ValueError("factor must be >= 0")
    a, b = float(params["a"]), float(params["b"])
    new_mean = max(a / (a + b) * factor, 1e-9)
    scaled = params.copy()
    scaled["a"] = new_mean * (a + b)
    scaled["b"] = (a + b) - scaled["a"]
    return scaled


def calibration_holdout_table(model, split: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Parameters
    ----------
    model : PurchaseModel
        Fitted on the calibration columns of ``split``.
    split : DataFrame
        :func:`custlab.clv.rfm_summary` output with ``calibration_end``
        (``frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout``).
    max_frequency : int
        Calibration frequencies from this one up are pooled (``7+``).

    Returns
    -------
    DataFrame
        Index ``calibration_purchases``; columns ``customers``, ``actual``,
        ``predicted``. ``attrs`` hold ``actual_total`` and ``predicted_total``.
    """
    predicted = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        split["duration_holdout"].to_numpy(), split["frequency_cal"].to_numpy(), split["recency_cal"].to_numpy(), split["T_cal"].to_numpy()
    ))  # fmt: skip
    frame = pd.DataFrame(
        {"frequency": split["frequency_cal"].to_numpy(), "actual": split["frequency_holdout"].to_numpy(), "predicted": predicted}
    )
    label = frame["frequency"].clip(upper=max_frequency).astype(int).astype(str)
    label = label.where(frame["frequency"] < max_frequency, f"{max_frequency}+")
    table = frame.groupby(label).agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    table = table.reindex([o for o in order if o in table.index])
    table.index.name = "calibration_purchases"
    table.attrs["actual_total"] = float(frame["actual"].sum())
    table.attrs["predicted_total"] = float(frame["predicted"].sum())
    return table
