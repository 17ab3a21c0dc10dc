"""Run a period's report: analyse, execute the notebook, export HTML, publish.

Each attempt works in its own run folder (see :mod:`custlab.report.attempt`),
kept as the debug log. The period's folder ``<out>/<period>/`` is replaced
atomically, and only when every step succeeded, so readers never see a broken
or half-written report. One run per period at a time
(:func:`custlab.report.lock.period_lock`). After each publication the index
page ``<out>/index.html`` lists every published period.
"""

from __future__ import annotations

import difflib
import platform
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import papermill as pm

from custlab import io
from custlab.exceptions import InputError, RunError, SetupError
from custlab.periods import Period, parse_period
from custlab.report import accounts, analysis_process, export, index_page
from custlab.report.attempt import RunAttempt, abandon_stale_attempts, writable_folder
from custlab.report.lock import RunLockedError, period_lock
from custlab.report.notebooks import report_notebook
from custlab.report.extract import LIST_ROWS
from custlab.result import PeriodResult, load_result
from custlab.sources import files
from custlab.sources.config import Config, load_config

__all__ = ["RunLockedError", "run_report", "check_parameters", "DEFAULT_NOTEBOOK"]

#: The report notebook the scheduler runs: package data, so an installed custlab needs no checkout.
DEFAULT_NOTEBOOK = report_notebook()
DEFAULT_TIMEOUT = 1800  # seconds per cell; papermill's own default is forever
#: Notebook parameters the runner sets itself; the others may be given with --param.
RUNNER_PARAMETERS = ("config", "period", "results_dir")
#: How a -p value must be written for each parameter type (ASCII digits only: int("٣") is 3).
_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def _versions() -> dict[str, str]:
    names = ("custlab", "pandas", "numpy", "duckdb", "papermill", "nbconvert", "scikit-learn", "matplotlib")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def code_version() -> str:
    """The git commit of the custlab checkout (with ``+dirty`` for local changes), or the
    installed package's version (``custlab 0.1.0``) outside a checkout."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if sha.returncode == 0:
            dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here, capture_output=True, text=True, timeout=10)
            return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return f"custlab {_versions()['custlab']}"


def _convert(kind: str, text: str) -> object:
    """``text`` as a value of the notebook default's type; ValueError when it is not written as one."""
    if kind == "int":
        if not _INT.fullmatch(text):
            raise ValueError(text)
        return int(text)
    if kind == "float":
        if not _FLOAT.fullmatch(text):
            raise ValueError(text)
        return float(text)
    if kind == "bool":
        if text not in ("true", "false", "True", "False"):
            raise ValueError(text)
        return text.lower() == "true"
    return text


def check_parameters(notebook: Path, given: dict[str, str]) -> dict[str, object]:
    """Refuse unknown or runner-owned parameters before anything runs (papermill only warns).

    Values are converted to the type of the notebook's default (int, float, bool,
    str), written plainly: ``7``, not `` 7``, ``1_000`` or ``٣``.

    Raises
    ------
    InputError
        For an unknown name (with the closest known one), a value of the wrong type, or
        ``top_n`` longer than the lists the report's extract keeps (see :mod:`custlab.report.extract`).
    """
    declared = pm.inspect_notebook(str(notebook))
    allowed = [name for name in declared if name not in RUNNER_PARAMETERS]
    converted: dict[str, object] = {}
    for name, text in given.items():
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"unknown parameter '{name}'{hint}; this notebook takes: {', '.join(allowed) or 'none'}", file=str(notebook))
        kind = str(declared[name].get("inferred_type_name", "str"))
        try:
            converted[name] = _convert(kind, text)
        except ValueError:
            raise InputError(f"parameter '{name}' must be {kind}, got {text!r}", file=str(notebook)) from None
    if converted.get("top_n", 0) > LIST_ROWS:  # refused here, before the analysis runs, not by the notebook after it
        raise InputError(f"parameter 'top_n' must be at most {LIST_ROWS} (the rows the report keeps per list), got {converted['top_n']}",
                         file=str(notebook))  # fmt: skip
    return converted


