"""What the purchase models (BG/NBD, MBG/NBD, Pareto/NBD) share: the fit on frequency, recency and age.

Each model supplies its log-likelihood and gradient over collapsed rows
(``_prepare``, ``_loglik_and_grad``), its starting point, and its
predictions; this module checks the inputs as lifetimes does, rescales time,
collapses identical rows, maximises and keeps what lifetimes keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.clv._fit import BaseFitter, as_float_array, collapse, like_input, maximise


def check_inputs(frequency: np.ndarray, recency: np.ndarray | None = None, T: np.ndarray | None = None,
                 monetary_value: np.ndarray | None = None) -> None:  # fmt: skip
    """Refuse what no model can use, with lifetimes' messages (``utils._check_inputs``).

    Raises
    ------
    ValueError
    """
    arrays = [a for a in (frequency, recency, T, monetary_value) if a is not None]
    if any(len(a) == 0 for a in arrays):
        raise ValueError("There exists a zero length vector in one of frequency, recency or T.")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("frequency, recency, T and monetary_value must be finite numbers (no NaN)")
    if recency is not None:
        if T is not None and np.any(recency > T + 1e-9):
            raise ValueError("Some values in recency vector are larger than T vector (recency <= T is required).")
        if np.any(recency[frequency == 0] != 0):
            raise ValueError("There exist non-zero recency values when frequency is zero.")
        if np.any(recency < 0):
            raise ValueError("There exist negative recency (ex: last order set before first order)")
    if np.any(frequency < 0) or np.any(frequency != np.round(frequency)):
        raise ValueError("There exist non-integer or negative values in the frequency vector.")
    if monetary_value is not None and np.any(monetary_value <= 0):
        raise ValueError("There exist non-positive (<= 0) values in the monetary_value vector.")


class PurchaseModel(BaseFitter):
    """A model of repeat purchasing fitted on (frequency, recency, T), scikit-learn style.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (lifetimes' meaning); 0 gives plain maximum likelihood.
    """

    #: Parameters measured in units of time (rescaled with the data's time).
    _time_params: tuple[str, ...] = ()

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency, recency, T, weights=None, initial_params=None, verbose: bool = False, tol: float = 1e-7,
            index=None, **kwargs):  # fmt: skip
        """Fit the parameters by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase since the first, and age,
            in one time unit, as :func:`custlab.clv.rfm_summary` gives them.
        weights : array-like, optional
            Number of customers each row stands for.
        initial_params : sequence, optional
            Start of the optimisation, natural scale, in the parameters' order
            (lifetimes takes logs for some models and not others).
        verbose : bool
            Print the optimiser's outcome.
        tol : float
            Accepted for lifetimes' signature; the fit always converges to a
            tighter tolerance (1e-10 on the scaled gradient).
        index : array-like, optional
            Index of ``data``.
        **kwargs
            lifetimes' optimiser options (``iterative_fitting``...) are accepted
            and need no setting here.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On unusable input (negative values, recency above T, no repeat purchase).
        ConvergenceError
            When the fit truly fails; a maximum on the edge of the parameter
            space is returned with a :class:`BoundaryWarning` instead.
        """
        x, t_x, age = as_float_array(frequency), as_float_array(recency), as_float_array(T)
        w_in = None if weights is None else as_float_array(weights)
        check_inputs(x, t_x, age)
        if not np.any(x > 0):
            raise ValueError(f"{self.model_name} needs at least one customer with a repeat purchase")
        self._scale = 1.0 / float(age.max()) if age.max() > 0 else 1.0
        rows, w = collapse({"x": x, "t_x": t_x * self._scale, "T": age * self._scale}, w_in)
        data = self._prepare(rows["x"], rows["t_x"], rows["T"], w)
        # time parameters (alpha, beta) are fitted in the rescaled time, reported in the data's
        factor = np.array([self._scale if name in self._time_params else 1.0 for name in self._param_names])
        start = self._start(rows, w) if initial_params is None else np.asarray(initial_params, dtype=float) * factor
        scaled = lambda p: self._loglik_and_grad(p, data)  # noqa: E731 - the likelihood on the scaled time
        fit = maximise(scaled, start, float(w.sum()), self.penalizer_coef, self.model_name)
        params = fit.params / factor
        # The likelihood of x purchase times scales with time as scale^x: reported in the data's unit.
        fit.log_likelihood += float(np.log(self._scale) * np.dot(w, rows["x"]))

        def natural(p: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = scaled(p * factor)
            return value, grad * factor

        self.n_unique_rows_ = len(w)
        fitted = pd.DataFrame({"frequency": x, "recency": t_x, "T": age, "weights": np.ones_like(x) if w_in is None else w_in}, index=index)
        self._keep_fit(fit, params, natural, float(w.sum()), fitted, verbose)
        return self

    # --- shared predictions ----------------------------------------------------

    def conditional_probability_alive_matrix(self, max_frequency: int | None = None, max_recency: int | None = None) -> np.ndarray:
        """P(alive) on a grid: rows are recency 0..max_recency, columns frequency 0..max_frequency,
        for a customer of age ``max_recency`` (lifetimes' layout; defaults from ``data``)."""
        max_frequency = max_frequency or int(self.data["frequency"].max())
        max_recency = max_recency or int(self.data["T"].max())
        x, t_x = np.meshgrid(np.arange(max_frequency + 1, dtype=float), np.arange(max_recency + 1, dtype=float))
        alive = self.conditional_probability_alive(x.ravel(), t_x.ravel(), np.full(x.size, float(max_recency)))
        return np.asarray(alive).reshape(x.shape)

    def predict(self, t, frequency, recency, T):
        """Alias of :meth:`conditional_expected_number_of_purchases_up_to_time` (lifetimes' name)."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in the next ``t`` time units of a customer with history (frequency, recency, T).

        A Series indexed like the input when the input is a Series.
        """
        raw = [as_float_array(v) for v in (t, frequency, recency, T)]
        t_, x, t_x, age = np.broadcast_arrays(*raw)
        result = self.purchases_if_alive(t_, x, age) * self.conditional_probability_alive(x, t_x, age)
        return like_input(np.asarray(result, dtype=float), frequency, recency, T, t)

    def scaled_dropout(self, factor: float) -> PurchaseModel:
        """The same model with customers' mean drop-out cut (``factor`` < 1) or raised (> 1),
        for "retention + k points" scenarios; see each model's ``_dropout_params``."""
        if factor < 0:
            raise ValueError("factor must be >= 0")
        return self.with_params(self._dropout_params(self._check_fitted(), factor))
