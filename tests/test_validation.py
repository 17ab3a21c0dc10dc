"""Validation: accepted + quarantined = rows read, a reason per quarantined row,
one-line fatal errors for unusable files."""

import os
import threading
import time
from datetime import date

import duckdb
import pandas as pd
import pytest

from custlab.engine import session
from custlab.sources import validation
from custlab.sources.config import load_config
from custlab.exceptions import InputError
from tests.conftest import write

AS_OF = date(2026, 11, 15)


def run(tmp_path, config_text, files):
    for name, text in files.items():
        write(tmp_path / name, text)
    config = load_config(write(tmp_path / "custlab.toml", config_text))
    con = session.connect()
    checked = validation.validate(con, config, as_of=AS_OF)
    return con, checked


def reasons(con, table):
    q = validation.quarantine_frame(con)
    q = q[q["table"] == table]
    return {int(r.row): (r.column, r.reason) for r in q.itertuples()}


TX_CONFIG = """
[sources.transactions]
path = "tx.csv"
"""


def test_transactions_rows_are_accepted_or_quarantined_with_reason(tmp_path):
    tx = (
        "customer_id,date,revenue,cost,discount\n"
        "A,2026-01-05,100.0,60,5\n"  # 1 fine
        ",2026-01-05,10,5,0\n"  # 2 missing id
        "B,05/01/2026,10,5,0\n"  # 3 unparseable date
        "C,2026-01-07,ten,5,0\n"  # 4 revenue not a number
        "D,2026-01-08,inf,5,0\n"  # 5 not finite
        "E,2026-12-01,10,5,0\n"  # 6 date in the future
        "F,2026-01-09,-40,-20,0\n"  # 7 a return: accepted
        "G,2026-01-10,10,5,-1\n"  # 8 negative discount
        "17850.0,2026-01-11,10,,\n"  # 9 blank cost -> quarantined; id normalised first
        "H,2026-01-12,10,5,\n"  # 10 blank discount means none: accepted
    )
    con, checked = run(tmp_path, TX_CONFIG, {"tx.csv": tx})
    quality = checked.quality.set_index("table").loc["transactions"]
    assert (quality.rows_read, quality.accepted, quality.quarantined) == (10, 3, 7)
    got = reasons(con, "transactions")
    assert got[2] == ("customer_id", "missing id")
    assert got[3] == ("date", "unparseable date (expected YYYY-MM-DD)")
    assert got[4] == ("revenue", "not a number")
    assert got[5] == ("revenue", "not a finite number")
    assert got[6] == ("date", "date in the future (after 2026-11-15)")
    assert got[8][0] == "discount" and "negative" in got[8][1]
    assert got[9][0] == "cost" and got[9][1].startswith("missing number")
    accepted = con.execute("SELECT customer_id, revenue, discount FROM transactions ORDER BY customer_id").df()
    assert list(accepted["customer_id"]) == ["A", "F", "H"]
    assert accepted.set_index("customer_id").loc["F", "revenue"] == -40.0
    assert accepted.set_index("customer_id").loc["H", "discount"] == 0.0
    q = validation.quarantine_frame(con)
    assert set(q.columns) == {"table", "file", "row", "column", "value", "reason"}
    assert q.loc[q["row"] == 4, "value"].item() == "ten"
    # the bad value is its own column; a reason never repeats it (pseudonymised reports drop values)
    assert q.loc[q["row"] == 3, "value"].item() == "05/01/2026"
    assert not q["reason"].str.contains('05/01/2026|"ten"|"-1"', regex=True).any()


def test_float_formatted_ids_are_normalised(tmp_path):
    tx = "customer_id,date,revenue\n17850.0,2026-01-05,1\n17850,2026-01-06,2\n"
    con, _ = run(tmp_path, TX_CONFIG, {"tx.csv": tx})
    assert con.execute("SELECT DISTINCT customer_id FROM transactions").fetchall() == [("17850",)]


