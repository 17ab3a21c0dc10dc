"""Shared maximum-likelihood machinery of the CLV fitters, and the lifetimes-compatible base class.

Parameters are optimised on the log scale (all are positive), with analytic or
quadrature gradients, by L-BFGS-B; identical rows are collapsed into weights
first, so a million customers with a few thousand distinct (frequency,
recency, T) patterns cost a few thousand likelihood terms. Time is rescaled so
that the oldest customer's age is 1 (as lifetimes does), which keeps every
parameter near 1 whatever the time unit.

A maximum on the edge of the parameter space is an answer, not an error: the
fit returns it, names the parameters that went to the edge in ``boundary_``
and warns in words (:class:`BoundaryWarning`). Only a fit that truly fails —
a non-finite likelihood, or no progress — raises :class:`ConvergenceError`.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from custlab.exceptions import CustlabError

#: Parameters are kept within 1e-6..1e6 of their scale (on the log scale); a fit that
#: ends on that bound has found its maximum on the edge of the parameter space.
LOG_PARAM_BOUND = float(np.log(1e6))
#: z of a two-sided 95% interval.
Z_95 = 1.959963984540054


class ConvergenceError(CustlabError):
    """A model fit failed: the optimiser made no progress or the likelihood is not finite."""


class BoundaryWarning(UserWarning):
    """The likelihood's maximum lies on the edge of the parameter space (e.g. no drop-out visible)."""


@dataclass(frozen=True)
class Edge:
    """A limit of a model the data may reach: the parameters moved towards it, and what it means.

    ``moves`` multiplies each named parameter (0.01 towards 0, 100 towards
    infinity; several together for a ridge, such as r and alpha growing with
    their ratio, the mean rate, kept).
    """

    moves: dict
    meaning: str


#: What the common edges of the purchase models mean, in words.
NO_DROPOUT = "no drop-out visible in the data: the model treats customers as still active"
SAME_RATE = "customers buy at much the same rate: the spread of purchase rates across customers is nil"
SAME_DROPOUT = "the data show how much customers drop out but not how that differs between them"

#: Log-likelihood a fit may lose by moving to an edge and still be called "at" it: the data cannot
#: tell the two apart (within about one standard error).
EDGE_TOLERANCE = 0.5
#: Log-scale standard errors below this leave every edge (a factor 100, 4.6 on the log scale, away)
#: more than ten log-likelihood units below the fit: the edges need no probing.
CLEAR_OF_EDGES = 1.0


def as_float_array(values) -> np.ndarray:
    """Any array-like (list, Series, scalar) as a float ndarray.

    pandas objects go through ``to_numpy``: ``np.asarray`` on a Series makes
    pandas build the hash table of its index before handing over the values.
    """
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=float)
    return np.asarray(values, dtype=float)


def like_input(values: np.ndarray, *inputs) -> np.ndarray | pd.Series:
    """``values`` as a Series indexed like the first Series among ``inputs`` (lifetimes returns one there),
    else as the array."""
    for given in inputs:
        if isinstance(given, pd.Series) and np.ndim(values) == 1 and len(given) == len(values):
            return pd.Series(values, index=given.index)
    return values


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


@dataclass
class MaximumLikelihood:
    """The outcome of :func:`maximise`.

    Attributes
    ----------
    params : ndarray
        Fitted parameters (natural scale).
    log_likelihood : float
        Unpenalised log-likelihood at ``params``.
    at_bound : ndarray of bool
        Parameters that ended on the edge of the search box.
    iterations : int
    """

    params: np.ndarray
    log_likelihood: float
    at_bound: np.ndarray
    iterations: int


