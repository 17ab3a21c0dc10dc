"""Safe publishing: a failed run leaves the last report untouched, bad parameters are
refused before anything runs, and two runs of one period never corrupt it."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from custlab.report.index_page import published_reports
from tests.conftest import PERIOD, ROOT

NOTEBOOK = ROOT / "notebooks" / "reports" / "customer_report.ipynb"


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def custlab(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "custlab.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def run(*args):
    process = custlab(*args)
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


@pytest.fixture()
def reports(published, tmp_path):
    demo, folder = published
    copy = tmp_path / "reports"
    shutil.copytree(folder.parent, copy)
    return demo, copy


def test_failing_notebook_leaves_the_published_report_byte_identical(reports, tmp_path):
    demo, out = reports
    before = digest(out / PERIOD)
    broken = nbformat.read(NOTEBOOK, as_version=4)
    broken.cells.insert(5, nbformat.v4.new_code_cell('raise RuntimeError("planted failure")'))
    bad = NOTEBOOK.parent / "_broken_test_report.ipynb"
    nbformat.write(broken, bad)
    try:
        code, _, err = run("report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", out, "--notebook", bad)
    finally:
        bad.unlink()
    assert code == 1
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    message = [line for line in lines if line.startswith("custlab: error:")][0]
    assert "cell" in message and "RuntimeError: planted failure" in message and "executed notebook kept at" in message
    kept = Path(message.split("executed notebook kept at ")[1].strip())
    assert kept.is_file() and "planted failure" in kept.read_text()
    run_json = json.loads((kept.parent / "run.json").read_text())
    assert run_json["status"] == "failed"
    assert digest(out / PERIOD) == before


def test_unknown_parameter_is_refused_before_anything_runs(reports):
    demo, out = reports
    runs_before = sorted((out / "_runs").rglob("run.json"))
    code, _, err = run("report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", out, "-p", "top_m=5")
    assert code == 2 and "unknown parameter 'top_m' (did you mean 'top_n'?)" in err
    assert sorted((out / "_runs").rglob("run.json")) == runs_before
    code, _, err = run("report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", out, "-p", "top_n=many")
    assert code == 2 and "must be int" in err


def test_two_concurrent_runs_of_one_period_end_with_one_intact_report(reports):
    demo, out = reports
    first = custlab("report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", out)
    second = custlab("report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", out)
    results = [(p.wait(timeout=600), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 4]), results  # the second either waited its turn or was refused
    if codes == [0, 4]:
        assert any("in progress" in err for code, err in results if code == 4)
    summary = json.loads((out / PERIOD / "summary.json").read_text())
    assert summary["period"] == PERIOD
    assert (out / PERIOD / "index.html").stat().st_size > 100_000
    assert not list(out.glob(".*-old-*")) and not (out / "_runs" / f"{PERIOD}.lock").exists()


def test_index_lists_periods_newest_first(reports):
    demo, out = reports
    code, _, err = run("report", "--config", demo / "custlab.toml", "--period", "2026-Q3", "--out", out)
    assert code == 0, err
    listed = [r["folder"] for r in published_reports(out)]
    assert listed == ["2026-10", "2026-Q3"]
    page = (out / "index.html").read_text()
    assert page.index("2026-10/index.html") < page.index("2026-Q3/index.html")
