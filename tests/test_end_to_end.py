"""custlab demo then custlab report on a small company: the published files agree
with each other and with the raw files."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from custlab.report import accounts, analysis_process, runner
from custlab import io
from custlab.engine import session
from custlab.result import load_result
from custlab.sources.config import load_config
from custlab.report.export import external_references

from tests.conftest import PERIOD


def test_publishes_the_report_files(published):
    _, folder = published
    for name in ("index.html", "customers.csv", "summary.json", "run.json", "quality.csv", "quarantine.csv"):
        assert (folder / name).is_file(), name
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "published" and run["period"] == PERIOD
    assert {"analyse", "notebook", "export"} <= set(run["timings_seconds"])
    assert run["versions"]["custlab"] and run["data"]["transactions"]["bytes"] > 0
    assert run["tables"] == {"customers": "customers.csv", "quality": "quality.csv", "quarantine": "quarantine.csv"}
    executed = folder.parent / "_runs" / PERIOD / run["run_id"] / "customer_report.ipynb"
    notebook = nbformat.read(executed, as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and PERIOD in injected[0].source  # papermill injected the period
    customers = pd.read_csv(folder / "customers.csv")
    sheets = {p.name for p in (folder / "accounts").glob("*.html")} - {"index.html"}
    # a sheet for every key and important customer, and for the lean big and churn-risk ones whatever their tier
    for_sheet = customers["tier"].isin(["key", "important"]) | customers["lean_big"] | customers["churn_risk"]
    assert len(sheets) == customers["account_sheet"].sum() == for_sheet.sum() > customers["tier"].isin(["key", "important"]).sum()


def test_profit_adds_up_across_files_and_matches_the_raw_data(published):
    demo, folder = published
    summary = json.loads((folder / "summary.json").read_text())
    customers = pd.read_csv(folder / "customers.csv", dtype={"customer_id": str})
    assert customers["customer_id"].is_unique
    assert summary["profit"] == pytest.approx(customers["profit"].sum(), rel=1e-9)
    assert summary["revenue"] == pytest.approx(customers["revenue"].sum(), rel=1e-9)

    # Recompute from the raw files, independently of custlab's SQL.
    start, end = pd.Timestamp(summary["window_start"]), pd.Timestamp(summary["window_end"])
    settings = load_config(demo / "custlab.toml").settings
    tx = pd.read_parquet(demo / "transactions.parquet")
    tx = tx[pd.to_datetime(tx["date"]).between(start, end)]
    service = pd.read_parquet(demo / "service.parquet")
    service = service[pd.to_datetime(service["date"]).between(start, end)]
    recv = pd.read_parquet(demo / "receivables.parquet")
    issued, due = pd.to_datetime(recv["issued"]), pd.to_datetime(recv["due"])
    paid = pd.to_datetime(recv["paid"])
    open_from = np.maximum(issued, start)
    open_to = paid.fillna(end + pd.Timedelta(days=1)).clip(upper=end + pd.Timedelta(days=1))
    days = (open_to - open_from).dt.days.clip(lower=0)
    carrying = (recv["amount"] * settings.cost_of_capital * days / 365).sum()
    still_open = (issued <= end) & (paid.isna() | (paid > end))
    past_due = (end - due).dt.days
    rate = pd.cut(past_due, [-np.inf, 0, 30, 60, 90, np.inf], labels=list(settings.ecl_rates)).map(settings.ecl_rates)
    ecl = (recv["amount"] * rate.astype(float) * still_open).sum()
    expected = (
        tx["revenue"].sum() - tx["cost"].sum() - tx["discount"].sum() - tx["channel_fee"].sum()
        - service["cost"].sum() - carrying - ecl
    )  # fmt: skip
    assert summary["profit"] == pytest.approx(expected, rel=1e-9)
    assert customers["expected_credit_loss"].sum() == pytest.approx(ecl, rel=1e-9)
    assert customers["carrying_cost"].sum() == pytest.approx(carrying, rel=1e-9)
    waterfall_terms = ["cogs", "discount", "channel_fee", "cost_to_serve", "carrying_cost", "expected_credit_loss"]
    rebuilt = customers["revenue"] - customers[waterfall_terms].sum(axis=1)
    assert np.allclose(rebuilt, customers["profit"])


def test_profitability_figures_are_published(published):
    _, folder = published
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("top20_revenue_share", "top20_profit_share", "whale_peak", "whale_peak_customer_share",
                "loss_making_share", "lean_big_count", "bulk_one_off_count"):
        assert summary[key] is not None, key
    customers = pd.read_csv(folder / "customers.csv", dtype={"customer_id": str})
    assert summary["lean_big_count"] == customers["lean_big"].sum()
    assert summary["bulk_one_off_count"] == customers["bulk_one_off"].sum()
    assert summary["whale_peak"] > 1.0
    lean = customers[customers["lean_big"]]
    assert lean["lean_big_reason"].str.contains("of revenue vs").all()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert 'id="Where-the-profit-comes-from"' in page and "Lean big customers" in page


def test_quality_rows_read_equal_accepted_plus_quarantined(published):
    _, folder = published
    quality = pd.read_csv(folder / "quality.csv")
    assert (quality["rows_read"] == quality["accepted"] + quality["quarantined"]).all()
    assert set(quality["table"]) == {"transactions", "customers", "service", "receivables", "surveys"}


def test_html_has_no_code_and_needs_no_internet(published):
    _, folder = published
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert external_references(page) == []
    assert "<script" not in page
    for code in ("import custlab", "report_data(", "results_dir", "plots.profit_waterfall"):
        assert code not in page
    assert "Demo Company — customer report, October 2026" in page
    assert 'class="custlab-toc"' in page and 'href="#Data-quality"' in page and 'id="Data-quality"' in page
    assert "data:image/png;base64" in page  # the waterfall chart is inlined
    assert len(page.encode()) < 5_000_000


def test_tables_too_long_for_csv_are_published_as_parquet(tmp_path):
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "profit": [1.0, 2.0, 3.0]})
    assert io.write_table(frame, tmp_path, "customers", max_csv_rows=3).name == "customers.csv"
    written = io.write_table(frame, tmp_path, "customers", max_csv_rows=2)
    assert written.name == "customers.parquet"
    assert pd.read_parquet(written).equals(frame)


def test_saved_parquet_round_trips_and_skips_dictionaries_for_floats(tmp_path):
    frame = pd.DataFrame({
        "customer_id": [f"C{i % 50:03d}" for i in range(1000)],
        "profit": [i * 0.37 - 100.0 for i in range(1000)],
        "orders": [i % 7 for i in range(1000)],
        "lean_big": [i % 3 == 0 for i in range(1000)],
        "clv": pd.array([None if i % 10 == 0 else i / 3 for i in range(1000)], dtype="Float64"),
        "first_purchase_month": pd.to_datetime(["2025-01-01", "2026-02-01"] * 500),
        "sheet_count": pd.array([1, None] * 500, dtype="Int64"),
    })
    path = tmp_path / "customers.parquet"
    io.write_frame(frame, path)
    pd.testing.assert_frame_equal(io.read_frame(path), frame, check_exact=True)
    chunks = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {chunks.column(i).path_in_schema: set(chunks.column(i).encodings) for i in range(chunks.num_columns)}
    dictionary = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    assert not encodings["profit"] & dictionary and not encodings["clv"] & dictionary
    for column in ("customer_id", "orders", "first_purchase_month", "sheet_count"):  # (flags are bit-packed)
        assert encodings[column] & dictionary, column


def test_a_customers_table_too_long_for_csv_is_the_saved_parquet_and_not_held_twice(published, tmp_path, monkeypatch):
    demo, folder = published
    config = demo / "parquet_customers.toml"
    config.write_text((demo / "custlab.toml").read_text().replace("[settings]\n", "[settings]\nmax_csv_rows = 500\n"))
    held = []
    write_pages = accounts.write_account_pages
    monkeypatch.setattr(accounts, "write_account_pages", lambda result, out: held.append(len(result.customers)) or write_pages(result, out))
    target = runner.run_report(config, PERIOD, out=tmp_path / "reports", log=lambda line: None)
    run = json.loads((target / "run.json").read_text())
    assert run["tables"] == {"customers": "customers.parquet", "quality": "quality.csv", "quarantine": "quarantine.csv"}
    customers = pd.read_parquet(target / "customers.parquet")
    as_csv = pd.read_csv(folder / "customers.csv", dtype={"customer_id": str})
    assert len(customers) == len(as_csv) > 500
    assert customers["customer_id"].tolist() == as_csv["customer_id"].tolist()
    assert customers["profit"].to_numpy() == pytest.approx(as_csv["profit"].to_numpy(), rel=1e-12)
    # while the notebook ran and the files were written, the runner held only the account sheets' rows
    sheets = sorted(p.name for p in (target / "accounts").glob("*.html") if p.name != "index.html")
    assert held == [len(sheets)] == [customers["account_sheet"].sum()]
    assert sheets == sorted(p.name for p in (folder / "accounts").glob("*.html") if p.name != "index.html")


def test_a_saved_customer_file_loads_back_as_it_was_written(published):
    _, folder = published
    run = json.loads((folder / "run.json").read_text())
    results = folder.parent / "_runs" / PERIOD / run["run_id"] / "results"
    loaded = load_result(results).customers
    # read column by column (less memory at millions of customers): the same frame as pandas reads
    pd.testing.assert_frame_equal(loaded, pd.read_parquet(results / "customers.parquet"), check_exact=True)
    assert loaded["customer_id"].dtype == "str" and loaded["revenue_rank"].dtype == "Int64"
    assert loaded["tier"].notna().all() and loaded["cogs_assumed"].dtype == bool


def test_read_frame_keeps_the_rows_asked_for_batch_by_batch(tmp_path):
    frame = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(5000)], "account_sheet": [i % 7 == 0 for i in range(5000)],
        "revenue_rank": pd.array(range(5000), dtype="Int64"), "tier": ["key", None] * 2500,
    })  # fmt: skip
    frame.to_parquet(tmp_path / "customers.parquet", index=False, row_group_size=600)  # several batches
    kept = io.read_frame(tmp_path / "customers.parquet", rows_where=("account_sheet", True))
    expected = pd.read_parquet(tmp_path / "customers.parquet")
    pd.testing.assert_frame_equal(kept, expected[expected["account_sheet"]].reset_index(drop=True), check_exact=True)
    assert len(kept) == 715
    with pytest.raises(ValueError, match="Parquet"):
        io.read_frame(tmp_path / "quality.csv", rows_where=("account_sheet", True))


def test_query_frame_gives_the_frame_duckdb_df_gives():
    con = session.connect()
    session.run_sql(con, """
        CREATE TABLE t AS SELECT * FROM (VALUES
          ('a', 1::BIGINT, 2::HUGEINT, 1.5::DOUBLE, DATE '2024-01-31', true, 3::INTEGER,
           TIMESTAMP '2024-01-01 10:00:00', 0.10::DECIMAL(18, 2), 'x', 12345.67::DECIMAL(18, 2)),
          (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'y', 0.07),
          ('c', 3, 170141183460469231731687303715884105727::HUGEINT, -0.0, DATE '1970-01-01', false, -5,
           TIMESTAMP '1999-12-31 23:59:59.123456', -7.5, NULL, 1000000000.01)
        ) AS v(text, whole, huge, number, day, flag, small, moment, money, more_text, more_money)
    """)
    queries = [
        "SELECT * FROM t",  # missing values everywhere: nullable integers and booleans
        "SELECT * FROM t WHERE text IS NOT NULL",  # no missing whole numbers: plain int64, bool
        "SELECT * FROM t WHERE false",  # empty: text is object
        "SELECT huge, text, whole FROM t WHERE $n > 0",  # a parameter; a nullable column first
        "SELECT sum(whole) AS total, count(*) AS n, min(day) AS first FROM t GROUP BY flag ORDER BY flag",
    ]
    for sql in queries:
        parameters = {"n": 1} if "$n" in sql else None
        expected = con.execute(sql, parameters).df()
        got = session.query_frame(con, sql, parameters)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert list(got.dtypes) == list(expected.dtypes), sql


def test_query_frame_text_holds_its_own_memory_not_duckdbs_batches():
    # DuckDB's Arrow arrays keep their whole batch alive: a kept id column would hold
    # every column of the result. The text must be copied into memory of its own.
    con = session.connect()
    system = pa.system_memory_pool()
    before = system.bytes_allocated()
    frame = session.query_frame(con, "SELECT 'customer-' || i AS customer_id FROM range(200000) AS r(i)")
    text = frame["customer_id"].array._pa_array
    assert text.num_chunks == 1
    characters = text.chunk(0).buffers()[2].size  # (pandas may widen the offsets; the characters it keeps)
    assert characters >= 200000 * len("customer-0")
    assert system.bytes_allocated() - before >= characters


def _sleep_then_note(path: str) -> None:
    """A long "analysis" that notes when it has started and when it is interrupted (run by the test below).

    The first note is written inside the ``try``: once it exists, an interrupt runs the ``finally``."""
    try:
        Path(path).write_text("started", encoding="utf-8")
        time.sleep(600)
    finally:
        Path(path).write_text("cleaned up", encoding="utf-8")


ORPHANED_RUNNER = """
import multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
# the runner's SIGINT as given: ignored (started in the background by a shell script) or Python's default
signal.signal(signal.SIGINT, signal.SIG_IGN if sys.argv[2] == "ignored" else signal.SIG_DFL)
from custlab.report import analysis_process
from tests.test_end_to_end import _sleep_then_note
context = multiprocessing.get_context("spawn")
pool = ProcessPoolExecutor(1, mp_context=context, initializer=analysis_process._analysis_process_started, initargs=(context.Queue(),))
pool.submit(analysis_process._run_guarded, _sleep_then_note, sys.argv[1])
deadline = time.monotonic() + 90
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:  # the analysis is running
    time.sleep(0.1)