def test_mapping_and_derived_revenue(tmp_path):
    config = TX_CONFIG + """
date_format = "%d/%m/%Y"
[sources.transactions.columns]
customer_id = "Client"
date = "Day"
[sources.transactions.derive]
revenue = "num(Qty) * num(Price)"
"""
    tx = "Client,Day,Qty,Price\nA,05/01/2026,3,2.5\nB,06/01/2026,x,2\n"
    con, checked = run(tmp_path, config, {"tx.csv": tx})
    assert con.execute("SELECT customer_id, date, revenue FROM transactions").fetchall() == [
        ("A", date(2026, 1, 5), 7.5)
    ]
    assert reasons(con, "transactions")[2][0] == "revenue"
    assert checked.derived == {"transactions": {"revenue": "num(Qty) * num(Price)"}}


def test_receivables_customers_and_surveys_rules(tmp_path):
    config = TX_CONFIG + """
[sources.customers]
path = "customers.csv"
[sources.receivables]
path = "receivables.csv"
[sources.surveys]
path = "surveys.csv"
"""
    files = {
        "tx.csv": "customer_id,date,revenue\nA,2026-01-05,1\n",
        "customers.csv": "customer_id,kind\nA,business\nB,Consumer\nA,consumer\nC,robot\n",
        "receivables.csv": (
            "customer_id,invoice_id,amount,issued,due,paid\n"
            "A,1,100,2026-01-01,2026-12-31,\n"  # due after as_of is fine
            "A,2,100,2026-02-01,2026-03-01,2026-01-15\n"  # paid before issued
            "A,3,100,2026-02-01,2026-01-01,\n"  # due before issued
        ),
        "surveys.csv": "customer_id,date,satisfaction\nA,2026-01-01,5\nA,2026-01-02,7\nA,2026-01-03,0\n",
    }
    con, checked = run(tmp_path, config, files)
    counts = checked.quality.set_index("table")[["rows_read", "accepted", "quarantined"]]
    assert counts.loc["customers"].tolist() == [4, 2, 2]
    assert counts.loc["receivables"].tolist() == [3, 1, 2]
    assert counts.loc["surveys"].tolist() == [3, 1, 2]
    assert reasons(con, "customers")[3] == ("customer_id", "duplicate customer_id (first seen at row 1)")
    assert reasons(con, "customers")[4][0] == "kind"
    assert con.execute("SELECT kind FROM customers WHERE customer_id = 'B'").fetchone() == ("consumer",)
    assert reasons(con, "receivables") == {2: ("paid", "paid before issued"), 3: ("due", "due before issued")}
    assert {r[0] for r in reasons(con, "surveys").values()} == {"satisfaction"}


@pytest.mark.parametrize(
    "files, message, column",
    [
        ({}, "file not found", None),
        ({"tx.csv": ""}, "file is empty", None),
        ({"tx.csv": "client,date,revenue\nA,2026-01-01,1\n"}, "required column missing", "customer_id"),
        ({"tx.csv": "customer_id,date\nA,2026-01-01\n"}, "required column missing", "revenue"),
    ],
)
def test_unusable_files_are_fatal_with_one_line(tmp_path, files, message, column):
    with pytest.raises(InputError) as info:
        run(tmp_path, TX_CONFIG, files)
    text = str(info.value)
    assert message in text and "tx.csv" in text and "\n" not in text
    if column:
        assert f"column '{column}'" in text


def test_mapped_column_missing_from_file(tmp_path):
    config = TX_CONFIG + "[sources.transactions.columns]\ncustomer_id = \"Client\"\n"
    with pytest.raises(InputError, match="mapped column 'Client' not in file"):
        run(tmp_path, config, {"tx.csv": "customer_id,date,revenue\nA,2026-01-01,1\n"})


