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

from custlab.clv._fit import BaseFitter, Edge, as_float_array, like_input, maximise
from custlab.clv._purchase import check_inputs


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend model, scikit-learn style; lifetimes' ``GammaGammaFitter`` signatures.

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

    _param_names = ("p", "q", "v")
    model_name = "Gamma-Gamma"
    _edges = (
        Edge({"q": 100.0, "v": 100.0}, "customers spend alike on average: no spread between customers"),
    )

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    @staticmethod
    def _prepare(x: np.ndarray, m: np.ndarray, w: np.ndarray) -> dict:
        """The parameter-free parts of the likelihood, summed once.

        Continuous spend makes identical rows rare, so rows are not collapsed;
        terms in the frequency alone are summed by distinct frequency.
        """
        codes, ux = pd.factorize(x)
        log_m = np.log(m)
        return {
            "ux": ux, "wu": np.bincount(codes, weights=w, minlength=len(ux)), "w": w, "wx": w * x, "xm": x * m,
            "log_xm": log_m + np.log(x), "total": float(w.sum()), "sum_w_log_m": float(np.dot(w, log_m)),
        }  # fmt: skip

    @staticmethod
    def _loglik_and_grad(params, data):
        """Weighted log-likelihood and gradient.

        Everything that does not depend on the parameters is summed once in
        :meth:`_prepare`; special functions run on the distinct
        frequencies only. Per customer one logarithm and one reciprocal of
        x·m + gamma remain, so an evaluation is a few passes over the data.
        """
        p, q, v = params
        ux, wu, w, wx, total = data["ux"], data["wu"], data["w"], data["wx"], data["total"]
        pux = p * ux
        dg_sum_u = digamma(pux + q)
        spend_v = data["xm"] + v
        log_spend_v = np.log(spend_v)
        inv_spend_v = 1.0 / spend_v
        # log(x·m) - log(x·m + gamma) row by row: summing the two parts apart
        # would subtract two large sums and leave the optimiser a noisy objective.
        wx_log_share = float(np.dot(wx, np.subtract(data["log_xm"], log_spend_v, out=spend_v)))
        w_log = float(np.dot(w, log_spend_v))
        w_inv, wx_inv = float(np.dot(w, inv_spend_v)), float(np.dot(wx, inv_spend_v))
        ll = (
            float(np.dot(wu, gammaln(pux + q) - gammaln(pux)))
            - total * (gammaln(q) - q * np.log(v))
            + p * wx_log_share - data["sum_w_log_m"] - q * w_log
        )  # fmt: skip
        d_p = float(np.dot(wu * ux, dg_sum_u - digamma(pux))) + wx_log_share
        d_q = float(np.dot(wu, dg_sum_u)) - total * (digamma(q) - np.log(v)) - w_log
        d_v = total * q / v - p * wx_inv - q * w_inv
        return ll, np.array([d_p, d_q, d_v])

    def fit(self, frequency, monetary_value, weights=None, initial_params=None, verbose: bool = False, tol: float = 1e-7,
            index=None, q_constraint: bool = False, **kwargs) -> GammaGammaFitter:  # fmt: skip
        """Fit p, q and gamma by maximum likelihood.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases; must be > 0 (filter out one-time buyers first).
        monetary_value : array-like
            Average value of the repeat purchases; must be > 0.
        weights : array-like, optional
            Number of customers each row stands for.
        initial_params : sequence, optional
            Start (p, q, v), natural scale.
        q_constraint : bool
            Keep q >= 1, where the mean spend p v / (q - 1) exists (lifetimes' option).
        verbose, tol, index, **kwargs
            As lifetimes; ``index`` indexes ``data``.

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
        check_inputs(x, monetary_value=m)
        w = np.ones_like(x) if weights is None else as_float_array(weights)
        if w.shape != x.shape or np.any(w < 0):
            raise ValueError("weights must be one non-negative number per customer")
        data = self._prepare(x, m, w)
        mean = float(np.average(m, weights=w))
        start = np.asarray(initial_params, dtype=float) if initial_params is not None else np.array([1.0, 2.0 if q_constraint else 1.0, mean])
        loglik = lambda prm: self._loglik_and_grad(prm, data)  # noqa: E731
        lower = np.array([1e-300, 1.0, 1e-300]) if q_constraint else None
        fit = maximise(loglik, start, data["total"], self.penalizer_coef, "Gamma-Gamma", lower=lower)
        self._keep_fit(fit, fit.params, loglik, data["total"], pd.DataFrame({"monetary_value": m, "frequency": x, "weights": w}, index=index), verbose)
        return self

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """Expected average spend per transaction given x repeat purchases averaging m
        (the fitted data's when not given). For x = 0 this is the population mean ``p * v / (q - 1)``.
        A Series indexed like the input when the input is a Series."""
        p, q, v = self._check_fitted()
        frequency = self.data["frequency"] if frequency is None else frequency
        monetary_value = self.data["monetary_value"] if monetary_value is None else monetary_value
        x, m = np.broadcast_arrays(as_float_array(frequency), np.nan_to_num(as_float_array(monetary_value)))
        return like_input(p * (v + x * m) / (p * x + q - 1), frequency, monetary_value)

    def customer_lifetime_value(self, transaction_prediction_model, frequency, recency, T, monetary_value, time: int = 12,
                                discount_rate: float = 0.01, freq: str = "D"):  # fmt: skip
        """lifetimes' CLV: the Gamma-Gamma spend times the purchases the model predicts in each of
        ``time`` months, discounted at ``discount_rate`` per month; ``freq`` is the model's time unit
        (``"D"`` days, ``"W"`` weeks, ``"M"`` months, ``"H"`` hours). A Series indexed like the input.

        custlab's own :func:`custlab.clv.customer_lifetime_value` makes margin, the rate's unit and
        the horizon explicit.
        """
        from custlab.clv.utils import lifetimes_clv

        spend = self.conditional_expected_average_profit(frequency, monetary_value)
        return lifetimes_clv(transaction_prediction_model, frequency, recency, T, spend, time, discount_rate, freq=freq)