print(next(iter(pool._processes)), flush=True)
os._exit(0)  # the runner is killed, say by a scheduler
"""


@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_an_analysis_whose_runner_is_killed_stops_and_cleans_up(tmp_path, sigint):
    note = tmp_path / "note.txt"
    done = subprocess.run([sys.executable, "-c", ORPHANED_RUNNER, str(note), sigint], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    child = int(done.stdout.split()[-1])
    deadline = time.monotonic() + analysis_process.ORPHAN_GRACE_SECONDS / 2  # well before it would be ended anyway
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
        time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists()
    assert note.read_text() == "cleaned up"  # interrupted, so its finally blocks (the scratch folder's removal) ran


def test_an_analysis_killed_by_the_system_fails_the_run_with_one_line(published, tmp_path):
    import multiprocessing
    import signal
    import threading

    from custlab.exceptions import RunError

    demo, _ = published
    failure, lines = [], []

    def run():
        try:
            analysis_process.analyse_in_own_process(demo / "custlab.toml", PERIOD, "", "", tmp_path / "results", lines.append)
        except RunError as exc:
            failure.append(str(exc))

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    for child in multiprocessing.active_children():
        if "resource_tracker" not in child.name:
            os.kill(child.pid, signal.SIGKILL)  # what the system's out-of-memory killer does
    thread.join(timeout=60)
    assert failure and "analysis process died" in failure[0] and "\n" not in failure[0]
    assert not (tmp_path / "results").exists()


def test_the_log_shows_every_stage_as_it_finishes(published):
    _, folder = published
    lines = (folder.parent.parent / "report.log").read_text().splitlines()
    # earlier periods (tier history) before the report period, so no earlier file is held beside it
    stages = ["validated ", "aggregated customer months", "purchase model: ", "(tier history)", f"customer file {PERIOD}:",
              "cohorts and account months", "migration, tier history and clusters", "analyse done", "notebook done",
              "export done", "published"]  # fmt: skip
    positions = [next((i for i, line in enumerate(lines) if stage in line), -1) for stage in stages]
    assert -1 not in positions, [s for s, p in zip(stages, positions) if p == -1]
    assert positions == sorted(positions)
    customers = len(pd.read_csv(folder / "customers.csv", usecols=["customer_id"]))
    assert f"{customers:,} customers" in lines[positions[4]]


def test_account_sheets_stop_at_max_account_pages(small_demo, tmp_path):
    """A large company gets sheets for its risk-flagged accounts first, most money at risk first,
    never more than the setting."""
    from dataclasses import replace

    from custlab.analysis.account_sheets import account_file_name, risk_flagged, sheet_candidates
    from custlab.report.accounts import write_account_pages
    from custlab.analysis.pipeline import analyse

    config = load_config(small_demo / "custlab.toml")
    config = replace(config, settings=replace(config.settings, max_account_pages=25))
    result = analyse(config, PERIOD)
    customers = result.customers
    accounts = customers[sheet_candidates(customers)]
    flagged = accounts[risk_flagged(accounts)]
    assert len(accounts) > 25 and len(flagged) > 25
    written = write_account_pages(result, tmp_path / "accounts")
    assert len(written) == len(list((tmp_path / "accounts").glob("C*.html"))) == customers["account_sheet"].sum() == 25
    first = flagged.sort_values(["money_at_risk", "revenue", "customer_id"], ascending=[False, False, True]).head(25)
    assert set(first["customer_id"]) == set(written)  # the flagged accounts with the most money at risk
    assert set(result.account_months["customer_id"]) <= set(written)  # months are read for sheets only
    assert all(written[c] == account_file_name(c) for c in written)