@dataclass
class RunPlan:
    """What a run will do, checked before anything runs."""

    config: Config
    period: Period
    notebook: Path
    extra: dict[str, object]
    kind: str = ""
    salt: str = ""
    timeout: int = DEFAULT_TIMEOUT
    max_html_bytes: int = 5_000_000
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The published folder's name: the period, with the kind when scoped."""
        return self.period.label + (f"-{self.kind}" if self.kind else "")

    def manifest(self) -> dict:
        """The first ``run.json`` of an attempt (paths relative, nothing of the machine's layout)."""
        config = self.config
        return {
            "period": self.period.label,
            "kind": self.kind or "all",
            "parameters": {"config": config.path.name, "period": self.period.label, "timeout": self.timeout, **self.extra,
                           "kind": self.kind, "pseudonymised": bool(self.salt)},
            "notebook": "bundled customer_report.ipynb" if self.notebook == DEFAULT_NOTEBOOK else self.notebook.name,
            "code_version": code_version(),
            "versions": _versions(),
            "data": {table: {**files.file_fingerprint(s.path), "path": config.published_path(s.path)}
                     for table, s in config.sources.items() if s.path.is_file()},
            "timings_seconds": self.timings,
        }  # fmt: skip


def run_report(
    config_path: str | Path,
    period: str,
    out: str | Path = "reports",
    notebook: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    max_html_bytes: int = 5_000_000,
    parameters: dict[str, str] | None = None,
    kind: str = "",
    pseudonymise_salt: str = "",
    log=print,
) -> Path:
    """Publish the report of one period to ``<out>/<period>/`` (``<out>/<period>-<kind>/`` when scoped).

    Parameters
    ----------
    config_path : path
        The company's custlab.toml.
    period : str
        ``YYYY-MM`` or ``YYYY-Qn``.
    out : path
        Folder of published reports.
    notebook : path, optional
        The report notebook; the bundled ``customer_report.ipynb`` by default.
    timeout : int
        Seconds one notebook cell may run.
    max_html_bytes : int
        Size budget of the HTML page.
    parameters : dict, optional
        Further notebook parameters (name -> text), checked against the notebook.
    kind : str
        ``consumer`` or ``business`` scopes the report to that kind of customer.
    pseudonymise_salt : str
        When set, customer ids are replaced by pseudonyms (see
        :func:`custlab.report.pseudonyms.pseudonymise`) in everything published.
    log : callable
        Receives one progress line per step.

    Raises
    ------
    InputError
        Bad config, data, period or parameter: nothing ran.
    SetupError
        The output folder or a disk cannot be written: one line, exit 2.
    RunLockedError
        Another run of the same period is in progress.
    RunError
        The notebook or the export failed: the run folder keeps the evidence,
        the published report is untouched.
    """
    started = time.perf_counter()
    notebook = Path(notebook) if notebook else DEFAULT_NOTEBOOK
    if not notebook.is_file():
        raise InputError("report notebook not found", file=str(notebook))
    plan = RunPlan(load_config(config_path), parse_period(period), notebook, check_parameters(notebook, parameters or {}),
                   kind, pseudonymise_salt, timeout, max_html_bytes)  # fmt: skip
    out = writable_folder(out)
    with period_lock(out / "_runs", plan.label):
        abandon_stale_attempts(out / "_runs" / plan.label)
        with RunAttempt(out / "_runs", plan.label, plan.manifest()) as attempt:
            result = _analyse(plan, attempt, log)
            executed = _run_notebook(plan, attempt, log)
            size = _export(plan, attempt, result, executed, log)
            attempt.manifest.update(status="published", html_bytes=size, seconds=round(time.perf_counter() - started, 3),
                                    finished=datetime.now(timezone.utc).isoformat(timespec="seconds"))  # fmt: skip
            io.write_json(attempt.staging / "run.json", attempt.manifest)
            attempt.save()
            io.publish_folder(attempt.staging, out / plan.label)
        try:
            index_page.write_index(out)
        except OSError as exc:
            raise SetupError.from_os_error(exc, "writing the index of reports") from None
    log(f"custlab: published {out / plan.label / 'index.html'} ({size:,} bytes) in {attempt.manifest['seconds']:.1f}s")
    return out / plan.label


