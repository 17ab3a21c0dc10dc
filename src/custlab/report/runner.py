"""Run a period's report: analyse, execute the notebook, export HTML, publish.

Each attempt works in its own run folder, ``<out>/_runs/<period>/<run id>/``,
which is kept: on failure the executed notebook there (with papermill's error
banner) is the debug log. The period's folder ``<out>/<period>/`` is replaced
atomically, and only when every step succeeded, so readers never see a broken
or half-written report. One run per period at a time: a second one is refused
while the first holds the period's lock. After each publication the index page
``<out>/index.html`` lists every published period.
"""

from __future__ import annotations

import difflib
import os
import platform
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import papermill as pm

from custlab.report import accounts, analysis_process, export, index_page
from custlab import io
from custlab.sources import files
from custlab.result import FRAME_FILES, load_result
from custlab.sources.config import load_config
from custlab.exceptions import CustlabError, InputError, RunError
from custlab.periods import parse_period

#: The report notebook the scheduler runs, in a clone of the repository.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "reports" / "customer_report.ipynb"
DEFAULT_TIMEOUT = 1800  # seconds per cell; papermill's own default is forever
#: Notebook parameters the runner sets itself; the others may be given with --param.
RUNNER_PARAMETERS = ("config", "period", "results_dir")


class RunLockedError(CustlabError):
    """Another run of the same period holds the lock (exit code 4)."""

    exit_code = 4


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
    """The git commit of the custlab checkout (with ``+dirty`` for local changes), or ``unknown``."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here, capture_output=True, text=True, timeout=10)
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a report notebook declares (name -> papermill's description)."""
    return pm.inspect_notebook(str(notebook))


