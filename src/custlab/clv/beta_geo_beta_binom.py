"""The BG/BB model of discrete-time repeat buying (Fader, Hardie & Shang 2010), by maximum likelihood.

Over ``n`` discrete opportunities (yearly donations, annual events, renewals)
an alive customer transacts with probability p ~ Beta(alpha, beta) at each one,
and drops out before each with probability theta ~ Beta(gamma, delta). From
frequency x (transactions), recency t_x (the opportunity of the last) and n the
model gives the probability of being alive and the expected transactions over
the next opportunities. Signatures follow lifetimes' ``BetaGeoBetaBinomFitter``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, binom, digamma, gammaln, logsumexp

from custlab.clv._fit import (
    NO_DROPOUT,
    SAME_DROPOUT,
    BaseFitter,
    Edge,
    as_float_array,
    collapse,
    like_input,
    maximise,
)
from custlab.clv._purchase import check_inputs
from custlab.clv.simulate import beta_geometric_beta_binom_model


def _d_betaln(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of log B(u, v) in u and in v."""
    both = digamma(u + v)
    return digamma(u) - both, digamma(v) - both


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB fitter: ``alpha``, ``beta`` (transaction probability) and ``gamma``, ``delta`` (drop-out).

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (lifetimes' meaning).
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    model_name = "BG/BB"
    _edges = (
        Edge({"gamma": 0.01}, NO_DROPOUT),
        Edge({"delta": 100.0}, NO_DROPOUT),
        Edge({"alpha": 100.0, "beta": 100.0}, "customers transact with much the same probability: no spread"),
        Edge({"gamma": 100.0, "delta": 100.0}, SAME_DROPOUT),
    )

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _terms(params, x, t_x, n):
        """log of the "alive after n" term A and of each "dropped out after opportunity t_x + j" term
        of B (rows x j, -inf past n - t_x - 1), with their derivatives."""
        alpha, beta, gamma, delta = params
        base = betaln(alpha, beta) + betaln(gamma, delta)
        da0, db0 = _d_betaln(alpha, beta)
        dg0, dd0 = _d_betaln(gamma, delta)
        log_a = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - base
        da1, db1 = _d_betaln(alpha + x, beta + n - x)
        dg1, dd1 = _d_betaln(gamma, delta + n)
        grad_a = np.stack([da1 - da0, db1 - db0, dg1 - dg0, dd1 - dd0])
        j = np.arange(int(np.max(n - t_x)) if len(n) else 0)[None, :]
        valid = j < (n - t_x)[:, None]
        tj = t_x[:, None] + j
        u1, v1, u2, v2 = alpha + x[:, None], beta + tj - x[:, None], gamma + 1.0, delta + tj
        log_b = np.where(valid, betaln(u1, v1) + betaln(u2, v2) - base, -np.inf)
        du1, dv1 = _d_betaln(u1, v1)
        du2, dv2 = _d_betaln(u2, v2)
        grad_b = np.stack([du1 - da0, dv1 - db0, du2 - dg0, dv2 - dd0])
        return log_a, grad_a, log_b, grad_b

    @classmethod
    def _loglik_rows(cls, params, x, t_x, n, gradient: bool = False):
        log_a, grad_a, log_b, grad_b = cls._terms(params, x, t_x, n)
        with np.errstate(divide="ignore"):
            log_b_sum = logsumexp(log_b, axis=1) if log_b.shape[1] else np.full(len(x), -np.inf)
        ll = np.logaddexp(log_a, log_b_sum)
        if not gradient:
            return ll
        share_a = np.exp(log_a - ll)
        shares_b = np.exp(log_b - ll[:, None]) if log_b.shape[1] else np.zeros((len(x), 0))
        grad = share_a * grad_a + (shares_b[None] * np.nan_to_num(grad_b)).sum(axis=2)
        return ll, grad

    def fit(self, frequency, recency, n_periods, weights=None, initial_params=None, verbose: bool = False,
            tol: float = 1e-7, index=None, **kwargs) -> BetaGeoBetaBinomFitter:  # fmt: skip
        """Fit alpha, beta, gamma and delta by maximum likelihood.

        Parameters
        ----------
        frequency, recency, n_periods : array-like of int
            Transactions, the opportunity of the last one (0 without any) and
            the opportunities observed.
        weights : array-like, optional
            Customers each row stands for (the donations data come grouped).
        initial_params : sequence, optional
            Start, natural scale.
        tol, verbose, **kwargs
            Accepted for lifetimes' signature.
        """
        x, t_x, n = as_float_array(frequency), as_float_array(recency), as_float_array(n_periods)
        w_in = None if weights is None else as_float_array(weights)
        check_inputs(x, t_x, n)
        rows, w = collapse({"x": x, "t_x": t_x, "n": n}, w_in)

        def loglik(params):
            ll, grad = self._loglik_rows(params, rows["x"], rows["t_x"], rows["n"], gradient=True)
            return float(np.dot(w, ll)), grad @ w

        start = np.ones(4) if initial_params is None else np.asarray(initial_params, dtype=float)
        fit = maximise(loglik, start, float(w.sum()), self.penalizer_coef, self.model_name)
        self.n_unique_rows_ = len(w)
        data = pd.DataFrame({"frequency": x, "recency": t_x, "n_periods": n, "weights": np.ones_like(x) if w_in is None else w_in}, index=index)
        self._keep_fit(fit, fit.params, loglik, float(w.sum()), data, verbose)
        return self

    def _generate_new_data(self, size: int = 1) -> pd.DataFrame:
        periods = np.repeat(self.data["n_periods"].to_numpy(), self.data["weights"].to_numpy().astype(int))
        return beta_geometric_beta_binom_model(periods, *self._unload_params(*self._param_names), size=size)

    def _log_likelihood_of(self, x, t_x, n) -> np.ndarray:
        x, t_x, n = (np.atleast_1d(np.asarray(v, dtype=float)) for v in np.broadcast_arrays(x, t_x, n))
        return self._loglik_rows(self._check_fitted(), x, t_x, n)

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency, n_periods):
        """Expected transactions in the next ``m_periods_in_future`` opportunities."""
        alpha, beta, gamma, delta = self._check_fitted()
        m, x, t_x, n = np.broadcast_arrays(*(as_float_array(v) for v in (m_periods_in_future, frequency, recency, n_periods)))
        log_l = self._log_likelihood_of(x, t_x, n)
        p2 = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
        p3 = delta / (gamma - 1) * np.exp(gammaln(gamma + delta) - gammaln(1 + delta))  # negative for gamma < 1 ...
        p4 = np.exp(gammaln(1 + delta + n) - gammaln(gamma + delta + n))
        p5 = np.exp(gammaln(1 + delta + n + m) - gammaln(gamma + delta + n + m))  # ... as is p4 - p5 then
        value = np.exp(p2 - log_l) * p3 * (p4 - p5)
        return like_input(np.asarray(value), frequency, recency, n_periods)

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive at opportunity n + m | x, t_x, n)."""
        alpha, beta, gamma, delta = self._check_fitted()
        m, x, t_x, n = np.broadcast_arrays(*(as_float_array(v) for v in (m_periods_in_future, frequency, recency, n_periods)))
        p1 = betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
        p2 = betaln(gamma, delta + n + m) - betaln(gamma, delta)
        value = np.exp(p1 + p2 - self._log_likelihood_of(x, t_x, n))
        return like_input(np.asarray(value), frequency, recency, n_periods)

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> pd.DataFrame:
        """Customers expected to make each number of transactions in the first ``n`` opportunities,
        for as many customers as were fitted (lifetimes' in-sample fit table)."""
        alpha, beta, gamma, delta = self._check_fitted()
        counts = self.data.groupby("frequency")["weights"].sum()
        x = np.asarray(counts.index, dtype=float)
        p = binom(n, x) * np.exp(betaln(alpha + x, beta + n - x) - betaln(alpha, beta) + betaln(gamma, delta + n) - betaln(gamma, delta))
        for index, xi in enumerate(x):
            i = np.arange(max(int(xi), int(x.min())), n)
            p[index] += np.sum(binom(i, xi) * np.exp(betaln(alpha + xi, beta + i - xi) - betaln(alpha, beta)
                                                     + betaln(gamma + 1, delta + i) - betaln(gamma, delta)))  # fmt: skip
        return pd.DataFrame(p * counts.sum(), index=pd.Index(counts.index, name="frequency"), columns=["model"])
