"""The DuckDB session every stage works in, and its staging protocol.

:func:`connect` and :func:`scratch_connection` open a connection with custlab's
SQL macros and memory settings; :func:`query_frame` fetches results through
Arrow; :class:`BackgroundReader` runs the next reads on a second connection
while pandas works on this one. The staging protocol: a read is *staged*
(:func:`stage`: its rows held in a table of the database), later *fetched*
(:func:`fetch_table`: a frame, the table dropped), or fetched at once
(:func:`fetch_frame`), with DuckDB's cache given back after each fetch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custlab.engine import dialects
from custlab.exceptions import InputError

#: pandas' text dtype (``str``), as DuckDB's ``.df()`` gives VARCHAR columns.
_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))
#: Nullable pandas dtypes of integer and boolean columns with missing values, as ``.df()`` gives them.
_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
             pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(), pa.uint32(): pd.UInt32Dtype(),
             pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}  # fmt: skip


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def query_frame(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict | list | None = None) -> pd.DataFrame:
    """The rows of ``sql`` as a frame, the frame DuckDB's ``.df()`` gives, converted through Arrow.

    ``.df()`` builds a Python string object for every text value and then pandas
    turns them into Arrow strings again; through Arrow the text stays in its
    buffers, several times faster for the text-heavy customer windows.
    The dtypes are ``.df()``'s (a test compares them): whole-number sums
    (HUGEINT) and decimals become floats, dates ``datetime64[us]``, integer and
    boolean columns with missing values pandas' nullable types, text ``str``
    (``object`` in an empty result).
    """
    table = con.sql(sql, params=parameters).to_arrow_table()
    # Memory from the system allocator, like numpy's, which returns a freed frame to the
    # system; Arrow's default pool keeps freed pages.
    pool = pa.system_memory_pool()
    columns, nullable = [], {}
    for position, column in enumerate(table.columns):
        if pa.types.is_decimal(column.type):
            column = pc.cast(column, pa.float64(), memory_pool=pool)
        elif pa.types.is_date(column.type):
            column = pc.cast(column, pa.timestamp("us"), memory_pool=pool)
        elif column.type in _NULLABLE and column.null_count:
            nullable[position] = column
        elif _is_text(column.type) and column.num_chunks:
            # Text is handed to pandas as Arrow arrays. DuckDB's arrays each keep their
            # whole batch (every column) alive: copied into one array of its own, the
            # id column of a kept frame holds its text only, not its period's whole window.
            column = pa.chunked_array([pa.concat_arrays(column.chunks, memory_pool=pool)], type=column.type)
        columns.append(column)
    names = table.column_names
    table = pa.table([c for p, c in enumerate(columns) if p not in nullable], names=[n for p, n in enumerate(names) if p not in nullable])
    frame = table.to_pandas(types_mapper=lambda kind: _TEXT if _is_text(kind) else None, date_as_object=False, memory_pool=pool)
    if not table.num_rows:
        for name, kind in zip(table.column_names, table.schema.types):
            if _is_text(kind):
                frame[name] = frame[name].astype(object)
    for position, column in nullable.items():  # in ascending position: each lands where it was
        frame.insert(position, names[position], column.to_pandas(types_mapper=_NULLABLE.get, memory_pool=pool).array)
    return frame


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict | list | None = None) -> None:
    """Run a statement whose result is not needed, and finish it.

    DuckDB refuses further work on a connection that still holds an unread
    result, so statements are always drained.
    """
    con.execute(sql, parameters).fetchall()


def connect(database: str | Path = ":memory:", spill_directory: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A fresh DuckDB connection (in memory unless ``database`` names a file) with custlab's SQL helpers defined.

    Helpers usable in a config's ``derive`` expressions:

    - ``num(x)``: text or number to DOUBLE, NULL when it is not a number;
    - ``txt(x)``: trimmed text, NULL when blank.

    ``msum(x)`` is the exact money sum custlab's own SQL uses.

    DuckDB spills to ``spill_directory`` (default: a folder under the system's
    temporary directory) when its memory runs short; ``CUSTLAB_MEMORY_LIMIT``
    (e.g. ``8GB``) caps its memory, which otherwise is DuckDB's default of 80%
    of RAM. Memory it frees is returned to the system by DuckDB's allocator
    background threads. A period's analysis uses :func:`scratch_connection` instead, whose
    tables live compressed in a file.

    Raises
    ------
    InputError
        When ``CUSTLAB_MEMORY_LIMIT`` is not a memory size.
    """
    con = duckdb.connect(str(database))
    run_sql(con, "SET preserve_insertion_order = true")
    # Memory DuckDB frees goes back to the system in the background. Without this its
    # allocator keeps it, on top of the pandas customer file built from the results.
    run_sql(con, "SET allocator_background_threads = true")
    spill = spill_directory or Path(tempfile.gettempdir()) / "custlab-duckdb"
    run_sql(con, f"SET temp_directory = {sql_string(str(spill))}")
    limit = os.environ.get("CUSTLAB_MEMORY_LIMIT", "").strip()
    if limit:
        try:
            run_sql(con, f"SET memory_limit = {sql_string(limit)}")
        except duckdb.Error:
            raise InputError(f"CUSTLAB_MEMORY_LIMIT={limit!r} is not a memory size (write e.g. 8GB or 500MB)") from None
    # Kept as written: DuckDB shows its limit rounded (4GB reads "3.7 GiB"), and
    # release_cache must put back exactly this one.
    run_sql(con, f"SET VARIABLE custlab_memory_limit = {sql_string(limit)}")
    # custlab logs its own steps; DuckDB's progress bar would write into scheduler logs.
    # (Inside a Jupyter kernel DuckDB refuses to touch the setting without ipywidgets;
    # there it has no bar to switch off anyway.)
    try:
        run_sql(con, "SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    run_sql(con, "CREATE MACRO txt(x) AS NULLIF(trim(CAST(x AS VARCHAR)), '')")
    run_sql(con, "CREATE MACRO num(x) AS TRY_CAST(txt(x) AS DOUBLE)")
    # Sums of money are exact (DECIMAL) so that parallel aggregation cannot change
    # the last bits of a total between two runs on the same data; days between two
    # dates and a customer's hash bucket are spelled differently on every engine
    # (see custlab.dialects).
    for signature, body in dialects.DUCKDB_MACROS.items():
        run_sql(con, f"CREATE MACRO {signature} AS {body}")
    return con


def _in_file(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s database is a file (see :func:`scratch_connection`), not in memory."""
    return con.execute(
        "SELECT path IS NOT NULL FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]


def release_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Give back the memory of the table blocks DuckDB keeps cached after a query.

    DuckDB keeps every block a query read, up to its memory limit, in case the
    next query reads it again. Between the queries of an analysis those bytes sit
    beside the pandas frames built from their results (gigabytes of
    ``customer_month`` blocks at millions of customers). Lowering the memory limit
    for a moment evicts them; a later query reads them again from the database
    file (usually from the operating system's file cache).

    Only for a database file (see :func:`scratch_connection`): in an in-memory
    database those blocks are the tables themselves and would be spilled to disk.
    """
    if not _in_file(con):
        return
    limit = con.execute("SELECT getvariable('custlab_memory_limit')").fetchall()[0][0]
    # The limit is the database's, shared by every connection to it: never lowered while
    # a BackgroundReader's read runs (the read holds this lock), which it would starve.
    with _READING:
        try:
            run_sql(con, "SET memory_limit = '1MB'")
        except duckdb.OutOfMemoryException:
            pass  # blocks still in use cannot be evicted: the next query frees them
        finally:
            run_sql(con, f"SET memory_limit = {sql_string(limit)}" if limit else "RESET memory_limit")


#: Held by a :class:`BackgroundReader` read while it runs (:func:`beside_pandas`), and by :func:`release_cache`.
_READING = threading.RLock()

#: Share of DuckDB's memory cap left to a read that runs while pandas holds a customer file.
BESIDE_PANDAS_SHARE = 0.25
#: A read beside pandas gets at least this much (or the whole cap, when that is smaller).
BESIDE_PANDAS_FLOOR = 256 * 2**20
_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """DuckDB's memory cap in bytes (it shows it rounded, as ``3.7 GiB``)."""
    amount, unit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0].split()
    return int(float(amount) * _UNITS[unit])


@contextmanager
def beside_pandas(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block's SQL on ``con`` under :data:`BESIDE_PANDAS_SHARE` of DuckDB's memory cap.

    A query fills DuckDB's cap with cached blocks and working memory, whatever
    it needs. Beside a customer file that pandas holds (gigabytes at millions of
    customers) the two add up; under a share of the cap the query spills and
    rereads a little more instead (see benchmarks/RESULTS.md). When the block
    ends its blocks are evicted and the cap put back (:func:`release_cache`,
    which inside the block keeps the share). In an in-memory database the
    blocks are the tables themselves: nothing changes there.
    """
    with _READING:  # the cap is the database's, shared by every connection
        if not _in_file(con):
            yield
            return
        cap = memory_limit_bytes(con)
        share = f"{max(int(cap * BESIDE_PANDAS_SHARE), min(cap, BESIDE_PANDAS_FLOOR))}B"
        configured = con.execute("SELECT getvariable('custlab_memory_limit')").fetchall()[0][0]
        run_sql(con, f"SET VARIABLE custlab_memory_limit = {sql_string(share)}")
        try:
            run_sql(con, f"SET memory_limit = {sql_string(share)}")
            yield
        finally:
            run_sql(con, f"SET VARIABLE custlab_memory_limit = {sql_string(configured or '')}")
            release_cache(con)


class BackgroundReader:
    """Runs reads of a database on a second connection, in a worker thread, one at a time.

    pandas computes on one core. While it works on one period's customer file,
    DuckDB can run the next period's SQL on the other core, its results held in
    tables of the database until the first connection fetches them (converting
    them to pandas there keeps the frames of two periods from being held at
    once). The reads see the
    database's tables and views (not the first connection's temporary ones)
    and share its memory cap, of which a read gets a share (:func:`beside_pandas`);
    when a read ends, the blocks it read are evicted (:func:`release_cache`).

    Parameters
    ----------
    con : DuckDBPyConnection
        A connection from :func:`connect` or :func:`scratch_connection`. Run no
        SQL on it while a read is running: the two would share the memory cap
        (:func:`release_cache` waits for the read).

    Examples
    --------
    >>> with BackgroundReader(con) as reader:  # doctest: +SKIP
    ...     reader.start(aggregate.stage, "rfm_ahead", rfm_sql, {"period_end": period_end})
    ...     ...  # pandas work
    ...     reader.take()  # waits for the read (and raises its error)
    ...     rfm = aggregate.fetch_table(con, "rfm_ahead")
    """

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._connection = con.cursor()
        # A second connection has the database's settings but not the first one's variables.
        limit = con.execute("SELECT getvariable('custlab_memory_limit')").fetchall()[0][0]
        run_sql(self._connection, f"SET VARIABLE custlab_memory_limit = {sql_string(limit or '')}")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="custlab-reader")
        self._pending: Future | None = None

    def start(self, read: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Begin ``read(connection, *args, **kwargs)`` on the second connection.

        Raises
        ------
        RuntimeError
            When the previous read has not been taken yet.
        """
        if self._pending is not None:
            raise RuntimeError("a read is still pending: take() it before starting another")
        self._pending = self._pool.submit(self._run, read, args, kwargs)

    def _run(self, read: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        # The read runs while pandas works; its results wait in tables, and the blocks it
        # read are evicted when it ends rather than at the first connection's next fetch.
        with beside_pandas(self._connection):
            return read(self._connection, *args, **kwargs)

    def take(self) -> Any:
        """Wait for the read started last and return its result (or raise its error).

        The reader keeps no reference to the result: frames read ahead are freed
        as soon as the caller lets them go.
        """
        if self._pending is None:
            raise RuntimeError("no read was started")
        pending, self._pending = self._pending, None
        return pending.result()

    def close(self, interrupt: bool = False) -> None:
        """Wait for a running read (or, with ``interrupt``, stop it), then close the second connection."""
        self._pending = None
        if interrupt:
            self._connection.interrupt()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._connection.close()

    def __enter__(self) -> BackgroundReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        # On an error (or an interrupted run) the read ahead is no longer wanted: stopped, so
        # that the clean-up does not wait for a query of half a minute.
        self.close(interrupt=exc_type is not None)


@contextmanager
def scratch_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection like :func:`connect` whose tables live in a scratch database file.

    The validated inputs and the customer x month facts of ten million
    customers take tens of GB uncompressed; in a database file DuckDB keeps them
    compressed (about 5x smaller on the demo) and reads back only the blocks a
    query needs, so memory stays bounded and nothing is spilled twice. The file
    and DuckDB's spill folder sit in one folder under the system's temporary
    directory, removed when the block ends, whatever happened.
    """
    folder = con = None
    try:  # made inside the try: an interrupt between making the folder and connecting still removes it
        folder = Path(tempfile.mkdtemp(prefix="custlab-", dir=tempfile.gettempdir()))
        con = connect(folder / "work.duckdb", spill_directory=folder / "spill")
        yield con
    finally:
        if con is not None:
            con.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (any column name a file may have)."""
    return '"' + str(name).replace('"', '""') + '"'


def disk_full(exc: BaseException) -> bool:
    """Whether a DuckDB error says that a disk (the scratch database's, the spill folder's) is full."""
    return isinstance(exc, duckdb.Error) and ("No space left on device" in str(exc) or "Disk quota exceeded" in str(exc))


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's run over several)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- the staging protocol -------------------------------------------------------


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    # a validated table is a view of the rows accepted (see custlab.sources.validation)
    exists = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = $name AND NOT temporary) "
        "+ (SELECT count(*) FROM duckdb_views() WHERE view_name = $name AND NOT temporary AND NOT internal)", {"name": table}
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict | list | None = None) -> pd.DataFrame:
    """The result of ``sql`` as a frame, with DuckDB's cache of the blocks it read given back
    (see :func:`custlab.release_cache`): the frame goes on to pandas work, the blocks
    would only sit beside it. Converted through Arrow (:func:`custlab.query_frame`)."""
    frame = query_frame(con, sql, parameters)
    release_cache(con)
    return frame


