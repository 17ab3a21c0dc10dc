"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

Each subscriber renews every period with its own probability 1 - theta, theta
~ Beta(alpha, beta) across subscribers. Because the most churn-prone leave
first, the aggregate retention rate rises with tenure:
r(t) = (beta + t - 1) / (alpha + beta + t - 1). Fitted by maximum likelihood on
tenure and churn (a customer who churned at tenure t, or is still active at t).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1
from threadpoolctl import threadpool_limits

from custlab.clv._fit import ConvergenceError, collapse, flat_optimum

#: Largest alpha + beta the fit allows. Beyond it the spread of churn
#: probabilities across customers is nil: every customer churns with the same
#: probability (a plain geometric model), and the fit reports that.
MAX_CONCENTRATION = 1e7


class ShiftedBetaGeometricFitter:
    """sBG fitter, scikit-learn style.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on alpha and beta; 0 for plain maximum likelihood.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha`` and ``beta``.
    log_likelihood_ : float
    n_customers_ : float
    homogeneous_ : bool
        True when the data show no spread in churn probability (alpha + beta at
        its upper limit): every customer churns with ``alpha / (alpha + beta)``.
    """

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _loglik_and_grad(params, t, churned, w):
        alpha, beta = params
        base = betaln(alpha, beta)
        d_base_a = digamma(alpha) - digamma(alpha + beta)
        d_base_b = digamma(beta) - digamma(alpha + beta)
        # churned in period t: B(alpha + 1, beta + t - 1) / B(alpha, beta); alive after t: B(alpha, beta + t) / B(alpha, beta)
        a_arg = np.where(churned, alpha + 1.0, alpha)
        b_arg = np.where(churned, beta + t - 1.0, beta + t)
        ll = betaln(a_arg, b_arg) - base
        total = digamma(a_arg + b_arg)
        d_a = digamma(a_arg) - total - d_base_a
        d_b = digamma(b_arg) - total - d_base_b
        return float(np.dot(w, ll)), np.array([np.dot(w, d_a), np.dot(w, d_b)])

    def fit(self, tenure, churned, weights=None) -> "ShiftedBetaGeometricFitter":
        """Fit alpha and beta.

        Parameters
        ----------
        tenure : array-like of int
            Periods as a customer: for a churned customer the period in which it
            left (>= 1); for an active one the periods it has renewed so far (>= 0).
        churned : array-like of bool
            True where the customer has left.
        weights : array-like, optional
            Customers each row stands for.
        """
        t = np.asarray(tenure, dtype=float)
        c = np.asarray(churned, dtype=bool)
        if len(t) == 0 or np.any(t < 0) or np.any(c & (t < 1)):
            raise ValueError("tenure must be >= 0, and >= 1 for churned customers")
        rows, w = collapse({"t": t, "c": c.astype(float)}, weights)
        died = rows["c"] > 0
        total = float(w.sum())

        # Optimise the mean churn probability (logit) and the concentration
        # alpha + beta (log, bounded), so a homogeneous population converges
        # to the bound instead of running off to infinity.
        def objective(z):
            mean = 1.0 / (1.0 + np.exp(-z[0]))
            kappa = np.exp(z[1])
            params = np.array([mean * kappa, (1.0 - mean) * kappa])
            value, (d_alpha, d_beta) = self._loglik_and_grad(params, rows["t"], died, w)
            value -= self.penalizer_coef * np.sum(params**2)
            d_alpha -= 2 * self.penalizer_coef * params[0]
            d_beta -= 2 * self.penalizer_coef * params[1]
            grad = np.array([(d_alpha - d_beta) * kappa * mean * (1 - mean), (d_alpha * mean + d_beta * (1 - mean)) * kappa])
            if not np.isfinite(value):
                return np.inf, np.zeros(2)
            return -value / total, -grad / total

        churn_share = float(np.dot(w, died) / max(np.dot(w, np.maximum(rows["t"], 1)), 1.0))
        start = np.array([np.log(max(churn_share, 1e-6) / (1 - min(churn_share, 0.999))), 0.0])
        with threadpool_limits(1, user_api="blas"):
            result = minimize(
                objective, start, jac=True, method="L-BFGS-B",
                bounds=[(-30.0, 30.0), (np.log(1e-6), np.log(MAX_CONCENTRATION))],
                options={"maxiter": 2000, "gtol": 1e-10, "ftol": 1e-15},
            )  # fmt: skip
        mean = 1.0 / (1.0 + np.exp(-result.x[0]))
        kappa = float(np.exp(result.x[1]))
        params = np.array([mean * kappa, (1.0 - mean) * kappa])
        ll, _ = self._loglik_and_grad(params, rows["t"], died, w)
        at_bound = abs(result.x[1] - np.log(MAX_CONCENTRATION)) < 1e-6
        if not np.isfinite(ll) or not (result.success or at_bound or flat_optimum(result)):
            raise ConvergenceError(f"sBG fit did not converge: {result.message}")
        self.params_ = pd.Series(params, index=["alpha", "beta"])
        self.log_likelihood_ = float(ll)
        self.n_customers_ = total
        self.homogeneous_ = bool(kappa >= MAX_CONCENTRATION * 0.999)
        return self

    def _params(self):
        if not hasattr(self, "params_"):
            raise AttributeError("ShiftedBetaGeometricFitter is not fitted yet: call fit() first")
        return float(self.params_["alpha"]), float(self.params_["beta"])

    def survival_function(self, t) -> np.ndarray:
        """Share of a new cohort still a customer after ``t`` periods: B(alpha, beta + t) / B(alpha, beta)."""
        alpha, beta = self._params()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))

    def retention_rate(self, t) -> np.ndarray:
        """Share of customers alive at period t - 1 who renew at period t."""
        alpha, beta = self._params()
        t = np.asarray(t, dtype=float)
        return (beta + t - 1.0) / (alpha + beta + t - 1.0)

    def discounted_expected_residual_lifetime(self, tenure, discount_rate: float) -> np.ndarray:
        """DERL of a customer who has renewed ``tenure`` times (Fader & Hardie 2010).

        The expected number of further payments, each discounted at
        ``discount_rate`` per period, counting the next renewal as the first.
        """
        alpha, beta = self._params()
        n = np.asarray(tenure, dtype=float)
        ratio = (beta + n) / (alpha + beta + n)
        return ratio * hyp2f1(1.0, beta + n + 1.0, alpha + beta + n + 1.0, 1.0 / (1.0 + discount_rate)) / (1.0 + discount_rate)

    def with_mean_churn(self, mean_churn: float) -> "ShiftedBetaGeometricFitter":
        """A copy whose mean churn probability alpha / (alpha + beta) is ``mean_churn`` (alpha + beta kept)."""
        alpha, beta = self._params()
        total = alpha + beta
        new_alpha = min(max(mean_churn, 1e-9), 1 - 1e-9) * total
        other = ShiftedBetaGeometricFitter(self.penalizer_coef)
        other.params_ = pd.Series([new_alpha, total - new_alpha], index=["alpha", "beta"])
        other.log_likelihood_ = float("nan")
        other.n_customers_ = getattr(self, "n_customers_", float("nan"))
        return other
