"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), by maximum likelihood.

While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); its
lifetime is exponential with rate mu ~ Gamma(s, beta). With C = Gamma(r+x)
alpha^r beta^s / Gamma(r), a customer's likelihood is (Fader & Hardie, note 008)

    L = C [ (alpha+T)^-(r+x) (beta+T)^-s  +  s * I ],
    I = integral over tau in [t_x, T] of (alpha+tau)^-(r+x) (beta+tau)^-(s+1)

The closed form of I is a Gauss hypergeometric function whose derivatives in
r and s have no closed form, and which overflows for large frequency and age
(lifetimes' Pareto/NBD does, and falls back to Nelder-Mead without gradients).
Here I is a 24-point Gauss-Legendre sum in y = log(c + tau), where c is the
smaller of alpha and beta: that factor becomes an exponential in y and the other
a smooth function of y whose nearest complex singularity is pi away from the
real axis (substituting on the larger offset puts a near-singularity on the
range when the offsets differ by orders of magnitude, and was off by e^5 there).
The range is cut where the integrand has fallen by e^-60. Against 30-digit
quadrature (mpmath, geometric breakpoints) on 401 random cases with r, s in
0.05..5, alpha, beta in 0.02..150, x up to 400, age up to 600 and t_x down to
1e-4 of the age, log I is right to 1.3e-10 (32 points: 1.1e-12; 16: 1.1e-6).
The same nodes give the gradient (differentiating under the integral), so the
fit is L-BFGS with gradients, in log space, over collapsed rows — and stays
finite where the closed form overflows.

Signatures follow lifetimes' ``ParetoNBDFitter``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.polynomial.legendre import leggauss
from scipy.special import betaln, digamma, gammaln, hyp2f1, logsumexp

from custlab.clv._fit import NO_DROPOUT, SAME_DROPOUT, SAME_RATE, Edge, as_float_array, like_input
from custlab.clv._purchase import PurchaseModel
from custlab.clv.simulate import pareto_nbd_model

#: Gauss-Legendre nodes of the integral I.
QUADRATURE_NODES = 24
#: The integrand's range is cut where it has fallen by e^-CUT (its rest weighs nothing).
CUT = 60.0
_NODES, _WEIGHTS = leggauss(QUADRATURE_NODES)
_LOG_WEIGHTS = np.log(_WEIGHTS)


#: Customers computed at once. Each quadrature node is a row of (nodes x customers) arrays:
#: for ten million customers one such array is 1.9 GB and the integral holds several,
#: while blocks of this many keep each to a few MB, in the processor's cache. A
#: customer's figures are the same whatever the block (see :func:`_by_block`).
BLOCK_CUSTOMERS = 65_536


def _by_block(function, params, x, t_x, age, gradient: bool):
    """``function(params, x, t_x, age, gradient)`` over :data:`BLOCK_CUSTOMERS` customers at a
    time, the blocks' results joined along the customer axis (the last).

    Every figure of a customer depends on its own row only, so the result is that
    of a single block, to the last bit.
    """
    x, t_x, age = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(t_x, dtype=float), np.asarray(age, dtype=float))
    if x.ndim != 1 or len(x) <= BLOCK_CUSTOMERS:
        return function(params, x, t_x, age, gradient)
    blocks = [function(params, *(v[start:start + BLOCK_CUSTOMERS] for v in (x, t_x, age)), gradient)
              for start in range(0, len(x), BLOCK_CUSTOMERS)]  # fmt: skip
    if not gradient:
        return np.concatenate(blocks)
    return tuple(np.concatenate(parts, axis=-1) for parts in zip(*blocks))


def log_integral(params, x, t_x, age, gradient: bool = False):
    """log I per customer (see the module docstring), and with ``gradient`` its derivatives
    in (r, alpha, s, beta) as an array of shape (4, n). -inf where t_x == T."""
    return _by_block(_log_integral_block, params, x, t_x, age, gradient)