def maximise(
    loglik_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    total_weight: float,
    penalizer_coef: float,
    model: str,
    max_iter: int = 3000,
    lower: np.ndarray | None = None,
) -> MaximumLikelihood:
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
    lower : ndarray, optional
        Lower bounds of the parameters (natural scale) tighter than the box (e.g. q >= 1).

    Raises
    ------
    ConvergenceError
        When the optimiser makes no progress or ends at a non-finite value.
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value, grad = loglik_and_grad(params)
        # lifetimes' objective: the mean negative log-likelihood plus the L2 penalty
        f = -value / total_weight + penalizer_coef * np.sum(params**2)
        g = (-grad / total_weight + 2.0 * penalizer_coef * params) * params
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return np.inf, np.zeros_like(g)
        return f, g

    bound = LOG_PARAM_BOUND
    floors = np.full(len(start), -bound) if lower is None else np.maximum(np.log(np.maximum(lower, 1e-300)), -bound)
    x0 = np.clip(np.log(start), floors + 1e-9, bound - 1e-9)
    if not np.isfinite(objective(x0)[0]):
        raise ConvergenceError(f"{model}: the log-likelihood is not finite at the start {np.exp(x0).round(6).tolist()}; check the data")
    # The likelihoods are element-wise numpy work; BLAS threads only contend
    # with each other between the optimiser's small matrix steps.
    with threadpool_limits(1, user_api="blas"):
        result = minimize(
            objective, x0, jac=True, method="L-BFGS-B", bounds=list(zip(floors, [bound] * len(start))),
            options={"maxiter": max_iter, "gtol": 1e-10, "ftol": 1e-14},
        )  # fmt: skip
    if not np.isfinite(result.fun):
        raise ConvergenceError(f"{model} fit ended at a non-finite log-likelihood; check the input data")
    if not result.success and not flat_optimum(result) and result.nit <= 1:
        raise ConvergenceError(f"{model} fit made no progress: {result.message}")
    params = np.exp(result.x)
    value, _ = loglik_and_grad(params)
    if not np.isfinite(value):
        raise ConvergenceError(f"{model} fit ended at a non-finite log-likelihood; check the input data")
    at_bound = np.abs(result.x) >= bound - 1e-6  # the box's edges (a lower constraint the caller asked for is not)
    return MaximumLikelihood(params, float(value), at_bound, int(result.nit))


def observed_information(loglik_and_grad: Callable, params: np.ndarray, gradient: np.ndarray | None = None,
                         step: float = 1e-6) -> np.ndarray:  # fmt: skip
    """The Hessian of the negative log-likelihood in log-parameters (the observed information of
    log theta), by forward differences of the analytic gradient from ``gradient`` (the gradient at
    ``params``, evaluated here when not given)."""
    log_params = np.log(params)
    if gradient is None:
        _, gradient = loglik_and_grad(params)
    at = -np.asarray(gradient) * params  # d(-ll)/d log theta
    n = len(params)
    hessian = np.empty((n, n))
    for i in range(n):
        point = log_params.copy()
        point[i] += step
        _, grad = loglik_and_grad(np.exp(point))
        hessian[i] = (-grad * np.exp(point) - at) / step
    return (hessian + hessian.T) / 2


def log_scale_errors(information: np.ndarray) -> np.ndarray:
    """Standard errors of the log-parameters from their observed information (NaN when it is singular)."""
    try:
        diagonal = np.diag(np.linalg.inv(information))
    except np.linalg.LinAlgError:
        return np.full(len(information), np.nan)
    return np.sqrt(np.where(diagonal >= 0, diagonal, np.nan))


