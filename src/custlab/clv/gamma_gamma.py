"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005), by maximum likelihood.

Each customer's transaction values are Gamma(p, nu) with nu ~ Gamma(q, gamma)
across customers. Fitted on customers with at least one repeat purchase, it
shrinks each customer's observed average spend towards the population mean, the
more so the fewer transactions the average rests on. It assumes spend does not
depend on purchase frequency, and it cannot use zero or negative spend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from custlab.clv._fit import as_float_array, collapse, maximise


class GammaGammaFitter:
    """Gamma-Gamma spend model, scikit-learn style.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (lifetimes' meaning).

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``v`` (lifetimes' name for gamma) after :meth:`fit`.
    log_likelihood_ : float
        Weighted log-likelihood at ``params_``.
    n_customers_ : float
        Total weight fitted (customers with repeat purchases).
    """

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _loglik_and_grad(params, rows, w):
        """Weighted log-likelihood and gradient; special functions on distinct frequencies only."""
        p, q, v = params
        ux, ix, x, m, log_m, log_x = rows["ux"], rows["ix"], rows["x"], rows["m"], rows["log_m"], rows["log_x"]
        pux = p * ux
        lg_u = gammaln(pux + q) - gammaln(pux)
        dg_sum_u = digamma(pux + q)
        dg_px_u = digamma(pux)
        px = p * x
        xm_v = x * m + v
        log_xm_v = np.log(xm_v)
        ll = lg_u[ix] - gammaln(q) + q * np.log(v) + (px - 1) * log_m + px * log_x - (px + q) * log_xm_v
        d_p = x * (dg_sum_u[ix] - dg_px_u[ix] + log_m + log_x - log_xm_v)
        d_q = dg_sum_u[ix] - digamma(q) + np.log(v) - log_xm_v
        d_v = q / v - (px + q) / xm_v
        grad = np.array([np.dot(w, d_p), np.dot(w, d_q), np.dot(w, d_v)])
        return float(np.dot(w, ll)), grad

    def fit(self, frequency, monetary_value, weights=None, initial_params=None) -> "GammaGammaFitter":
        """Fit p, q and gamma by maximum likelihood.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases; must be > 0 (filter out one-time buyers first).
        monetary_value : array-like
            Average value of the repeat purchases; must be > 0.
        weights : array-like, optional
            Number of customers each row stands for.

        Raises
        ------
        ValueError
            On a customer without repeat purchases or with non-positive spend.
        """
        x, m = as_float_array(frequency), as_float_array(monetary_value)
        if len(x) == 0:
            raise ValueError("GammaGammaFitter.fit needs at least one customer with repeat purchases")
        if np.any(x <= 0) or np.any(m <= 0):
            raise ValueError("Gamma-Gamma needs frequency > 0 and monetary_value > 0: drop one-time buyers and zero spend")
        rows, w = collapse({"x": x, "m": m}, weights)
        rows["ix"], rows["ux"] = pd.factorize(rows["x"])
        rows["log_m"], rows["log_x"] = np.log(rows["m"]), np.log(rows["x"])
        mean = float(np.average(rows["m"], weights=w))
        start = np.asarray(initial_params, dtype=float) if initial_params is not None else np.array([1.0, 1.0, mean])
        params, ll = maximise(
            lambda prm: self._loglik_and_grad(prm, rows, w),
            start, float(w.sum()), self.penalizer_coef, "Gamma-Gamma",
        )  # fmt: skip
        self.params_ = pd.Series(params, index=["p", "q", "v"])
        self.log_likelihood_ = ll
        self.n_customers_ = float(w.sum())
        return self

    def conditional_expected_average_profit(self, frequency, monetary_value) -> np.ndarray:
        """Expected average spend per transaction given x repeat purchases averaging m.

        For x = 0 this is the population mean ``p * v / (q - 1)``.
        """
        if not hasattr(self, "params_"):
            raise AttributeError("GammaGammaFitter is not fitted yet: call fit() first")
        p, q, v = self.params_[["p", "q", "v"]].to_numpy()
        x, m = np.broadcast_arrays(as_float_array(frequency), np.nan_to_num(as_float_array(monetary_value)))
        return p * (v + x * m) / (p * x + q - 1)
