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
        data = self._prepare(rows["x"], rows["t_x"], rows["T"], w)
        start = np.asarray(initial_params, dtype=float) if initial_params is not None else np.array(
            [1.0, max(float(np.average(rows["T"], weights=w)), 1e-3), 1.0, 1.0]
        )
        params, ll = maximise(
            lambda p: self._loglik_and_grad(p, data),
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
        self._check_fitted()
        t, x, t_x, age = np.broadcast_arrays(as_float_array(t), as_float_array(frequency), as_float_array(recency), as_float_array(T))
        shape = x.shape
        t, x, t_x, age = (v.ravel() for v in (t, x, t_x, age))
        if x.size > 1000:
            codes, (ut, ux, ua) = factorize_rows(t, x, age)
        else:
            codes, ut, ux, ua = np.arange(x.size), t, x, age
        return (self.purchases_if_alive(ut, ux, ua)[codes] * self.conditional_probability_alive(x, t_x, age)).reshape(shape)

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
        return (a + b + x - 1) / (a - 1) * (1.0 - np.exp(log_base) * hyp2f1(r + x, b + x, a + b + x - 1, z))

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
