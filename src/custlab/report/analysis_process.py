"""The analysis step of a report run, in a process of its own.

``custlab report`` analyses a period, saves the result, then runs the report
notebook, whose kernel reads that result. Run in the runner's process, the
analysis left much of its memory with the allocators of pandas, Arrow and
DuckDB while the kernel read the result. In a spawned process all of it goes back to the
system when the analysis ends. Progress lines and errors reach the runner as if
the analysis ran there; an analysis whose runner is killed stops and cleans up.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import os
import queue
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import duckdb

from custlab import io
from custlab.analysis import pipeline
from custlab.report.extract import report_extract, save_extract
from custlab.report.pseudonyms import pseudonymise
from custlab.result import FRAME_FILES, PeriodResult, save_result
from custlab.sources.config import load_config
from custlab.engine import session
from custlab.exceptions import RunError, SetupError

#: Seconds an analysis whose runner is gone gets to stop by itself before it is ended.
ORPHAN_GRACE_SECONDS = 60

_progress_queue = None  # set in the analysis process by _analysis_process_started
_orphaned = threading.Event()  # set there when the runner is gone


def _analysis_process_started(progress_queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    # An orphaned analysis is stopped by SIGINT (see _stop_when_orphaned). A process started
    # in the background by a shell script, as schedulers often do, inherits SIGINT ignored,
    # and Python then raises nothing on it: the analysis would run on for the grace period
    # and be ended without removing its scratch folder. Python's own handler, whatever the
    # runner inherited.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()


def _stop_when_orphaned(runner: int) -> None:
    """End the analysis process when the runner that started it is gone.

    A scheduler that kills a run kills the runner; without this the analysis
    would go on alone for minutes with gigabytes of memory. It is interrupted
    first, so that its scratch database is removed (see :func:`_run_guarded`),
    and ended if it has not stopped within :data:`ORPHAN_GRACE_SECONDS`.
    """
    while os.getppid() == runner:
        time.sleep(0.5)
    _orphaned.set()
    os.kill(os.getpid(), signal.SIGINT)  # a real signal: it also wakes a sleeping or querying main thread
    time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(1)


def _run_guarded(function, *args):
    """``function(*args)`` in the analysis process; when its runner is gone, the process
    exits as soon as the function has been interrupted and its clean-up has run."""
    try:
        return function(*args)
    except KeyboardInterrupt:
        if _orphaned.is_set():
            os._exit(1)  # nobody is left to report to
        raise


#: Tables a run publishes beside its report, each written by the analysis process.
PUBLISHED_TABLES = ("customers", "quality", "quarantine")


def publish_tables(result: PeriodResult, results_dir: Path, max_csv_rows: int) -> dict[str, str]:
    """Write the published tables into ``results_dir/published``; return table -> its file,
    relative to ``results_dir``. The runner copies them as they are (also written to
    ``published/tables.json``).

    Written here, where the frames already are, so that neither the runner nor the
    notebook's kernel reads the customers table back to write it. A customers table
    past ``max_csv_rows`` is published as the Parquet file the result was saved in.
    """
    folder = results_dir / "published"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in PUBLISHED_TABLES:
        frame = getattr(result, name)
        if name == "customers" and io.table_file_name(name, len(frame), max_csv_rows) == FRAME_FILES["customers"]:
            written[name] = FRAME_FILES["customers"]
        else:
            written[name] = f"published/{io.write_table(frame, folder, name, max_csv_rows).name}"
    io.write_json(folder / "tables.json", written)
    return written


def _analyse_and_save(config_path: str, period: str, kind: str, salt: str, results_dir: str) -> None:
    """The analysis step of a run, in the process :func:`analyse_in_own_process` starts: analyse,
    save the result and write the published tables (see :func:`publish_tables`).

    A disk that fills up, in the scratch database (DuckDB's I/O error) or while
    the result is saved, is the machine's problem: a :class:`SetupError`.
    """
    try:
        config = load_config(config_path)
        result = pipeline.analyse(config, period, kind=kind, progress=_progress_queue.put)
        if salt:
            result = pseudonymise(result, salt)
        save_result(result, results_dir)
        save_extract(report_extract(result), results_dir)  # what the notebook's kernel reads instead of the customers
        publish_tables(result, Path(results_dir), config.settings.max_csv_rows)
    except OSError as exc:
        raise SetupError.from_os_error(exc, f"saving the analysis to {results_dir}") from None
    except duckdb.Error as exc:
        if not (isinstance(exc, duckdb.IOException) or session.disk_full(exc)):
            raise
        raise SetupError(f"the scratch database (in {tempfile.gettempdir()}; see TMPDIR) could not be written: "
                         f"{session.first_line(exc)}") from None
    finally:
        _progress_queue.put(None)  # no more progress lines


def analyse_in_own_process(config_path: Path, period: str, kind: str, salt: str, results_dir: Path, log) -> None:
    """Analyse a period and save its result (see :func:`custlab.result.save_result`) in a process of its own.

    When the process ends, all the memory of the analysis goes back to the system
    before the notebook's kernel reads the saved result. Progress lines reach
    ``log`` as they come; an error in the analysis is raised here as it was
    raised there.

    Raises
    ------
    RunError
        When the process dies without an error of its own (killed, e.g. by the
        system running out of memory).
    """
    context = multiprocessing.get_context("spawn")
    lines = context.Queue()
    with ProcessPoolExecutor(1, mp_context=context, initializer=_analysis_process_started, initargs=(lines,)) as pool:
        future = pool.submit(_run_guarded, _analyse_and_save, str(config_path), period, kind, salt, str(results_dir))
        try:
            _relay_progress(lines, future, log)
            future.result()
        except BrokenProcessPool:
            raise RunError(
                "the analysis process died without an error message (killed by the system, "
                "e.g. out of memory: see CUSTLAB_MEMORY_LIMIT)"
            ) from None
        except KeyboardInterrupt:  # the runner is stopped (Ctrl-C, SIGTERM): the analysis stops too
            _interrupt(pool)
            raise


def _relay_progress(lines, future, log) -> None:
    """Pass the analysis' progress lines to ``log`` until it sends its last (or fails)."""
    while True:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if future.done() and future.exception() is not None:
                return  # the error future.result() raises says what happened
            continue
        if line is None:
            return
        log(line)


def _interrupt(pool: ProcessPoolExecutor, grace: float = ORPHAN_GRACE_SECONDS) -> None:
    """Interrupt the analysis process so that it removes its scratch folder, and end it
    if it has not stopped within ``grace`` seconds; without this the pool's shutdown
    would wait for the whole analysis to finish."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGINT)
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