def _step_done(plan: RunPlan, name: str, began: float, log) -> None:
    plan.timings[name] = round(time.perf_counter() - began, 3)
    log(f"custlab: {name} done in {plan.timings[name]:.1f}s")


def _analyse(plan: RunPlan, attempt: RunAttempt, log) -> PeriodResult:
    """Analyse in a process of its own (which also writes the published tables); read back
    what the account sheets need: of the customers, only the rows with a sheet."""
    began = time.perf_counter()
    analysis_process.analyse_in_own_process(plan.config.path, plan.period.label, plan.kind, plan.salt, attempt.results, log)
    _step_done(plan, "analyse", began, log)
    return load_result(attempt.results, account_rows_only=True)


def _execution_error(exc: Exception, notebook: Path, executed: Path) -> Exception:
    name = type(exc).__name__
    if isinstance(exc, OSError):
        return exc  # the machine's problem (a full disk while the notebook is written): a setup error
    if isinstance(exc, pm.PapermillExecutionError):
        evalue = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        return RunError(f"{notebook.name}: cell {exc.cell_index} failed ({exc.ename}: {evalue}); executed notebook kept at {executed}")
    if "DeadKernel" in name or "dead" in str(exc).lower():
        return RunError(f"{notebook.name}: the notebook's kernel died (out of memory?); executed notebook kept at {executed}")
    if "Timeout" in name or "timed out" in str(exc).lower():
        return RunError(f"{notebook.name}: a cell ran past the timeout; executed notebook kept at {executed}")
    first = str(exc).splitlines()[0] if str(exc) else ""
    return RunError(f"{notebook.name}: execution failed ({name}: {first}); see {executed}")


def _run_notebook(plan: RunPlan, attempt: RunAttempt, log) -> Path:
    """Execute the report notebook on the saved result; its kernel's connection file lives
    in a private folder removed when the notebook ends, however it ends."""
    began = time.perf_counter()
    executed = attempt.folder / plan.notebook.name
    values = {"config": str(plan.config.path), "period": plan.period.label, "results_dir": str(attempt.results), **plan.extra}
    with attempt.kernel_config() as kernel_config:
        try:
            pm.execute_notebook(
                str(plan.notebook), str(executed), parameters=values, kernel_name="python3", cwd=str(plan.notebook.parent),
                progress_bar=False, execution_timeout=plan.timeout, report_mode=True, config=kernel_config,
            )  # fmt: skip
        except Exception as exc:  # papermill raises several types: cell errors, dead kernels, timeouts
            raise _execution_error(exc, plan.notebook, executed) from None
    _step_done(plan, "notebook", began, log)
    return executed


def _export(plan: RunPlan, attempt: RunAttempt, result: PeriodResult, executed: Path, log) -> int:
    """The HTML page, the account sheets, the published tables (copied as the analysis wrote
    them) and summary.json, into the staging folder."""
    began = time.perf_counter()
    staging, summary = attempt.staging, result.summary
    scope = f" ({plan.kind} customers)" if plan.kind else ""
    title = f"{plan.config.company} — customer report{scope}, {plan.period.title()}"
    measure = "Profit" if (summary.get("inputs_met") or {}).get("revenue", True) else "Purchases"
    subtitle = (
        f"{measure} over the {summary['window_months']} months {summary['window_start']} to {summary['window_end']}. "
        f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC." + (" Customer ids are pseudonymised." if plan.salt else "")
    )
    size = export.export_html(executed, staging / "index.html", title, subtitle, plan.max_html_bytes)
    accounts.write_account_pages(result, staging / "accounts")
    tables = {}
    for name, written in io.read_json(attempt.results / "published" / "tables.json").items():
        tables[name] = Path(written).name
        shutil.copyfile(attempt.results / written, staging / tables[name])
    attempt.manifest["tables"] = tables
    io.write_json(staging / "summary.json", summary)
    _step_done(plan, "export", began, log)
    return size