def _log_integral_block(params, x, t_x, age, gradient: bool):
    """:func:`log_integral` of one block of customers.

    Per node only three transcendental functions are evaluated (the node's tau,
    the other factor's log, and the term's exponential): log(alpha + tau) and
    log(beta + tau) are the node itself and that log, whichever factor was substituted.
    """
    r, alpha, s, beta = params
    e_a, e_b = r + x, s + 1.0
    log_a0, log_a1 = np.log(alpha + t_x), np.log(alpha + age)
    log_b0, log_b1 = np.log(beta + t_x), np.log(beta + age)
    use_b = np.full(np.shape(log_a0), beta < alpha)  # substitute on the factor with the smaller offset
    c, d = np.where(use_b, beta, alpha), np.where(use_b, alpha, beta)
    e_c, e_d = np.where(use_b, e_b, e_a), np.where(use_b, e_a, e_b)
    y0, y1 = np.where(use_b, log_b0, log_a0), np.where(use_b, log_b1, log_a1)
    # the log-integrand falls at least this fast in y from the start: cut where it is down by e^-CUT
    slope = e_c - 1 + e_d * (c + t_x) / (d + t_x)
    y1 = np.where(slope > 0, np.minimum(y1, y0 + CUT / np.where(slope > 0, slope, 1.0)), y1)
    half = (y1 - y0) / 2
    # node by customer (node-major: the sums over nodes run along contiguous rows)
    y = half * (_NODES + 1.0)[:, None]
    y += y0  # log(c + tau)
    c_tau = np.exp(y)
    d_tau = c_tau + (d - c)  # d + tau
    log_d = np.log(d_tau)
    terms = (1 - e_c) * y
    terms -= e_d * log_d
    terms += _LOG_WEIGHTS[:, None]
    top = terms.max(axis=0)
    terms -= top
    shares = np.exp(terms, out=terms)
    # rows added one by one: numpy sums a single column pairwise, several row by row, and a
    # customer's value must not depend on how many are computed with it (to the last bit)
    total = shares[0].copy()
    for row in shares[1:]:
        total += row
    with np.errstate(divide="ignore"):
        log_i = np.log(half) + top + np.log(total)
    if not gradient:
        return log_i
    # share-weighted means over the nodes of log(c+tau), log(d+tau), 1/(c+tau), 1/(d+tau)
    mean_y, mean_log_d = (np.einsum("kn,kn->n", shares, v) / total for v in (y, log_d))
    mean_inv_c, mean_inv_d = (np.einsum("kn,kn->n", shares, np.reciprocal(v, out=v)) / total for v in (c_tau, d_tau))
    grads = -np.stack([
        np.where(use_b, mean_log_d, mean_y),
        e_a * np.where(use_b, mean_inv_d, mean_inv_c),
        np.where(use_b, mean_y, mean_log_d),
        e_b * np.where(use_b, mean_inv_c, mean_inv_d),
    ])  # fmt: skip
    return log_i, np.where(np.isfinite(log_i), grads, 0.0)


def log_likelihood_rows(params, x, t_x, age, gradient: bool = False):
    """Each customer's log-likelihood (and its gradient, shape (4, n))."""
    return _by_block(_log_likelihood_block, params, x, t_x, age, gradient)


def _log_likelihood_block(params, x, t_x, age, gradient: bool):
    """:func:`log_likelihood_rows` of one block of customers."""
    r, alpha, s, beta = params
    log_c = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    if not gradient:
        return log_c + np.logaddexp(alive, np.log(s) + _log_integral_block(params, x, t_x, age, False))
    log_i, d_log_i = _log_integral_block(params, x, t_x, age, True)
    gone = np.log(s) + log_i
    total = np.logaddexp(alive, gone)
    p_alive, p_gone = np.exp(alive - total), np.exp(gone - total)
    d_log_c = np.stack([digamma(r + x) - digamma(r) + np.log(alpha), np.full_like(x, r / alpha),
                        np.full_like(x, np.log(beta)), np.full_like(x, s / beta)])  # fmt: skip
    d_alive = np.stack([-np.log(alpha + age), -(r + x) / (alpha + age), -np.log(beta + age), -s / (beta + age)])
    d_gone = d_log_i + np.array([0.0, 0.0, 1.0 / s, 0.0])[:, None]
    return log_c + total, d_log_c + p_alive * d_alive + p_gone * d_gone


