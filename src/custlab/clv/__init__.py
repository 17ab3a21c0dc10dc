"""Customer lifetime value: RFM summaries, the buy-till-you-die models, spend and CLV.

A maintained, fast, maximum-likelihood drop-in for the archived ``lifetimes``
package (0.11.3): the same fitters, methods, arguments and utilities::

    from custlab.clv import BetaGeoFitter, ParetoNBDFitter, GammaGammaFitter   # was: from lifetimes import ...
    from custlab.clv import utils                                              # was: from lifetimes import utils

plus custlab's own clearer names (:func:`rfm_summary`, :func:`customer_lifetime_value`
with explicit margin, rate unit and horizon, :func:`compare_purchase_models` and
:func:`choose_purchase_model`). Where it deliberately differs from lifetimes, the
README says so and why.
"""

from custlab.clv import utils
from custlab.clv._fit import BaseFitter, BoundaryWarning, ConvergenceError
from custlab.clv.beta_geo import BetaGeoFitter, calibration_holdout_table, dropout_scale
from custlab.clv.beta_geo_beta_binom import BetaGeoBetaBinomFitter
from custlab.clv.gamma_gamma import GammaGammaFitter
from custlab.clv.modified_beta_geo import ModifiedBetaGeoFitter
from custlab.clv.pareto_nbd import ParetoNBDFitter
from custlab.clv.rfm import rfm_summary
from custlab.clv.selection import choose_purchase_model, compare_purchase_models
from custlab.clv.shifted_beta_geo import ShiftedBetaGeometricFitter
from custlab.clv.utils import (
    calculate_alive_path,
    calibration_and_holdout_data,
    expected_cumulative_transactions,
    summary_data_from_transaction_data,
)
from custlab.clv.value import (
    clv_multiple,
    customer_lifetime_value,
    monthly_rate,
    retention_scenarios,
)

__all__ = [
    "BaseFitter",
    "BetaGeoBetaBinomFitter",
    "BetaGeoFitter",
    "BoundaryWarning",
    "ConvergenceError",
    "GammaGammaFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "ShiftedBetaGeometricFitter",
    "calculate_alive_path",
    "calibration_and_holdout_data",
    "calibration_holdout_table",
    "choose_purchase_model",
    "compare_purchase_models",
    "clv_multiple",
    "customer_lifetime_value",
    "dropout_scale",
    "expected_cumulative_transactions",
    "monthly_rate",
    "retention_scenarios",
    "rfm_summary",
    "summary_data_from_transaction_data",
    "utils",
]
