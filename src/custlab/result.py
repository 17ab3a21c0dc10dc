"""What the analysis hands to rendering: one period's result, saved and loaded.

:func:`custlab.analysis.pipeline.analyse` returns a :class:`PeriodResult`; the
report runner saves it with :func:`save_result` (in the analysis' own process)
and the report notebook and the account sheets read it back with
:func:`load_result`. It is the one seam between the two halves: nothing in
``custlab.report`` computes a figure, nothing in ``custlab.analysis`` renders one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from custlab import io
from custlab.exceptions import InputError
from custlab.periods import Period, parse_period


@dataclass
class PeriodResult:
    """Everything one period's report shows.

    Attributes
    ----------
    summary : dict
        Headline KPIs and run facts (company, period, window, notes); what
        ``summary.json`` publishes.
    customers : DataFrame
        One row per customer: profit waterfall terms and activity.
    waterfall : DataFrame
        Company totals per waterfall step (see :func:`custlab.analysis.profit.profit_waterfall`).
    quality : DataFrame
        Rows read / accepted / quarantined per table.
    quarantine : DataFrame
        Every quarantined row with file, row, column, value and reason.
    cohorts : DataFrame
        Buyers per acquisition cohort and month since acquisition (long format).
    scenarios : DataFrame
        Retention scenarios with their arithmetic (see :func:`custlab.clv.retention_scenarios`).
    holdout : DataFrame
        The chosen purchase model checked out of sample, by past purchases
        (see :func:`custlab.clv.calibration_holdout_table`).
    model_comparison : DataFrame
        BG/NBD, MBG/NBD and Pareto/NBD on the same holdout (see
        :func:`custlab.clv.selection.compare_purchase_models`).
    tier_history : DataFrame
        Tier sizes and profit for the report period and the periods before it.
    movers : DataFrame
        Customers who moved most between tiers since the previous period, with reasons.
    cluster_profile, cluster_diagnostics : DataFrame
        The data-driven segments and how their number was chosen.
    concentration_history : DataFrame
        Top-N shares, HHI and effective customers per recent period.
    account_months, account_tiers : DataFrame
        Monthly facts and tier per period of the customers with an account
        sheet (key and important ones first).
    notes : list of str
        Every assumption and missing input, in words.
    extract : ReportExtract or None
        What the report notebook shows of the customers (see :mod:`custlab.report.extract`),
        when the result was loaded for it.
    """

    summary: dict
    customers: pd.DataFrame
    waterfall: pd.DataFrame
    quality: pd.DataFrame
    quarantine: pd.DataFrame
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)
    holdout: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    tier_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    cluster_profile: pd.DataFrame = field(default_factory=pd.DataFrame)
    cluster_diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    concentration_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    account_months: pd.DataFrame = field(default_factory=pd.DataFrame)
    account_tiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    extract: Any = None

    @property
    def period(self) -> Period:
        """The report period."""
        return parse_period(self.summary["period"])


#: Where each frame of a :class:`PeriodResult` is saved in a results folder.
FRAME_FILES = {
    "customers": "customers.parquet",
    "waterfall": "waterfall.csv",
    "quality": "quality.csv",
    "quarantine": "quarantine.csv",
    "cohorts": "cohorts.csv",
    "scenarios": "scenarios.csv",
    "holdout": "holdout.csv",
    "model_comparison": "model_comparison.csv",
    "tier_history": "tier_history.csv",
    "movers": "movers.csv",
    "cluster_profile": "cluster_profile.csv",
    "cluster_diagnostics": "cluster_diagnostics.csv",
    "concentration_history": "concentration_history.csv",
    "account_months": "account_months.csv",
    "account_tiers": "account_tiers.csv",
}


def save_result(result: PeriodResult, folder: str | Path) -> Path:
    """Write a result to ``folder`` (created): the files :func:`load_result` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, file_name in FRAME_FILES.items():
        io.write_frame(getattr(result, name), folder / file_name)
    io.write_json(folder / "summary.json", result.summary)
    return folder


def load_result(folder: str | Path, account_rows_only: bool = False, with_customers: bool = True) -> PeriodResult:
    """Read a result written by :func:`save_result`.

    With ``account_rows_only`` the customers table holds only the customers with
    an account sheet (``account_sheet``; all of them in results saved without that
    column): what publishing the account sheets needs, without reading millions
    of rows. Without ``with_customers`` it holds none, only the columns: for the
    report notebook, which reads the extract of it instead.

    Raises
    ------
    InputError
        When ``folder`` is not a results folder.
    """
    folder = Path(folder)
    missing = [name for name in [*FRAME_FILES.values(), "summary.json"] if not (folder / name).is_file()]
    if missing:
        raise InputError(f"not a custlab results folder (missing {', '.join(missing)})", file=str(folder))
    summary = io.read_json(folder / "summary.json")
    frames = {name: io.read_frame(folder / file_name) for name, file_name in FRAME_FILES.items() if name != "customers"}
    customers_file = folder / FRAME_FILES["customers"]
    if not with_customers:
        frames["customers"] = io.parquet_empty_frame(customers_file)
    elif account_rows_only and "account_sheet" in io.parquet_columns(customers_file):
        frames["customers"] = io.read_frame(customers_file, rows_where=("account_sheet", True))
    else:
        frames["customers"] = io.read_frame(customers_file)
    return PeriodResult(summary=summary, notes=list(summary.get("notes", [])), **frames)