def check_parameters(notebook: Path, given: dict[str, str]) -> dict[str, object]:
    """Refuse unknown or runner-owned parameters before anything runs (papermill only warns).

    Values are converted to the type of the notebook's default (int, float, bool, str).

    Raises
    ------
    InputError
        For an unknown name (with the closest known one) or a value of the wrong type.
    """
    declared = notebook_parameters(notebook)
    allowed = [name for name in declared if name not in RUNNER_PARAMETERS]
    converted: dict[str, object] = {}
    for name, text in given.items():
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"unknown parameter '{name}'{hint}; this notebook takes: {', '.join(allowed) or 'none'}", file=str(notebook))
        kind = str(declared[name].get("inferred_type_name", "str"))
        try:
            if kind == "int":
                converted[name] = int(text)
            elif kind == "float":
                converted[name] = float(text)
            elif kind == "bool":
                if text.lower() not in ("true", "false"):
                    raise ValueError(text)
                converted[name] = text.lower() == "true"
            else:
                converted[name] = text
        except ValueError:
            raise InputError(f"parameter '{name}' must be {kind}, got {text!r}", file=str(notebook)) from None
    return converted


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def period_lock(folder: Path, label: str):
    """Hold ``<folder>/<label>.lock`` for the run; refuse while a live run holds it.

    A lock left by a run that died (its process is gone) is taken over.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{label}.lock"
    for _ in range(2):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                holder = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                holder = -1
            if holder > 0 and _pid_alive(holder):
                raise RunLockedError(f"another run of period {label} is in progress (process {holder}); lock {path}") from None
            path.unlink(missing_ok=True)
    else:
        raise RunLockedError(f"could not take the lock {path}")
    try:
        os.write(handle, f"{os.getpid()} {datetime.now(timezone.utc).isoformat()}\n".encode())
        os.close(handle)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _execution_error(exc: Exception, notebook: Path, executed: Path) -> RunError:
    name = type(exc).__name__
    if isinstance(exc, pm.PapermillExecutionError):
        evalue = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        return RunError(f"{notebook.name}: cell {exc.cell_index} failed ({exc.ename}: {evalue}); executed notebook kept at {executed}")
    if "DeadKernel" in name or "dead" in str(exc).lower():
        return RunError(f"{notebook.name}: the notebook's kernel died (out of memory?); executed notebook kept at {executed}")
    if "Timeout" in name or "timed out" in str(exc).lower():
        return RunError(f"{notebook.name}: a cell ran past the timeout; executed notebook kept at {executed}")
    first = str(exc).splitlines()[0] if str(exc) else ""
    return RunError(f"{notebook.name}: execution failed ({name}: {first}); see {executed}")


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
    RunLockedError
        Another run of the same period is in progress.
    RunError
        The notebook or the export failed: the run folder keeps the evidence,
        the published report is untouched.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    config = load_config(config_path)
    report_period = parse_period(period)
    notebook = Path(notebook) if notebook else DEFAULT_NOTEBOOK
    if not notebook.is_file():
        raise InputError("report notebook not found", file=str(notebook))
    extra = check_parameters(notebook, parameters or {})
    label = report_period.label + (f"-{kind}" if kind else "")
    out = Path(out).resolve()
    with period_lock(out / "_runs", label):
        run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
        run_dir = out / "_runs" / label / run_id
        results_dir = run_dir / "results"
        staging = run_dir / "publish"
        staging.mkdir(parents=True)
        manifest = {
            "run_id": run_id,
            "status": "running",
            "period": report_period.label,
            "kind": kind or "all",
            "parameters": {"config": str(config.path), "period": report_period.label, "timeout": timeout, **extra,
                           "kind": kind, "pseudonymised": bool(pseudonymise_salt)},
            "notebook": str(notebook),
            "code_version": code_version(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "data": {table: files.file_fingerprint(s.path) for table, s in config.sources.items() if s.path.is_file()},
            "timings_seconds": timings,
            "run_folder": str(run_dir),
        }
        io.write_json(run_dir / "run.json", manifest)

        def step(name: str, began: float) -> None:
            timings[name] = round(time.perf_counter() - began, 3)
            log(f"custlab: {name} done in {timings[name]:.1f}s")

        try:
            began = time.perf_counter()
            analysis_process.analyse_in_own_process(config.path, report_period.label, kind, pseudonymise_salt, results_dir, log)
            step("analyse", began)
            limit = config.settings.max_csv_rows
            saved_customers = results_dir / FRAME_FILES["customers"]
            # Past max_csv_rows the customers table is published as the saved Parquet
            # file, copied, and only the account sheets' rows are read back here: the
            # notebook's kernel reads the whole file meanwhile (about 8 GB at 10M customers).
            customers_file = io.table_file_name("customers", io.parquet_rows(saved_customers), limit)
            large = customers_file == saved_customers.name
            result = load_result(results_dir, account_rows_only=large)

            began = time.perf_counter()
            executed = run_dir / notebook.name
            values = {"config": str(config.path), "period": report_period.label, "results_dir": str(results_dir), **extra}
            try:
                pm.execute_notebook(
                    str(notebook), str(executed), parameters=values, kernel_name="python3", cwd=str(notebook.parent),
                    progress_bar=False, execution_timeout=timeout, report_mode=True,
                )  # fmt: skip
            except Exception as exc:  # papermill raises several types: cell errors, dead kernels, timeouts
                raise _execution_error(exc, notebook, executed) from None
            step("notebook", began)

            began = time.perf_counter()
            scope = f" ({kind} customers)" if kind else ""
            title = f"{config.company} — customer report{scope}, {report_period.title()}"
            subtitle = (
                f"Profit over the {result.summary['window_months']} months "
                f"{result.summary['window_start']} to {result.summary['window_end']}. "
                f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC."
                + (" Customer ids are pseudonymised." if pseudonymise_salt else "")
            )
            size = export.export_html(executed, staging / "index.html", title, subtitle, max_html_bytes)
            accounts.write_account_pages(result, staging / "accounts")
            if large:
                shutil.copyfile(saved_customers, staging / customers_file)
                tables = {"customers": customers_file}
            else:
                tables = {"customers": io.write_table(result.customers, staging, "customers", limit).name}
            tables.update({name: io.write_table(frame, staging, name, limit).name for name, frame in
                           [("quality", result.quality), ("quarantine", result.quarantine)]})
            manifest["tables"] = tables
            io.write_json(staging / "summary.json", result.summary)
            step("export", began)
            manifest.update(status="published", html_bytes=size)
        except Exception as exc:
            manifest.update(status="failed", error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            manifest["seconds"] = round(time.perf_counter() - started, 3)
            io.write_json(run_dir / "run.json", manifest)
            raise
        manifest["seconds"] = round(time.perf_counter() - started, 3)
        manifest["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        io.write_json(staging / "run.json", manifest)
        io.write_json(run_dir / "run.json", manifest)
        target = out / label
        io.publish_folder(staging, target)
        index_page.write_index(out)
    log(f"custlab: published {target / 'index.html'} ({size:,} bytes) in {manifest['seconds']:.1f}s")
    return target
