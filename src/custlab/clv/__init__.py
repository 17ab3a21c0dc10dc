"""Customer lifetime value: RFM summaries, BG/NBD, Gamma-Gamma and CLV.

A maintained, fast, maximum-likelihood answer to the archived ``lifetimes``
package, with the same method names::

    from custlab.clv import rfm_summary, BetaGeoFitter, GammaGammaFitter
"""

from custlab.clv._fit import ConvergenceError
from custlab.clv.beta_geo import BetaGeoFitter, calibration_holdout_table
from custlab.clv.gamma_gamma import GammaGammaFitter
from custlab.clv.rfm import rfm_summary
from custlab.clv.shifted_beta_geo import ShiftedBetaGeometricFitter
from custlab.clv.value import (
    clv_multiple,
    customer_lifetime_value,
    dropout_scale,
    monthly_rate,
    retention_scenarios,
)

__all__ = [
    "BetaGeoFitter",
    "ConvergenceError",
    "GammaGammaFitter",
    "ShiftedBetaGeometricFitter",
    "calibration_holdout_table",
    "clv_multiple",
    "customer_lifetime_value",
    "dropout_scale",
    "monthly_rate",
    "retention_scenarios",
    "rfm_summary",
]
