"""What a report notebook reads: the saved result of a run, or an analysis computed live."""

from __future__ import annotations

from custlab.analysis.pipeline import analyse
from custlab.exceptions import InputError
from custlab.report.extract import load_extract, report_extract
from custlab.result import PeriodResult, load_result


def report_data(config: str = "", period: str = "", results_dir: str = "", kind: str = "") -> PeriodResult:
    """What a report notebook shows: a saved result, or one computed live, with its
    :attr:`~custlab.result.PeriodResult.extract` (see :mod:`custlab.report.extract`).

    The scheduler passes ``results_dir`` (computed once by the CLI): then only the
    extract of the customers table is read, never the table itself (``customers``
    has its columns and no row). An analyst in JupyterLab leaves it empty and gets
    the analysis of ``config`` for ``period``, with the whole table and the same extract.
    """
    if results_dir:
        result = load_result(results_dir, with_customers=False)
        result.extract = load_extract(results_dir)
        return result
    if not config or not period:
        raise InputError("give either results_dir, or both config and period")
    result = analyse(config, period, kind=kind)
    result.extract = report_extract(result)
    return result
