"""The command line: one clear line and exit code 2 for unusable input, never a traceback."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, write


def custlab(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "custlab.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def assert_one_line_error(done, *fragments):
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_config_pointing_at_a_missing_file(tmp_path):
    config = write(tmp_path / "custlab.toml", '[sources.transactions]\npath = "missing.csv"\n')
    for command in (["validate", "--config", config], ["report", "--config", config, "--period", "2026-10", "--out", tmp_path]):
        assert_one_line_error(custlab(*command), "missing.csv", "file not found")
    assert not (tmp_path / "2026-10").exists()


def test_transactions_without_customer_id(tmp_path):
    write(tmp_path / "tx.csv", "client,date,revenue\nA,2026-01-01,10\n")
    config = write(tmp_path / "custlab.toml", '[sources.transactions]\npath = "tx.csv"\n')
    done = custlab("report", "--config", config, "--period", "2026-01", "--out", tmp_path / "reports")
    assert_one_line_error(done, "tx.csv", "column 'customer_id'", "required column missing")
    assert not (tmp_path / "reports" / "2026-01").exists()


def test_missing_config_and_bad_arguments():
    assert_one_line_error(custlab("validate", "--config", "nowhere.toml"), "nowhere.toml", "config file not found")
    assert_one_line_error(custlab("report", "--config", "x.toml"), "--period")
    assert_one_line_error(custlab("frobnicate"), "invalid choice")
    assert_one_line_error(
        custlab("report", "--config", ROOT / "data/cdnow/custlab.toml", "--period", "June 1998"), "YYYY-MM"
    )
    assert_one_line_error(
        custlab("report", "--config", ROOT / "data/cdnow/custlab.toml", "--period", "2026-10", "--out", "/tmp/x"),
        "outside the data",
    )


def test_validate_prints_counts_per_table(tmp_path):
    write(tmp_path / "tx.csv", "customer_id,date,revenue\nA,2026-01-01,10\n,2026-01-02,5\nB,2026-01-03,x\n")
    config = write(tmp_path / "custlab.toml", '[sources.transactions]\npath = "tx.csv"\n')
    done = custlab("validate", "--config", config, "--as-of", "2026-11-01", "--quarantine", tmp_path / "q.csv")
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("transactions"))
    assert row.split()[1:4] == ["3", "1", "2"]
    assert (tmp_path / "q.csv").read_text().count("\n") == 3  # header + 2 rows


@pytest.mark.parametrize("args", [["demo", "--out", "x", "--customers", "0"], ["demo", "--out", "x", "--end-month", "2026-13"]])
def test_demo_refuses_bad_sizes(tmp_path, args):
    assert_one_line_error(custlab(*args, cwd=tmp_path))
