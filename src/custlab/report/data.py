"""What a report notebook reads: the saved result of a run, or an analysis computed live."""

from __future__ import annotations

from custlab.analysis.pipeline import analyse
from custlab.exceptions import InputError
from custlab.result import PeriodResult, load_result


def report_data(config: str = "", period: str = "", results_dir: str = "", kind: str = "") -> PeriodResult:
    """What a report notebook shows: a saved result, or one computed live.

    The scheduler passes ``results_dir`` (computed once by the CLI); an analyst
    in JupyterLab leaves it empty and gets the analysis of ``config`` for
    ``period``.
    """
    if results_dir:
        return load_result(results_dir)
    if not config or not period:
        raise InputError("give either results_dir, or both config and period")
    return analyse(config, period, kind=kind)


