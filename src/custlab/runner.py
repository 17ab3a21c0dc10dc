"""Run a period's report: analyse, execute the notebook, export HTML, publish.

Each attempt works in its own run folder, ``<out>/_runs/<period>/<run id>/``,
which is kept: on failure the executed notebook there (with papermill's error
banner) is the debug log. The period's folder ``<out>/<period>/`` is replaced
atomically, and only when every step succeeded, so readers never see a broken
or half-written report.
"""

from __future__ import annotations

import platform
import time
import uuid
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import papermill as pm

from custlab import accounts, export, io, pipeline
from custlab.config import load_config
from custlab.exceptions import InputError, RunError
from custlab.periods import parse_period

#: The report notebook the scheduler runs, in a clone of the repository.
DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "reports" / "customer_report.ipynb"
DEFAULT_TIMEOUT = 1800  # seconds per cell; papermill's own default is forever
PUBLISHED_FILES = ("index.html", "customers.csv", "summary.json", "quality.csv", "quarantine.csv", "run.json")


def _versions() -> dict[str, str]:
    names = ("custlab", "pandas", "numpy", "duckdb", "papermill", "nbconvert", "scikit-learn", "matplotlib")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a report notebook declares (name -> papermill's description)."""
    return pm.inspect_notebook(str(notebook))


def run_report(
    config_path: str | Path,
    period: str,
    out: str | Path = "reports",
    notebook: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    max_html_bytes: int = 5_000_000,
    log=print,
) -> Path:
    """Publish the report of one period to ``<out>/<period>/``.

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
    log : callable
        Receives one progress line per step.

    Returns
    -------
    Path
        The published folder.

    Raises
    ------
    InputError
        Bad config, data or period: nothing ran.
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
    out = Path(out).resolve()
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    run_dir = out / "_runs" / report_period.label / run_id
    results_dir = run_dir / "results"
    staging = run_dir / "publish"
    staging.mkdir(parents=True)
    manifest = {
        "run_id": run_id,
        "status": "running",
        "period": report_period.label,
        "parameters": {"config": str(config.path), "period": report_period.label, "timeout": timeout},
        "notebook": str(notebook),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "data": {table: io.file_fingerprint(s.path) for table, s in config.sources.items() if s.path.is_file()},
        "timings_seconds": timings,
        "run_folder": str(run_dir),
    }
    io.write_json(run_dir / "run.json", manifest)

    def step(name: str, began: float) -> None:
        timings[name] = round(time.perf_counter() - began, 3)
        log(f"custlab: {name} done in {timings[name]:.1f}s")

    try:
        began = time.perf_counter()
        result = pipeline.analyse(config, report_period.label)
        pipeline.save_result(result, results_dir)
        step("analyse", began)

        began = time.perf_counter()
        executed = run_dir / notebook.name
        parameters = {"config": str(config.path), "period": report_period.label, "results_dir": str(results_dir)}
        try:
            pm.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(notebook.parent),
                progress_bar=False,
                execution_timeout=timeout,
                report_mode=True,
            )
        except pm.PapermillExecutionError as exc:
            raise RunError(
                f"{notebook.name}: cell {exc.cell_index} failed ({exc.ename}: {exc.evalue}); "
                f"executed notebook kept at {executed}"
            ) from None
        except Exception as exc:  # a dead kernel, a timeout: papermill raises several types
            raise RunError(f"{notebook.name}: execution failed ({type(exc).__name__}: {exc}); see {executed}") from None
        step("notebook", began)

        began = time.perf_counter()
        title = f"{config.company} — customer report, {report_period.title()}"
        subtitle = (
            f"Profit over the {result.summary['window_months']} months "
            f"{result.summary['window_start']} to {result.summary['window_end']}. "
            f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC."
        )
        size = export.export_html(executed, staging / "index.html", title, subtitle, max_html_bytes)
        accounts.write_account_pages(result, staging / "accounts")
        io.write_frame(result.customers, staging / "customers.csv")
        io.write_frame(result.quality, staging / "quality.csv")
        io.write_frame(result.quarantine, staging / "quarantine.csv")
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
    target = out / report_period.label
    io.publish_folder(staging, target)
    log(f"custlab: published {target / 'index.html'} ({size:,} bytes) in {manifest['seconds']:.1f}s")
    return target