def test_parquet_and_xlsx_sources(tmp_path):
    frame = pd.DataFrame({"customer_id": ["A", None], "date": pd.to_datetime(["2026-01-01", "2026-01-02"]), "revenue": [1.5, 2.0]})
    frame.to_parquet(tmp_path / "tx.parquet")
    with pd.ExcelWriter(tmp_path / "c.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"customer_id": ["A", "B"], "kind": ["business", "consumer"]}).to_excel(writer, sheet_name="Clients", index=False)
    config = '[sources.transactions]\npath = "tx.parquet"\n[sources.customers]\npath = "c.xlsx"\nsheet = "Clients"\n'
    con, checked = run(tmp_path, config, {})
    counts = checked.quality.set_index("table")
    assert counts.loc["transactions", ["accepted", "quarantined"]].tolist() == [1, 1]
    assert counts.loc["customers", "accepted"] == 2
    assert reasons(con, "transactions") == {2: ("customer_id", "missing id")}


def test_memory_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", "2GB")
    con = session.connect()
    limit, temp, returned = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory'), current_setting('allocator_background_threads')"
    ).fetchall()[0]
    assert limit.startswith("1.8") and temp.endswith("custlab-duckdb")  # 2 GB = 1.8 GiB; spills go to the temp folder
    assert returned is True  # freed memory goes back to the system, not kept beside the pandas frames
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", "lots")
    with pytest.raises(InputError, match="CUSTLAB_MEMORY_LIMIT='lots' is not a memory size"):
        session.connect()


def test_duplicate_lines_are_equal_in_every_column_not_only_in_the_candidate_key(tmp_path):
    tx = (
        "order_id,customer_id,date,revenue,product\n"
        "O1,A,2026-01-05,10,P1\n"  # 1
        "O1,A,2026-01-05,10,P2\n"  # 2 same order, day and amount, another product: a second line
        "O1,A,2026-01-05,10,P1\n"  # 3 a copy of row 1
        "O1, A ,2026-01-05,10.0,P1\n"  # 4 the same values once typed: a copy of row 1
        "O2,A,2026-01-05,10,P1\n"  # 5 another order
        "O1,A,2026-01-05,10,P2\n"  # 6 a copy of row 2
    )
    con, checked = run(tmp_path, TX_CONFIG, {"tx.csv": tx})
    quality = checked.quality.set_index("table").loc["transactions"]
    assert (quality.rows_read, quality.accepted, quality.quarantined) == (6, 3, 3)
    assert reasons(con, "transactions") == {
        3: ("order_id", "duplicate row (same as row 1)"),
        4: ("order_id", "duplicate row (same as row 1)"),
        6: ("order_id", "duplicate row (same as row 2)"),
    }


@pytest.mark.parametrize("limit", ["2GB", ""])
def test_release_cache_evicts_read_blocks_and_keeps_the_limit(monkeypatch, tmp_path, limit):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", limit)

    def cached() -> int:  # bytes of table blocks DuckDB holds in memory
        return con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'").fetchall()[0][0]

    with session.scratch_connection() as con:
        configured = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        # hashes: numbers that do not compress, so the table takes a few dozen blocks
        session.run_sql(con, "CREATE TABLE facts AS SELECT hash(range) AS x, hash(range + 1) AS y FROM range(3000000)")
        session.run_sql(con, "CHECKPOINT")
        session.run_sql(con, "SELECT sum(x), sum(y) FROM facts")  # a plain query keeps the blocks it read
        assert cached() > 5_000_000
        session.release_cache(con)
        assert cached() < 1_000_000
        query = "SELECT count(*) AS n, max(x) - min(x) AS x, max(y) - min(y) AS y FROM facts"
        frame = session.fetch_frame(con, query)
        assert cached() < 1_000_000
        assert frame.iloc[0, 0] == 3000000 and frame.equals(con.execute(query).df())
        assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == configured
    # in memory the blocks are the tables themselves: nothing is evicted (nor spilled)
    con = session.connect()
    session.run_sql(con, "CREATE TABLE facts AS SELECT range AS x FROM range(3000000)")
    before = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]
    session.release_cache(con)
    assert con.execute("SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()").fetchall()[0] == (before, 0)


