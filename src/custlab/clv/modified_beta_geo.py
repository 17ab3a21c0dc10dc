"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007), by maximum likelihood.

As BG/NBD, except that a customer may also drop out right after the first
purchase, so customers with no repeat purchase are not all counted as alive.
Signatures follow lifetimes' ``ModifiedBetaGeoFitter``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from custlab.clv._fit import NO_DROPOUT, SAME_DROPOUT, SAME_RATE, Edge, as_float_array, like_input
from custlab.clv._purchase import PurchaseModel
from custlab.clv.beta_geo import BetaGeometricDropout, log_hyp2f1
from custlab.clv.simulate import modified_beta_geometric_nbd_model


class ModifiedBetaGeoFitter(BetaGeometricDropout, PurchaseModel):
    """MBG/NBD fitter: parameters ``r``, ``alpha`` (purchase rates) and ``a``, ``b`` (drop-out).

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (lifetimes' meaning).

    Attributes
    ----------
    params_, log_likelihood_, n_customers_, n_unique_rows_, standard_errors_,
    variance_matrix_, confidence_intervals_, summary, boundary_
        As :class:`custlab.clv.BetaGeoFitter`.
    """

    _param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)
    model_name = "MBG/NBD"
    _edges = (
        Edge({"a": 0.01}, NO_DROPOUT),
        Edge({"b": 100.0}, NO_DROPOUT),
        Edge({"r": 100.0, "alpha": 100.0}, SAME_RATE),
        Edge({"a": 100.0, "b": 100.0}, SAME_DROPOUT),
    )

    @staticmethod
    def _prepare(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, w: np.ndarray) -> dict:
        """Everything in the likelihood that does not depend on the parameters: as for
        :class:`custlab.clv.BetaGeoFitter`, terms in the frequency alone are summed by distinct
        frequency and terms in the age alone by distinct age, so per customer only the weight of
        "dropped out" remains (for every customer here: MBG/NBD lets one drop out after the first purchase)."""
        ix, ux = pd.factorize(x)
        i_age, u_age = pd.factorize(age)
        i_rec, u_rec = pd.factorize(t_x)
        return {
            "ux": ux, "W_u": np.bincount(ix, weights=w, minlength=len(ux)),
            "u_age": u_age, "W_T": np.bincount(i_age, weights=w, minlength=len(u_age)),
            "WX_T": np.bincount(i_age, weights=w * x, minlength=len(u_age)),
            "u_rec": u_rec, "total": float(w.sum()), "i_x": ix, "i_age": i_age, "i_rec": i_rec, "x": x, "w": w,
        }  # fmt: skip

    @staticmethod
    def _loglik_and_grad(params, data):
        """Weighted log-likelihood and gradient: A1 + A2 + A3 + softplus(A4) per customer, with
        A4 = log a - log(b+x) + (r+x)(log(alpha+T) - log(alpha+t_x)) the log-odds of "dropped out"."""
        r, alpha, a, b = params
        ux, W_u, W_T, WX_T, total = data["ux"], data["W_u"], data["W_T"], data["WX_T"], data["total"]
        x, w, i_x, i_age, i_rec = data["x"], data["w"], data["i_x"], data["i_age"], data["i_rec"]
        # per distinct frequency
        a12_u = gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux + 1) - gammaln(b) - gammaln(a + b + ux + 1)
        inv_bx_u = 1.0 / (b + ux)
        dig_abx_u = digamma(a + b + ux + 1)
        # per distinct age and recency
        log_ta_u, inv_ta_u = np.log(alpha + data["u_age"]), 1.0 / (alpha + data["u_age"])
        log_tx_u, inv_tx_u = np.log(alpha + data["u_rec"]), 1.0 / (alpha + data["u_rec"])
        # per customer: the log-odds of "dropped out" and its weight in the gradient
        gap = log_ta_u[i_age] - log_tx_u[i_rec]
        r_x = x + r
        a4 = (np.log(a) + np.log(inv_bx_u))[i_x] + r_x * gap
        softplus = np.logaddexp(0.0, a4)
        w_dropped = w * np.exp(a4 - softplus)

        ll = float(np.dot(W_u, a12_u)) + total * r * np.log(alpha) - r * float(np.dot(W_T, log_ta_u)) \
            - float(np.dot(WX_T, log_ta_u)) + float(np.dot(w, softplus))
        d_r = float(np.dot(W_u, digamma(r + ux))) - total * (digamma(r) - np.log(alpha)) - float(np.dot(W_T, log_ta_u)) \
            + float(np.dot(w_dropped, gap))
        d_alpha = total * r / alpha - r * float(np.dot(W_T, inv_ta_u)) - float(np.dot(WX_T, inv_ta_u)) \
            - float(np.dot(w_dropped * r_x, inv_tx_u[i_rec] - inv_ta_u[i_age]))
        dig_ab = digamma(a + b)
        d_a = total * dig_ab - float(np.dot(W_u, dig_abx_u)) + float(w_dropped.sum()) / a
        d_b = total * (dig_ab - digamma(b)) + float(np.dot(W_u, digamma(b + ux + 1) - dig_abx_u)) \
            - float(np.dot(np.bincount(i_x, weights=w_dropped, minlength=len(ux)), inv_bx_u))
        return ll, np.array([d_r, d_alpha, d_a, d_b])

    def _generate_new_data(self, size: int = 1) -> pd.DataFrame:
        return modified_beta_geometric_nbd_model(self.data["T"].to_numpy(), *self._unload_params("r", "alpha", "a", "b"), size=size)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T); below 1 even without repeat purchases (the customer may have left after the first)."""
        r, alpha, a, b = self._check_fitted()
        x, t_x, age = np.broadcast_arrays(as_float_array(frequency), as_float_array(recency), as_float_array(T))
        a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
        return np.atleast_1d(expit(-a4))

    def purchases_if_alive(self, t, frequency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` time units of a customer known to be alive."""
        r, alpha, a, b = self._check_fitted()
        t, x, age = np.broadcast_arrays(as_float_array(t), as_float_array(frequency), as_float_array(T))
        if a == 1.0:
            a = 1.0 + 1e-9
        z = t / (alpha + age + t)
        hyp = np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + t)) + log_hyp2f1(r + x, b + x + 1, a + b + x, z))
        value = (a + b + x) / (a - 1) * (1.0 - hyp)
        return np.where(np.isfinite(value), value, (r + x) / (alpha + age) * t)

    def expected_number_of_purchases_up_to_time(self, t):
        """Expected purchases of a new customer in its first ``t`` time units, E[X(t)]."""
        r, alpha, a, b = self._check_fitted()
        t_ = as_float_array(t)
        value = b / (a - 1) * (1 - hyp2f1(r, b + 1, a + b, t_ / (alpha + t_)) * (alpha / (alpha + t_)) ** r)
        return like_input(value, t)

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n) for a new customer."""
        r, alpha, a, b = self._check_fitted()
        log_q = np.log(alpha) - np.log(alpha + t)
        log_p = np.log(t) - np.log(alpha + t) if t > 0 else -np.inf
        first = np.exp(betaln(a, b + n + 1) - betaln(a, b) + gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * log_q + n * log_p)
        j = np.arange(n)
        partial = np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + j * log_p).sum()
        second = np.exp(betaln(a + 1, b + n) - betaln(a, b)) * (1 - np.exp(r * log_q) * partial)
        return first + second
