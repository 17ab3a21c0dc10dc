"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005), by maximum likelihood.

Customers buy at Poisson rate lambda ~ Gamma(r, alpha) while "alive" and, after
each purchase, drop out with probability p ~ Beta(a, b). From each customer's
frequency x (repeat purchases), recency t_x (time of the last purchase since the
first) and age T (time since the first purchase) the model gives the expected
number of purchases in a future period and the probability that the customer is
still alive.

Method names follow lifetimes' ``BetaGeoFitter``, so a lifetimes user switches
by changing the import.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, hyp2f1

from custlab.clv._fit import ConvergenceError, as_float_array, collapse, factorize_rows, maximise

__all__ = ["BetaGeoFitter", "ConvergenceError"]


class BetaGeoFitter:
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

    Examples
    --------
    >>> bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    >>> bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    """

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _loglik_and_grad(params, rows, w):
        """Weighted log-likelihood and gradient (natural parameters).

        Special functions depend on the frequency only, so they are evaluated on
        the distinct frequencies (``rows["ux"]``) and indexed (``rows["ix"]``);
        per customer only logarithms remain.
        """
        r, alpha, a, b = params
        ux, ix, t_x, T = rows["ux"], rows["ix"], rows["t_x"], rows["T"]
        x = ux[ix]
        repeat_u = ux > 0
        # per distinct frequency
        a1_u = gammaln(r + ux) - gammaln(r)
        a2_u = betaln(a, b + ux) - betaln(a, b)
        log_bx_u = np.where(repeat_u, np.log(np.where(repeat_u, b + ux - 1, 1.0)), 0.0)
        dig_rx_u = digamma(r + ux)
        dig_bx_u = digamma(b + ux)
        dig_abx_u = digamma(a + b + ux)
        # per customer
        log_ta = np.log(alpha + T)
        log_tx = np.log(alpha + t_x)
        a3 = -(r + x) * log_ta
        a4 = np.where(x > 0, np.log(a) - log_bx_u[ix] - (r + x) * log_tx, -np.inf)
        mix = np.logaddexp(a3, a4)
        ll = a1_u[ix] + r * np.log(alpha) + a2_u[ix] + mix
        w3 = np.exp(a3 - mix)
        w4 = 1.0 - w3
        w4[x == 0] = 0.0
        dig_ab = digamma(a + b)
        inv_bx_u = np.where(repeat_u, 1.0 / np.where(repeat_u, b + ux - 1, 1.0), 0.0)
        d_r = dig_rx_u[ix] - digamma(r) + np.log(alpha) - w3 * log_ta - w4 * log_tx
        d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
        d_a = dig_ab - dig_abx_u[ix] + w4 / a
        d_b = dig_ab + dig_bx_u[ix] - digamma(b) - dig_abx_u[ix] - w4 * inv_bx_u[ix]
        grad = np.array([np.dot(w, d) for d in (d_r, d_alpha, d_a, d_b)])
        return float(np.dot(w, ll)), grad

    def fit(self, frequency, recency, T, weights=None, initial_params=None) -> "BetaGeoFitter":
        """Fit the four parameters by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of last purchase since the first, and age, in
            one time unit (e.g. weeks), as :func:`custlab.clv.rfm_summary` gives them.
        weights : array-like, optional
            Number of customers each row stands for.
        initial_params : sequence of 4 floats, optional
            Start of the optimisation (r, alpha, a, b); by default a start scaled
            to the data.

        Raises
        ------
        ValueError
            On negative values or recency above T.
        ConvergenceError
            When the optimiser does not converge.
        """
        x, t_x, age = as_float_array(frequency), as_float_array(recency), as_float_array(T)
        if len(x) == 0:
            raise ValueError("BetaGeoFitter.fit needs at least one customer")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(age < 0) or np.any(t_x > age + 1e-9):
            raise ValueError("frequency, recency and T must be >= 0 and recency <= T")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(age))):
            raise ValueError("frequency, recency and T must be finite numbers (no NaN)")
        if np.any((x == 0) & (t_x > 0)):
            raise ValueError("a customer with frequency 0 must have recency 0")
        if not np.any(x > 0):
            raise ValueError("BG/NBD needs at least one customer with a repeat purchase")
        rows, w = collapse({"x": x, "t_x": t_x, "T": age}, weights)
        rows["ix"], rows["ux"] = pd.factorize(rows["x"])
        start = np.asarray(initial_params, dtype=float) if initial_params is not None else np.array(
            [1.0, max(float(np.average(rows["T"], weights=w)), 1e-3), 1.0, 1.0]
        )
        params, ll = maximise(
            lambda p: self._loglik_and_grad(p, rows, w),
            start, float(w.sum()), self.penalizer_coef, "BG/NBD",
        )  # fmt: skip
        self.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
        self.log_likelihood_ = ll
        self.n_customers_ = float(w.sum())
        self.n_unique_rows_ = len(w)
        return self

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise AttributeError("BetaGeoFitter is not fitted yet: call fit() first")
        return self.params_[["r", "alpha", "a", "b"]].to_numpy()

    def conditional_probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive | x, t_x, T): 1 for customers without repeat purchases."""
        r, alpha, a, b = self._check_fitted()
        x, t_x, age = np.broadcast_arrays(as_float_array(frequency), as_float_array(recency), as_float_array(T))
        log_ratio = np.full(x.shape, -np.inf)
        repeat = x > 0
        log_ratio[repeat] = (
            np.log(a) - np.log(b + x[repeat] - 1) + (r + x[repeat]) * (np.log(alpha + age[repeat]) - np.log(alpha + t_x[repeat]))
        )
        return np.exp(-np.logaddexp(0.0, log_ratio))

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` time units of a customer with history (x, t_x, T).

        The hypergeometric part depends on (t, x, T) only; it is evaluated once
        per distinct combination, which many customers share.
        """
        r, alpha, a, b = self._check_fitted()
        t, x, t_x, age = np.broadcast_arrays(as_float_array(t), as_float_array(frequency), as_float_array(recency), as_float_array(T))
        shape = x.shape
        t, x, t_x, age = (v.ravel() for v in (t, x, t_x, age))
        if x.size > 1000:
            codes, (ut, ux, ua) = factorize_rows(t, x, age)
        else:
            codes, ut, ux, ua = np.arange(x.size), t, x, age
        z = ut / (alpha + ua + ut)
        log_base = (r + ux) * (np.log(alpha + ua) - np.log(alpha + ua + ut))
        part = (a + b + ux - 1) / (a - 1) * (1.0 - np.exp(log_base) * hyp2f1(r + ux, b + ux, a + b + ux - 1, z))
        return (part[codes] * self.conditional_probability_alive(x, t_x, age)).reshape(shape)

    def expected_number_of_purchases_up_to_time(self, t) -> np.ndarray:
        """Expected purchases of a new customer in its first ``t`` time units, E[X(t)]."""
        r, alpha, a, b = self._check_fitted()
        t = as_float_array(t)
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def predict(self, t, frequency, recency, T) -> np.ndarray:
        """Alias of :meth:`conditional_expected_number_of_purchases_up_to_time` (lifetimes' name)."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)


def calibration_holdout_table(model: BetaGeoFitter, split: pd.DataFrame, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases, actual and predicted, by calibration frequency.

    Parameters
    ----------
    model : BetaGeoFitter
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
    predicted = model.conditional_expected_number_of_purchases_up_to_time(
        split["duration_holdout"], split["frequency_cal"], split["recency_cal"], split["T_cal"]
    )
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
