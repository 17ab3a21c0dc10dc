"""Shared fixtures: a small demo company, generated once per test session."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from custlab.demo import DemoSpec, generate
from tests.hostile import write_hostile_company

ROOT = Path(__file__).resolve().parents[1]
SMALL_DEMO = DemoSpec(customers=1_500, months=24, end_month="2026-10", seed=7)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A 1,500-customer demo company (Parquet) with its custlab.toml."""
    folder = tmp_path_factory.mktemp("demo")
    generate(folder, SMALL_DEMO, progress=False)
    return folder


def write(path: Path, text: str) -> Path:
    """Write ``text`` (dedented by the caller) to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PERIOD = "2026-10"


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """``custlab demo`` then ``custlab report`` through the CLI: (demo folder, published folder)."""
    root = tmp_path_factory.mktemp("e2e")
    demo = root / "demo"
    for args in (
        ["demo", "--out", demo, "--customers", "1200", "--seed", "11", "--quiet"],
        ["report", "--config", demo / "custlab.toml", "--period", PERIOD, "--out", root / "reports"],
    ):
        done = subprocess.run([sys.executable, "-m", "custlab.cli", *map(str, args)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    (root / "report.log").write_text(done.stdout + done.stderr, encoding="utf-8")  # what the scheduler's log shows
    return demo, root / "reports" / PERIOD


@pytest.fixture(scope="session")
def hostile_report(tmp_path_factory) -> Path:
    """The hostile company's report, published through the CLI: the period folder."""
    root = tmp_path_factory.mktemp("hostile")
    config = write_hostile_company(root / "company")
    done = subprocess.run(
        [sys.executable, "-m", "custlab.cli", "report", "--config", str(config), "--period", PERIOD, "--out", str(root / "out")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root / "out" / PERIOD


def report(config: Path, period: str, out: Path) -> subprocess.CompletedProcess:
    """``custlab report`` through the CLI."""
    return subprocess.run(
        [sys.executable, "-m", "custlab.cli", "report", "--config", str(config), "--period", period, "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def read_published(done: subprocess.CompletedProcess, out: Path, period: str) -> tuple[str, dict]:
    """The page and summary of a run that must have published."""
    assert done.returncode == 0, done.stderr[-3000:]
    folder = out / period
    return (folder / "index.html").read_text(encoding="utf-8"), json.loads((folder / "summary.json").read_text(encoding="utf-8"))


#: The committed real data sets and the period each reports.
COMMITTED = {"btydplus-grocery": "2007-12", "clvtools-apparel": "2010-12", "cdnow": "1998-06"}


@pytest.fixture(scope="session")
def committed(tmp_path_factory) -> dict[str, tuple[str, dict, Path]]:
    """Each committed real data set's report, published once through the CLI: name -> (page, summary, folder)."""
    root = tmp_path_factory.mktemp("real")
    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(COMMITTED, pool.map(lambda n: report(ROOT / "data" / n / "custlab.toml", COMMITTED[n], root / n), COMMITTED)))
    return {name: (*read_published(done, root / name, COMMITTED[name]), root / name / COMMITTED[name]) for name, done in runs.items()}