@pytest.mark.parametrize("limit", ["2GB", ""])
def test_background_reader_reads_the_database_on_a_second_connection(monkeypatch, tmp_path, limit):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", limit)
    started, go_on = threading.Event(), threading.Event()

    def slow_read(connection, table: str):
        started.set()
        go_on.wait(10)
        return connection.execute(f"SELECT msum(x), count(*) FROM {table}").df(), threading.current_thread().name

    def evict_then_show_limit(connection):
        session.release_cache(connection)  # inside a read it keeps the read's share of the cap
        return session.memory_limit_bytes(connection)

    with session.scratch_connection() as con:
        configured = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        session.run_sql(con, "CREATE TABLE facts AS SELECT range AS x FROM range(1000)")
        session.run_sql(con, "CREATE TEMP VIEW private AS SELECT 1 AS x")
        with session.BackgroundReader(con) as reader:
            reader.start(slow_read, "facts")
            assert started.wait(10)
            # while the read runs, release_cache (which lowers the shared memory cap) waits
            assert not session._READING.acquire(blocking=False)
            with pytest.raises(RuntimeError, match="still pending"):
                reader.start(slow_read, "facts")
            go_on.set()
            frame, thread = reader.take()
            assert frame.iloc[0].tolist() == [499500.0, 1000] and thread.startswith("custlab-reader")
            assert session._READING.acquire(blocking=False)
            session._READING.release()
            with pytest.raises(RuntimeError, match="no read was started"):
                reader.take()
            reader.start(evict_then_show_limit)
            assert reader.take() == pytest.approx(session.memory_limit_bytes(con) / 4, rel=0.03)  # shown to 0.1 GiB
            # a read's blocks are not kept cached once it ends: its results wait in tables
            session.run_sql(con, "CREATE TABLE wide AS SELECT hash(range) AS x FROM range(3000000)")
            session.run_sql(con, "CHECKPOINT")
            reader.start(lambda connection: connection.execute("SELECT sum(x) FROM wide").fetchall())
            reader.take()
            cached = "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
            assert con.execute(cached).fetchall()[0][0] < 1_000_000
            session.run_sql(con, "SELECT sum(x) FROM wide")  # a plain query keeps them
            assert con.execute(cached).fetchall()[0][0] > 5_000_000
            reader.start(slow_read, "private")  # a temporary view is the first connection's own
            with pytest.raises(duckdb.CatalogException):
                reader.take()
        assert con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == configured


@pytest.mark.parametrize("limit", ["2GB", ""])
def test_beside_pandas_gives_a_read_a_quarter_of_the_cap_then_puts_it_back(monkeypatch, tmp_path, limit):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", limit)

    def cap(connection) -> int:
        return session.memory_limit_bytes(connection)

    with session.scratch_connection() as con:
        configured = cap(con)
        with session.beside_pandas(con):
            assert abs(cap(con) - configured / 4) < 0.03 * configured
            session.release_cache(con)  # as a fetch inside the block does: the share stays
            assert abs(cap(con) - configured / 4) < 0.03 * configured
        assert cap(con) == configured
        with pytest.raises(duckdb.CatalogException), session.beside_pandas(con):
            con.execute("SELECT * FROM no_such_table")
        assert cap(con) == configured  # put back after an error too
        with session.BackgroundReader(con) as reader:
            reader.start(cap)
            assert abs(reader.take() - configured / 4) < 0.03 * configured
        assert cap(con) == configured
    con = session.connect()  # in memory the blocks are the tables: the cap is left alone
    before = cap(con)
    with session.beside_pandas(con):
        assert cap(con) == before


