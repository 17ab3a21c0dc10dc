"""Every broken input of the corpus (tests/bad_inputs) gets its expected outcome:
a one-line error with exit 2, or rows quarantined with a reason, never a traceback."""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from custlab import cli
from custlab.engine import session
from custlab.sources import validation
from custlab.sources.config import load_config
from custlab.exceptions import InputError
from custlab.analysis.pipeline import analyse

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case, tmp_path, capsys):
    expected = json.loads((case / "expected.json").read_text())
    quarantine = tmp_path / "q.csv"
    code = cli.main(["validate", "--config", str(case / "custlab.toml"), "--as-of", "2026-11-15", "--quarantine", str(quarantine)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == expected["exit"], err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("custlab: error: "), err
        assert expected["message"] in lines[0]
        if "column" in expected:
            assert f"column '{expected['column']}'" in lines[0]
        return
    counts = {line.split()[0]: [int(v.replace(",", "")) for v in line.split()[1:4]] for line in out.splitlines()[1:] if line and not line.startswith("custlab:")}
    assert counts == expected["counts"]
    for table, (read, accepted, quarantined) in counts.items():
        assert read == accepted + quarantined, table
    if expected["reasons"]:
        got = pd.read_csv(quarantine, dtype=str)
        for reason in expected["reasons"]:
            row = got[(got["table"] == reason["table"]) & (got["row"] == str(reason["row"]))]
            assert len(row) == 1, reason
            assert row["column"].item() == reason["column"]
            assert reason["reason"] in row["reason"].item()
            if "value" in reason:  # the bad value is in its own column, never in the reason
                assert row["value"].item() == reason["value"] and reason["value"] not in row["reason"].item()
    config = load_config(case / "custlab.toml")
    if "revenue_total" in expected or "distinct_customers" in expected:
        con = session.connect()
        validation.validate(con, config, as_of=date(2026, 11, 15))
        total, distinct = con.execute("SELECT coalesce(sum(revenue), 0), count(DISTINCT customer_id) FROM transactions").fetchall()[0]
        if "revenue_total" in expected:
            assert total == pytest.approx(expected["revenue_total"])
        if "distinct_customers" in expected:
            assert distinct == expected["distinct_customers"]
    if "report_message" in expected:
        with pytest.raises(InputError, match=expected["report_message"]):
            analyse(config, "2026-01", as_of=date(2026, 11, 15))
    if "report_note" in expected:
        notes = analyse(config, "2026-01", as_of=date(2026, 11, 15)).notes
        assert any(expected["report_note"] in note for note in notes), notes


@pytest.mark.parametrize("case", [c for c in CASES if json.loads((c / "expected.json").read_text())["exit"] == 2][:6], ids=lambda p: p.name)
def test_report_command_fails_cleanly_too(case, tmp_path, capsys):
    code = cli.main(["report", "--config", str(case / "custlab.toml"), "--period", "2026-01", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in out + err and len(err.strip().splitlines()) == 1
