"""custlab: what each customer is worth, as scheduled notebook reports.

The package is the tested half of custlab; the notebooks in ``notebooks/`` call
it, one function per table or figure. Importing it has no side effects.
"""

from custlab.sources.config import Config, load_config
from custlab.exceptions import ConfigError, CustlabError, InputError, RunError
from custlab.periods import Period, parse_period
from custlab.analysis.pipeline import analyse
from custlab.report.data import report_data
from custlab.result import PeriodResult

__version__ = "0.1.0"

__all__ = [
    "Config",
    "ConfigError",
    "CustlabError",
    "InputError",
    "Period",
    "PeriodResult",
    "RunError",
    "analyse",
    "load_config",
    "parse_period",
    "report_data",
    "__version__",
]