class ParetoNBDFitter(PurchaseModel):
    """Pareto/NBD fitter: ``r``, ``alpha`` (purchase rates) and ``s``, ``beta`` (lifetimes).

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

    _param_names = ("r", "alpha", "s", "beta")
    _time_params = ("alpha", "beta")
    model_name = "Pareto/NBD"
    _edges = (
        Edge({"s": 0.01}, NO_DROPOUT),
        Edge({"beta": 100.0}, NO_DROPOUT),
        Edge({"r": 100.0, "alpha": 100.0}, SAME_RATE),
        Edge({"s": 100.0, "beta": 100.0}, SAME_DROPOUT),
    )

    def fit(self, frequency, recency, T, weights=None, iterative_fitting: int = 1, initial_params=None, verbose: bool = False,
            tol: float = 1e-4, index=None, fit_method: str = "L-BFGS-B", maxiter: int = 2000, **kwargs):  # fmt: skip
        """Fit r, alpha, s and beta by maximum likelihood (lifetimes' signature; ``iterative_fitting``,
        ``fit_method`` and ``maxiter`` are accepted: the fit uses gradients and needs no restarts).

        See :meth:`custlab.clv.BetaGeoFitter.fit` for the other parameters.
        """
        return super().fit(frequency, recency, T, weights=weights, initial_params=initial_params, verbose=verbose,
                           tol=tol, index=index)  # fmt: skip

    @staticmethod
    def _prepare(x: np.ndarray, t_x: np.ndarray, age: np.ndarray, w: np.ndarray) -> dict:
        return {"x": x, "t_x": t_x, "T": age, "w": w}

    @staticmethod
    def _loglik_and_grad(params, data):
        ll, grad = log_likelihood_rows(params, data["x"], data["t_x"], data["T"], gradient=True)
        return float(np.dot(data["w"], ll)), grad @ data["w"]

    @staticmethod
    def _start(rows: dict, w: np.ndarray) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def _dropout_params(self, params: np.ndarray, factor: float) -> np.ndarray:
        """The mean drop-out rate s / beta times ``factor``, keeping s (the spread across customers alike)."""
        r, alpha, s, beta = params
        return np.array([r, alpha, s, beta / max(factor, 1e-9)])

    def _generate_new_data(self, size: int = 1) -> pd.DataFrame:
        return pareto_nbd_model(self.data["T"].to_numpy(), *self._unload_params("r", "alpha", "s", "beta"), size=size)

    def _log_likelihood_of(self, x, t_x, age) -> np.ndarray:
        x, t_x, age = (np.atleast_1d(np.asarray(v, dtype=float)) for v in np.broadcast_arrays(x, t_x, age))
        return log_likelihood_rows(self._check_fitted(), x, t_x, age)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T): the "still alive" share of the likelihood. Finite for any frequency and age."""
        r, alpha, s, beta = params = self._check_fitted()
        x, t_x, age = (np.atleast_1d(v) for v in np.broadcast_arrays(as_float_array(frequency), as_float_array(recency), as_float_array(T)))
        alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
        gone = np.log(s) + log_integral(params, x, t_x, age)
        return np.exp(alive - np.logaddexp(alive, gone))

    def purchases_if_alive(self, t, frequency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` of a customer alive at ``T``: posterior rate (r+x)/(alpha+T)
        times the expected time alive in (T, T+t]."""
        r, alpha, s, beta = self._check_fitted()
        t, x, age = np.broadcast_arrays(as_float_array(t), as_float_array(frequency), as_float_array(T))
        if abs(s - 1.0) < 1e-9:
            alive_time = (beta + age) * np.log1p(t / (beta + age))
        else:
            alive_time = (beta + age) / (s - 1) * (1 - ((beta + age) / (beta + age + t)) ** (s - 1))
        return (r + x) / (alpha + age) * alive_time

    def expected_number_of_purchases_up_to_time(self, t):
        """Expected purchases of a new customer in its first ``t`` time units, E[X(t)]."""
        r, alpha, s, beta = self._check_fitted()
        t_ = as_float_array(t)
        return like_input(r * beta / alpha / (s - 1) * (1 - (beta / (beta + t_)) ** (s - 1)), t)

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(n purchases in (T, T+t] | x, t_x, T) (Fader & Hardie's note, as lifetimes computes it)."""
        if t <= 0:
            return 0.0
        r, alpha, s, beta = self._check_fitted()
        x, t_x = frequency, recency
        if alpha < beta:
            low, high, p = alpha, beta, r + x + n
        else:
            low, high, p = beta, alpha, s + 1
        gap = high - low
        log_l = self._log_likelihood_of(x, t_x, T)
        common = r * np.log(alpha) + s * np.log(beta) - gammaln(r)
        log_p_zero = gammaln(r + x) + common - ((r + x) * np.log(alpha + T) + s * np.log(beta + T) + log_l)
        log_b_one = gammaln(r + x + n) + common - ((r + x + n) * np.log(alpha + T + t) + s * np.log(beta + T + t))
        log_b_two = (common + gammaln(r + s + x) + betaln(r + x + n, s + 1) - gammaln(s) - (r + s + x) * np.log(high + T)
                     + np.log(hyp2f1(r + s + x, p, r + s + x + n + 1, gap / (high + T))))  # fmt: skip

        def log_b_three(i):
            return (common + gammaln(r + s + x + i) + betaln(r + x + n, s + 1) - gammaln(s) - (r + s + x + i) * np.log(high + T + t)
                    + np.log(hyp2f1(r + s + x + i, p, r + s + x + n + 1, gap / (high + T + t))))  # fmt: skip

        zeroth = (n == 0) * (1 - np.exp(log_p_zero))
        first = n * np.log(t) - gammaln(n + 1) + log_b_one - log_l
        second = log_b_two - log_l
        third = logsumexp([i * np.log(t) - gammaln(i + 1) + log_b_three(i) - log_l for i in range(n + 1)], axis=0)
        sign = np.ones_like(np.atleast_1d(log_l))
        value = zeroth + np.exp(logsumexp([first, second, third], b=[sign, sign, -sign], axis=0, return_sign=True)[0])
        return float(value[0]) if np.ndim(frequency) == 0 and np.size(value) == 1 else value
