"""Which purchase model to trust: BG/NBD, MBG/NBD and Pareto/NBD compared out of sample.

Each model is fitted on a calibration window and asked for every customer's
purchases in the holdout that follows; the one with the lowest customer-level
mean absolute error wins, and where another is within 1% of it the simpler
one is taken (BG/NBD, then MBG/NBD, then Pareto/NBD: the order of their
machinery, the first two in closed form).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from custlab.clv._fit import BoundaryWarning, ConvergenceError
from custlab.clv.beta_geo import BetaGeoFitter
from custlab.clv.modified_beta_geo import ModifiedBetaGeoFitter
from custlab.clv.pareto_nbd import ParetoNBDFitter

#: The purchase models, simplest first: the ``purchase_model`` setting names them.
PURCHASE_MODELS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter, "paretonbd": ParetoNBDFitter}
#: Two models whose errors differ by less than this share are a tie, won by the simpler.
TIE = 0.01


def model_label(name: str) -> str:
    """``"bgnbd"`` -> ``"BG/NBD"``."""
    return PURCHASE_MODELS[name].model_name


def fit_quietly(name: str, frequency, recency, T):
    """Fit a purchase model; a maximum on an edge is kept (its ``edges_`` say which), not warned about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BoundaryWarning)
        return PURCHASE_MODELS[name]().fit(frequency, recency, T)


def compare_purchase_models(
    split: pd.DataFrame, names=tuple(PURCHASE_MODELS), fit_rows: np.ndarray | None = None
) -> tuple[pd.DataFrame, dict]:
    """Fit each model on the calibration columns of ``split`` and score it on the holdout.

    Parameters
    ----------
    split : DataFrame
        ``frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout``
        (as :func:`custlab.clv.rfm_summary` with ``calibration_end`` gives them).
    names : sequence of str
        Models to compare (keys of :data:`PURCHASE_MODELS`).
    fit_rows : array of int, optional
        Positions of the customers each model is fitted on (all of them when
        None). Every customer of ``split`` is scored either way.

    Returns
    -------
    comparison : DataFrame
        One row per model (index: name): ``model``, ``customers``, ``log_likelihood``,
        ``predicted_total``, ``actual_total``, ``aggregate_error`` (share,
        signed), ``mae`` (mean absolute error per customer), ``edges`` (what an
        edge fit means, if any), ``error`` (why a fit failed, else empty).
    fitted : dict
        name -> (fitted model, per-customer prediction) of the models that fitted.
    """
    x, t_x, age = (split[c].to_numpy(dtype=float) for c in ("frequency_cal", "recency_cal", "T_cal"))
    fit_on = slice(None) if fit_rows is None else fit_rows
    actual = split["frequency_holdout"].to_numpy(dtype=float)
    horizon = split["duration_holdout"].to_numpy(dtype=float)
    rows, fitted = [], {}
    for name in names:
        row = {"name": name, "model": model_label(name), "customers": len(actual), "log_likelihood": np.nan, "predicted_total": np.nan,
               "actual_total": float(actual.sum()), "aggregate_error": np.nan, "mae": np.nan, "edges": "", "error": ""}  # fmt: skip
        try:
            model = fit_quietly(name, x[fit_on], t_x[fit_on], age[fit_on])
            predicted = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, age), dtype=float)
        except (ConvergenceError, ValueError, FloatingPointError) as exc:
            row["error"] = str(exc).splitlines()[0]
            rows.append(row)
            continue
        total = float(predicted.sum())
        row.update(log_likelihood=model.log_likelihood_, predicted_total=total, mae=float(np.mean(np.abs(predicted - actual))),
                   aggregate_error=(total - row["actual_total"]) / row["actual_total"] if row["actual_total"] else np.nan,
                   edges="; ".join(model.edges_))  # fmt: skip
        fitted[name] = (model, predicted)
        rows.append(row)
    return pd.DataFrame(rows).set_index("name"), fitted


def choose_purchase_model(comparison: pd.DataFrame) -> tuple[str, str]:
    """The model with the lowest customer-level error, the simpler on a tie (within :data:`TIE`),
    and why, in words.

    Raises
    ------
    ValueError
        When no model could be fitted.
    """
    scored = comparison[comparison["mae"].notna()]
    if scored.empty:
        raise ValueError("no purchase model could be fitted: " + "; ".join(comparison["error"]))
    best = float(scored["mae"].min())
    tied = [name for name in PURCHASE_MODELS if name in scored.index and scored.loc[name, "mae"] <= best * (1 + TIE)]
    chosen = tied[0]
    lowest = scored["mae"].idxmin()
    if chosen == lowest:
        others = [n for n in scored.index if n != chosen]
        margin = ", ".join(f"{scored.loc[n, 'model']}'s {_higher(scored.loc[n, 'mae'], best)}" for n in others)
        reason = f"{model_label(chosen)} had the lowest error per customer on the holdout" + (f" ({margin})." if margin else ".")
    else:
        reason = (f"{model_label(chosen)} is within {TIE:.0%} of the lowest error per customer "
                  f"({model_label(lowest)}'s; {model_label(chosen)}'s {_higher(scored.loc[chosen, 'mae'], best, 2)}) "
                  "and is the simpler model.")  # fmt: skip
    return chosen, reason


def _higher(error: float, best: float, digits: int = 1) -> str:
    """How much higher ``error`` is than ``best``, in words."""
    if best <= 0:
        return "was the same" if error == best else "was higher"
    ratio = error / best - 1
    return "was the same" if ratio < 0.5 * 10 ** -(digits + 2) else f"was {ratio:.{digits}%} higher"
