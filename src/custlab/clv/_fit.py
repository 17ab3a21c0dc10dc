"""Shared maximum-likelihood machinery of the CLV fitters.

Parameters are optimised on the log scale (all are positive), with analytic
gradients, by L-BFGS-B; identical rows are collapsed into weights first, so a
million customers with a few thousand distinct (frequency, recency, T)
patterns cost a few thousand likelihood terms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from custlab.exceptions import CustlabError


#: Parameters are kept within 1e-6..1e6 (on the log scale); a fit that ends on
#: that bound has run off towards a degenerate model and has not converged.
LOG_PARAM_BOUND = float(np.log(1e6))


class ConvergenceError(CustlabError):
    """A model fit did not converge; the message says what the optimiser reported."""


def as_float_array(values) -> np.ndarray:
    """Any array-like (list, Series, scalar) as a float ndarray.

    pandas objects go through ``to_numpy``: ``np.asarray`` on a Series makes
    pandas build the hash table of its index (a third of a second for a
    million string ids) before handing over the values.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=float)
    return np.asarray(values, dtype=float)


def collapse(columns: dict[str, np.ndarray], weights: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Merge identical rows, summing their weights.

    Returns the unique rows (same keys, in order of first appearance) and their weights.
    """
    names = list(columns)
    codes, uniques = factorize_rows(*(np.asarray(columns[name], dtype=float) for name in names))
    w = None if weights is None else np.asarray(weights, dtype=float)
    summed = np.bincount(codes, weights=w, minlength=len(uniques[0])).astype(float)
    return dict(zip(names, uniques)), summed


def factorize_rows(*arrays: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Codes of the distinct rows of equal-length arrays, and those rows.

    ``codes[i]`` is the distinct row of element i; ``uniques[k][codes]`` gives
    back ``arrays[k]``. Each column is factorised alone (hash-based, no sort),
    then the column codes are combined into one integer key per row and that key
    is factorised once, so the cost stays linear in size.
    """
    codes = np.zeros(len(arrays[0]), dtype=np.int64)
    levels_so_far = 1
    for array in arrays:
        part, levels = pd.factorize(array, use_na_sentinel=False)
        if levels_so_far * max(len(levels), 1) >= 2**62:  # the mixed-radix key would overflow: renumber first
            codes, combined = pd.factorize(codes)
            levels_so_far = len(combined)
        codes = codes * len(levels) + part
        levels_so_far *= max(len(levels), 1)
    codes, _ = pd.factorize(codes)
    n = int(codes.max()) + 1 if len(codes) else 0
    first = np.empty(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return codes, [np.asarray(array)[first] for array in arrays]


def flat_optimum(result, tolerance: float = 1e-6) -> bool:
    """True when an optimiser that stopped early (e.g. a line search giving up on a
    flat likelihood) stands where the scaled gradient is already nil."""
    jac = getattr(result, "jac", None)
    return jac is not None and bool(np.all(np.isfinite(jac))) and float(np.max(np.abs(jac))) < tolerance


def maximise(
    loglik_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    total_weight: float,
    penalizer_coef: float,
    model: str,
    max_iter: int = 2000,
) -> tuple[np.ndarray, float]:
    """Maximise a log-likelihood over log-parameters.

    Parameters
    ----------
    loglik_and_grad : callable
        Takes the parameters (natural scale) and returns the weighted
        log-likelihood and its gradient with respect to those parameters.
    start : ndarray
        Starting parameters (natural scale, positive).
    total_weight : float
        Number of customers; the objective is scaled by it for a well-conditioned optimisation.
    penalizer_coef : float
        L2 penalty on the parameters (as in lifetimes), 0 for plain maximum likelihood.
    model : str
        Name for error messages.

    Returns
    -------
    tuple
        Fitted parameters (natural scale) and the unpenalised log-likelihood.

    Raises
    ------
    ConvergenceError
        When the optimiser stops without converging or ends at a non-finite value.
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = loglik_and_grad(params)
        penalty = penalizer_coef * np.sum(params**2)
        penalty_grad = 2.0 * penalizer_coef * params
        f = -(value - penalty) / total_weight
        g = -(grad - penalty_grad) * params / total_weight
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(g)
        return f, g

    bound = LOG_PARAM_BOUND
    # The likelihoods are element-wise numpy work; BLAS threads only contend
    # with each other between the optimiser's small matrix steps (4x slower).
    with threadpool_limits(1, user_api="blas"):
        result = minimize(
            objective, np.log(start), jac=True, method="L-BFGS-B", bounds=[(-bound, bound)] * len(start),
            options={"maxiter": max_iter, "gtol": 1e-10, "ftol": 1e-14},
        )  # fmt: skip
    if not result.success and not flat_optimum(result):
        raise ConvergenceError(f"{model} fit did not converge: {result.message} (after {result.nit} iterations)")
    if np.any(np.abs(result.x) >= bound - 1e-6):
        raise ConvergenceError(
            f"{model} fit did not converge: a parameter ran off to {np.exp(result.x).round(6).tolist()}; "
            "the data cannot identify the model (too few customers or repeat purchases?)"
        )
    params = np.exp(result.x)
    value, _ = loglik_and_grad(params)
    if not np.isfinite(value):
        raise ConvergenceError(f"{model} fit ended at a non-finite log-likelihood; check the input data")
    return params, float(value)
