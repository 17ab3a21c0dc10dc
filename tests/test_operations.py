"""An unlucky operator's day: unwritable or full disks, odd arguments, runs stopped or killed.

Setup problems end with exit 2 and one line (exit 3 is for custlab's bugs);
a stopped run says so in its run.json and leaves no staging copy and no kernel
connection file; a killed run's leftovers are cleaned by the next run.
Disk-full and read-only cases mount a small tmpfs, which needs root: elsewhere
they are skipped, with that reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from custlab import cli
from custlab.exceptions import InputError
from custlab.periods import parse_period
from custlab.report.runner import check_parameters
from tests.conftest import PERIOD, ROOT

NOTEBOOK = ROOT / "notebooks" / "reports" / "customer_report.ipynb"


def custlab(*args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "custlab.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, **kw)  # fmt: skip


def run(*args, env=None):
    process = custlab(*args, env=env)
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("custlab: error")]


@contextlib.contextmanager
def tmpfs(path: Path, options: str):
    """A tmpfs mounted at ``path`` for the block (skips the test where mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill or lock a disk (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture()
def demo_config(published) -> Path:
    return published[0] / "custlab.toml"


def test_out_pointing_to_a_file_is_a_setup_error(demo_config, tmp_path):
    target = tmp_path / "reports.txt"
    target.write_text("not a folder")
    code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", target)
    assert code == 2 and len(error_lines(err)) == 1 and "is a file, not a folder" in err, err
    code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", target / "below")
    assert code == 2 and "is a file, not a folder" in err, err


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "0001-01", "1899-12", "2026-13", "٢٠٢٦-10"])
def test_periods_outside_the_supported_years_are_refused_before_anything_runs(demo_config, tmp_path, period, capsys):
    code = cli.main(["report", "--config", str(demo_config), "--period", period, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(error_lines(err)) == 1 and "1900 to 2999" in err, err
    assert not (tmp_path / "out").exists()


def test_period_labels_have_four_digit_years():
    assert parse_period("1900-01").label == "1900-01" and parse_period("2999-Q4").label == "2999-Q4"


@pytest.mark.parametrize("text", [" 7", "1_000", "٣", "7.0", "0x10", ""])
def test_int_parameters_are_written_plainly(text):
    with pytest.raises(InputError, match="must be int"):
        check_parameters(NOTEBOOK, {"top_n": text})
    assert check_parameters(NOTEBOOK, {"top_n": "-3"}) == {"top_n": -3}


def test_top_n_past_the_rows_the_extract_keeps_is_refused_before_anything_runs():
    assert check_parameters(NOTEBOOK, {"top_n": "100"}) == {"top_n": 100}
    with pytest.raises(InputError, match="parameter 'top_n' must be at most 100 .the rows the report keeps per list., got 101"):
        check_parameters(NOTEBOOK, {"top_n": "101"})


def test_read_only_output_volume(demo_config, tmp_path):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as volume:
        code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", volume / "out")
    assert code == 2 and len(error_lines(err)) == 1 and "Read-only file system" in err, err


@pytest.mark.parametrize("size, stage", [("256k", "saving the analysis"), ("3200k", "writing the report")])
def test_full_output_disk_is_a_setup_error_and_leaves_no_staging_copy(demo_config, tmp_path, size, stage):
    with tmpfs(tmp_path / "small", f"size={size}") as volume:
        code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", volume / "out")
        runs = list((volume / "out" / "_runs" / PERIOD).iterdir())
        manifest = json.loads((runs[0] / "run.json").read_text())
        leftovers = [p.name for p in runs[0].iterdir()]
    assert code == 2 and len(error_lines(err)) == 1, err
    assert stage in err and "No space left on device" in err, err
    assert manifest["status"] == "failed" and "publish" not in leftovers


def test_full_scratch_disk_is_a_setup_error(demo_config, tmp_path):
    with tmpfs(tmp_path / "scratch", "size=300k") as scratch:
        code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", tmp_path / "out",
                           env={"TMPDIR": str(scratch)})  # fmt: skip
        left = list(scratch.iterdir())
    assert code == 2 and len(error_lines(err)) == 1 and "TMPDIR" in err and "No space left" in err, err
    assert left == []  # the scratch folder went with the run


def wait_for(process, text: str, timeout: float = 120) -> str:
    """Read the process' stdout until a line holds ``text``."""
    seen, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never came: {seen}")


def test_sigterm_mid_notebook_ends_the_run_cleanly(demo_config, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = custlab("report", "--config", demo_config, "--period", PERIOD, "--out", tmp_path / "out",
                      env={"TMPDIR": str(scratch)})  # fmt: skip
    wait_for(process, "analyse done")
    time.sleep(1.0)  # the kernel is up and running the notebook
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    (attempt,) = (tmp_path / "out" / "_runs" / PERIOD).iterdir()
    manifest = json.loads((attempt / "run.json").read_text())
    assert manifest["status"] == "interrupted" and "kernel_dir" not in manifest
    assert not (attempt / "publish").exists() and not (tmp_path / "out" / PERIOD).exists()
    assert list(scratch.iterdir()) == []  # no kernel connection file, no scratch database
    assert not (tmp_path / "out" / "_runs" / f"{PERIOD}.lock").exists()


def test_a_killed_run_is_marked_abandoned_by_the_next(demo_config, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = custlab("report", "--config", demo_config, "--period", PERIOD, "--out", tmp_path / "out",
                      env={"TMPDIR": str(scratch)})  # fmt: skip
    wait_for(process, "analyse done")
    time.sleep(1.0)
    process.kill()  # SIGKILL: no code runs
    process.communicate(timeout=60)
    (killed,) = (tmp_path / "out" / "_runs" / PERIOD).iterdir()
    assert json.loads((killed / "run.json").read_text())["status"] == "running"
    assert (killed / "publish").exists() and any(scratch.glob("custlab-kernel-*/kernel.json"))
    code, _, err = run("report", "--config", demo_config, "--period", PERIOD, "--out", tmp_path / "out",
                       env={"TMPDIR": str(scratch)})  # fmt: skip
    assert code == 0, err
    manifest = json.loads((killed / "run.json").read_text())
    assert manifest["status"] == "abandoned" and not (killed / "publish").exists()
    assert not any(scratch.glob("custlab-kernel-*")), list(scratch.iterdir())


def test_published_files_are_readable_by_others(published):
    _, folder = published
    for path in (folder.parent / "index.html", folder / "index.html", folder / "summary.json"):
        assert path.stat().st_mode & 0o777 == 0o644, path