def test_beside_pandas_never_leaves_a_small_cap_below_its_floor(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", "600MB")
    with session.scratch_connection() as con, session.beside_pandas(con):
        assert session.memory_limit_bytes(con) == pytest.approx(session.BESIDE_PANDAS_FLOOR, rel=0.01)
    monkeypatch.setenv("CUSTLAB_MEMORY_LIMIT", "100MB")
    with session.scratch_connection() as con, session.beside_pandas(con):
        assert session.memory_limit_bytes(con) == pytest.approx(100e6, rel=0.01)


def test_background_reader_stops_its_read_when_the_analysis_fails(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    started = threading.Event()

    def long_read(connection):
        started.set()
        return connection.execute("SELECT sum(hash(range)) FROM range(50000000000)").fetchall()  # minutes

    with session.scratch_connection() as con:
        began = time.perf_counter()
        with pytest.raises(ValueError, match="pandas failed"):
            with session.BackgroundReader(con) as reader:
                reader.start(long_read)
                assert started.wait(10)
                time.sleep(0.2)  # the query is running
                raise ValueError("pandas failed")
        assert time.perf_counter() - began < 20  # interrupted, not waited for
        assert con.execute("SELECT 1").fetchall() == [(1,)]  # the analysis' own connection still works


def test_a_stored_frame_comes_back_row_for_row_with_its_dtypes(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    frame = pd.DataFrame({
        "customer_id": pd.Series(["b", "a", "c"], dtype="str"), "tier": pd.Series(["key", None, "lead"], dtype="str"),
        "value": [1.5, float("nan"), -2.0], "orders": [1, 2, 3], "in_window": [True, False, True],
        "visits": pd.array([1, None, 3], dtype="Int64"), "first": pd.to_datetime(["2026-01-01", None, "2026-02-01"]),
    }, index=[5, 6, 7])  # fmt: skip
    with session.scratch_connection() as con:
        assert session.store_frame(con, "kept", frame) == "kept"
        cached = "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
        assert con.execute(cached).fetchall()[0][0] < 1_000_000  # its blocks are not held in memory
        back = session.fetch_frame(con, "SELECT * FROM kept")
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_exact=True)


def test_scratch_connection_keeps_tables_in_a_file_removed_afterwards(monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with session.scratch_connection() as con:
        (database,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0]
        temp = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        session.run_sql(con, "CREATE TABLE facts AS SELECT range AS x FROM range(1000)")
        assert con.execute("SELECT msum(x) FROM facts").fetchall()[0][0] == 499500.0  # custlab's macros are there
        folder = tmp_path / database.split("/")[-2]
        assert database == str(folder / "work.duckdb") and temp == str(folder / "spill")
        assert (folder / "work.duckdb").is_file()
    assert not folder.exists()
    with pytest.raises(RuntimeError), session.scratch_connection() as con:  # removed on errors too
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def read_failure(tmp_path, path: str, extra: str = "") -> str:
    """The one-line error of registering a source at ``path`` (as a config would give it)."""
    config = load_config(write(tmp_path / "custlab.toml", f'[sources.transactions]\npath = "{path}"\nformat = "csv"\n{extra}'))
    with pytest.raises(InputError) as raised:
        validation.validate(session.connect(), config)
    return str(raised.value)


def test_special_files_are_named_for_what_they_are(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    assert "is a FIFO, not a regular file" in read_failure(tmp_path, str(tmp_path / "pipe.csv"))
    assert "is a device, not a regular file" in read_failure(tmp_path, "/dev/zero")
    (tmp_path / "folder.csv").mkdir()
    assert "is a folder, not a file" in read_failure(tmp_path, str(tmp_path / "folder.csv"))
    assert "file not found" in read_failure(tmp_path, str(tmp_path / "missing.csv"))


def test_a_huge_field_is_reported_on_its_own_line(tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("customer_id,date,revenue\nC1,2026-01-01,10\nC2,2026-01-02," + "x" * 50_000_000 + "\nC3,2026-01-03,5\n")
    message = read_failure(tmp_path, "big.csv")
    assert "line 3 has 50,000,014 bytes" in message and "x" * 20 not in message


def test_no_content_of_a_file_outside_the_config_folder_is_echoed(tmp_path):
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("root-password-hash,another-secret\nabc,def\n")
    config_folder = tmp_path / "company"
    config_folder.mkdir()
    message = read_failure(config_folder, str(secret))
    assert "required column missing" in message and "root-password-hash" not in message and "abc" not in message
    inside = config_folder / "tx.csv"
    inside.write_text("client,day,amount\nA,2026-01-01,1\n")
    assert "the file has: client, day, amount" in read_failure(config_folder, "tx.csv")  # a file of its own: listed