class BaseFitter:
    """What every custlab CLV fitter shares, named as lifetimes' ``BaseFitter`` names it.

    Attributes (after ``fit``)
    --------------------------
    params_ : pandas.Series
        The fitted parameters.
    data : DataFrame
        The fitted rows (with ``weights``), indexed by the ``index`` given to ``fit``.
    log_likelihood_ : float
        The weighted log-likelihood at ``params_``.
    variance_matrix_ : DataFrame
        Covariance of the parameters from the observed information (delta method
        from the log scale); NaN for a parameter on the edge of the space.
    standard_errors_ : Series
    confidence_intervals_ : DataFrame
        ``lower 95% bound`` and ``upper 95% bound``.
    boundary_ : list of str
        Parameters whose maximum lies on the edge of the parameter space.
    """

    #: Parameter names, in order.
    _param_names: tuple[str, ...] = ()
    #: The model's name in messages and reports.
    model_name: str = ""
    #: The limits of the model a fit is checked against (see :class:`Edge`).
    _edges: tuple[Edge, ...] = ()

    def __repr__(self) -> str:
        classname = self.__class__.__name__
        try:
            subjects = f" fitted with {self.data.shape[0]:d} subjects,"
        except AttributeError:
            subjects = ""
        if not hasattr(self, "params_"):
            return f"<custlab.clv.{classname}>"
        params = ", ".join(f"{name}: {value:.2f}" for name, value in sorted(self.params_.items()))
        return f"<custlab.clv.{classname}:{subjects} {params}>"

    def _unload_params(self, *names: str) -> list[float]:
        """The fitted values of ``names`` (lifetimes' accessor)."""
        if not hasattr(self, "params_"):
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        return [float(self.params_[name]) for name in names]

    def _check_fitted(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise AttributeError(f"{type(self).__name__} is not fitted yet: call fit() first")
        params = self.params_
        if tuple(params.index) == self._param_names:  # the usual order: no label lookup (called per prediction)
            return params.to_numpy(dtype=float)
        return np.array([params[name] for name in self._param_names], dtype=float)

    def save_model(self, path, save_data: bool = True, save_generate_data_method: bool = True, values_to_save=None) -> None:
        """Save the fitted model with pickle (lifetimes' signature).

        ``save_data=False`` leaves out ``data``; ``save_generate_data_method=False``
        leaves out ``generate_new_data``; ``values_to_save`` gives what stands in
        their place (None by default).
        """
        left_out = [name for name, keep in (("data", save_data), ("generate_new_data", save_generate_data_method)) if not keep]
        stand_ins = list(values_to_save or []) + [None] * len(left_out)
        state = dict(self.__dict__)
        for name, value in zip(left_out, stand_ins):
            state[name] = value
        with open(path, "wb") as out:
            pickle.dump((type(self), state), out)

    def load_model(self, path) -> None:
        """Load a model saved by :meth:`save_model` into this fitter."""
        with open(path, "rb") as handle:
            kind, state = pickle.load(handle)
        if not isinstance(self, kind) and not issubclass(kind, type(self)):
            raise ValueError(f"{path} holds a {kind.__name__}, not a {type(self).__name__}")
        self.__dict__.update(state)

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se(coef) and the 95% bounds of each parameter (lifetimes' columns)."""
        return pd.DataFrame(
            {
                "coef": self.params_,
                "se(coef)": self.standard_errors_,
                "lower 95% bound": self.confidence_intervals_["lower 95% bound"],
                "upper 95% bound": self.confidence_intervals_["upper 95% bound"],
            },
            index=self.params_.index,
        )

    def _keep_fit(self, fit: MaximumLikelihood, params: np.ndarray, loglik_and_grad: Callable, total_weight: float,
                  data: pd.DataFrame, verbose: bool) -> None:  # fmt: skip
        """The end of every ``fit``: store the fit (:meth:`_set_fit`) and the data it was fitted on,
        bind lifetimes' method attributes, and with ``verbose`` say how it went."""
        self._set_fit(fit, params, loglik_and_grad, total_weight)
        self.data = data
        self._bind_methods()
        if verbose:
            print(f"{self.model_name}: {fit.iterations} iterations, log-likelihood {fit.log_likelihood:.3f}, {self!r}")

    def _set_fit(self, fit: MaximumLikelihood, params: np.ndarray, loglik_and_grad: Callable, total_weight: float) -> None:
        """Store the fitted parameters, the edges the maximum lies on, and the parameters' uncertainty."""
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names)
        self.log_likelihood_ = fit.log_likelihood
        self._negative_log_likelihood_ = -fit.log_likelihood / total_weight
        self.n_customers_ = total_weight
        best, gradient = loglik_and_grad(params)
        information = observed_information(loglik_and_grad, params, gradient)
        # Moving a log-parameter k standard errors costs about k^2/2 of log-likelihood: with every
        # error under CLEAR_OF_EDGES the model's edges (a factor 100 away) are far below the fit.
        clear = not np.any(fit.at_bound) and bool(np.all(log_scale_errors(information) < CLEAR_OF_EDGES))
        reached = [] if clear else self._edges_reached(loglik_and_grad, params, best)
        at_edge = set(np.array(names)[np.asarray(fit.at_bound)]) | {n for edge in reached for n in edge.moves}
        self.boundary_ = [name for name in names if name in at_edge]
        self.edges_ = list(dict.fromkeys(edge.meaning for edge in reached))
        self._set_uncertainty(information, params, np.array([name in at_edge for name in names]))
        for meaning in self.edges_:
            warnings.warn(f"{type(self).__name__}: the maximum lies on the edge of the parameter space "
                          f"({', '.join(self.boundary_)}): {meaning}", BoundaryWarning, stacklevel=4)  # fmt: skip
        if at_edge and not reached:
            warnings.warn(f"{type(self).__name__}: {', '.join(self.boundary_)} ran to the edge of the search: "
                          "the data cannot pin the model down", BoundaryWarning, stacklevel=4)  # fmt: skip

    def _edges_reached(self, loglik_and_grad: Callable, params: np.ndarray, best: float) -> list[Edge]:
        """The model's edges (:attr:`_edges`) the data cannot tell from the fit (log-likelihood ``best``):
        moving there costs less than :data:`EDGE_TOLERANCE` of log-likelihood."""
        names = list(self._param_names)
        reached = []
        for edge in self._edges:
            moved = params.copy()
            for name, factor in edge.moves.items():
                moved[names.index(name)] *= factor
            with np.errstate(all="ignore"):
                value, _ = loglik_and_grad(moved)
            if np.isfinite(value) and value >= best - EDGE_TOLERANCE:
                reached.append(edge)
        if any(edge.meaning == NO_DROPOUT for edge in reached):  # without drop-out its spread says nothing
            reached = [edge for edge in reached if edge.meaning != SAME_DROPOUT]
        return reached

    def _set_uncertainty(self, information: np.ndarray, params: np.ndarray, at_bound: np.ndarray) -> None:
        """Variance, standard errors and 95% intervals from the observed information.

        Var(theta) = D Var(log theta) D with D = diag(theta), Var(log theta) the
        inverse of the observed information of log theta; parameters on the edge
        are left out (their information is nil) and get NaN.
        """
        names = list(self._param_names)
        variance = np.full((len(names), len(names)), np.nan)
        inner = ~np.asarray(at_bound)
        if inner.any():
            try:
                log_variance = np.linalg.inv(information[np.ix_(inner, inner)])
                scale = params[inner]
                variance[np.ix_(inner, inner)] = log_variance * np.outer(scale, scale)
            except np.linalg.LinAlgError:
                pass
        self.variance_matrix_ = pd.DataFrame(variance, index=names, columns=names)
        diagonal = np.diag(variance)
        self.standard_errors_ = pd.Series(np.sqrt(np.where(diagonal >= 0, diagonal, np.nan)), index=names)
        self.confidence_intervals_ = pd.DataFrame(
            {"lower 95% bound": self.params_ - Z_95 * self.standard_errors_,
             "upper 95% bound": self.params_ + Z_95 * self.standard_errors_},
            index=names,
        )  # fmt: skip

    def sample_params(self, draws: int, seed: int = 0) -> np.ndarray:
        """``draws`` parameter vectors from the fit's uncertainty: normal on the log scale with the
        covariance of the observed information (positive by construction), seeded. Parameters on the
        edge of the space, or without a finite variance, stay at their fitted value."""
        params = self._check_fitted()
        relative = self.variance_matrix_.to_numpy() / np.outer(params, params)
        usable = np.isfinite(np.diag(relative))
        rng = np.random.default_rng(seed)
        log_draws = np.tile(np.log(params), (draws, 1))
        if usable.any():
            cov = relative[np.ix_(usable, usable)]
            log_draws[:, usable] = rng.multivariate_normal(np.log(params[usable]), cov, size=draws, method="eigh")
        return np.exp(log_draws)

    def with_params(self, params) -> BaseFitter:
        """A copy of this fitter with other parameter values (for scenarios and uncertainty)."""
        twin = object.__new__(type(self))
        twin.__dict__.update({k: v for k, v in self.__dict__.items() if k != "data"})
        twin.params_ = pd.Series(np.asarray(params, dtype=float), index=list(self._param_names))
        twin._bind_methods()
        return twin

    def _bind_methods(self) -> None:
        """lifetimes keeps ``predict`` and ``generate_new_data`` as attributes of the fitted
        object (its save/load tests read them from ``__dict__``); bound to this object."""
        if hasattr(self, "conditional_expected_number_of_purchases_up_to_time"):
            self.predict = self.conditional_expected_number_of_purchases_up_to_time
        if hasattr(type(self), "_generate_new_data"):
            self.generate_new_data = self._generate_new_data