def stage(con: duckdb.DuckDBPyConnection, table: str, sql: str, parameters: dict | None = None) -> None:
    """Create (or replace) ``table`` with the rows of ``sql``, in its order.

    A query's result held in the database instead of converted to pandas: it can
    be computed on one connection while another works, and fetched later with
    :func:`fetch_table` (a plain scan, which keeps the rows in the order they
    were stored).
    """
    run_sql(con, f"CREATE OR REPLACE TABLE {table} AS {sql}", parameters)


def fetch_table(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """Every row of ``table`` in stored order as a frame (see :func:`fetch_frame`); the table is dropped."""
    try:
        return fetch_frame(con, f"SELECT * FROM {table}")
    finally:
        run_sql(con, f"DROP TABLE IF EXISTS {table}")


@contextmanager
def customer_ids_table(con: duckdb.DuckDBPyConnection, name: str, customer_ids: pd.Series) -> Iterator[str]:
    """``customer_ids`` as the one-column table ``name`` (``customer_id``, text) on ``con`` for the
    block, to limit a query to those customers (a join or ``IN``); its name is yielded."""
    con.register(name, pd.DataFrame({"customer_id": customer_ids.astype(str).to_numpy()}))
    try:
        yield name
    finally:
        con.unregister(name)


def store_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> str:
    """Hold ``frame``'s rows in ``table`` of the database, in order, instead of in pandas; return ``table``.

    For a frame wanted again only later, or only a few of its rows: in a
    database file (:func:`scratch_connection`) its blocks go to disk,
    compressed, once evicted. :func:`fetch_frame` brings it back with the same
    dtypes. Run no other SQL on the database meanwhile (see :class:`BackgroundReader`).
    """
    con.register("custlab_stored_frame", pa.Table.from_pandas(frame, preserve_index=False))
    try:
        stage(con, table, "SELECT * FROM custlab_stored_frame")
    finally:
        con.unregister("custlab_stored_frame")
    release_cache(con)
    return table


def fetch_or_stage(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict | None, into: str | None) -> pd.DataFrame | str:
    """The rows of ``sql`` as a frame, or, with ``into``, staged in that table (whose name is returned)."""
    if into is None:
        return fetch_frame(con, sql, parameters)
    stage(con, into, sql, parameters)
    return into
