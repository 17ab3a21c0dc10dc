"""All file I/O of custlab: reading sources, writing and reading result folders.

Sources are exposed to DuckDB as relations with their own column names plus a
``_row`` column (1-based data row, header not counted), so validation can quote
the row of every quarantined value. csv and Parquet are scanned by DuckDB itself
and never loaded whole into pandas; xlsx and whitespace-separated text (the
CDNOW layout) are read by pandas as text and handed to DuckDB.
"""

from __future__ import annotations

import json
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
import pyarrow.parquet as pq

from custlab import dialects
from custlab.config import Source
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
    buffers. A customer window of ten million rows: 4.1 s instead of 14.2 s.
    The dtypes are ``.df()``'s (a test compares them): whole-number sums
    (HUGEINT) and decimals become floats, dates ``datetime64[us]``, integer and
    boolean columns with missing values pandas' nullable types, text ``str``
    (``object`` in an empty result).
    """
    table = con.sql(sql, params=parameters).to_arrow_table()
    # Memory from the system allocator, like numpy's, which returns a freed frame to the
    # system; Arrow's default pool keeps freed pages (1-1.5 GB per 10M-row fetch).
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
            # id column of a kept frame holds its text only (at ten million customers
            # the batches of each period's window, 2.5 GB, stayed behind otherwise).
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
    # allocator kept it: after one customer window at 10M customers the process held
    # 5.1 GB, of which 2.3 GB DuckDB no longer used, on top of the pandas customer file.
    run_sql(con, "SET allocator_background_threads = true")
    spill = spill_directory or Path(tempfile.gettempdir()) / "custlab-duckdb"
    run_sql(con, f"SET temp_directory = {_sql_string(str(spill))}")
    limit = os.environ.get("CUSTLAB_MEMORY_LIMIT", "").strip()
    if limit:
        try:
            run_sql(con, f"SET memory_limit = {_sql_string(limit)}")
        except duckdb.Error:
            raise InputError(f"CUSTLAB_MEMORY_LIMIT={limit!r} is not a memory size (write e.g. 8GB or 500MB)") from None
    # Kept as written: DuckDB shows its limit rounded (4GB reads "3.7 GiB"), and
    # release_cache must put back exactly this one.
    run_sql(con, f"SET VARIABLE custlab_memory_limit = {_sql_string(limit)}")
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


def release_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Give back the memory of the table blocks DuckDB keeps cached after a query.

    DuckDB keeps every block a query read, up to its memory limit, in case the
    next query reads it again. Between the queries of an analysis those bytes sit
    beside the pandas frames built from their results: after one customer window
    at 10 million customers, 1.8 GB of ``customer_month`` blocks (the process
    went from 4.1 to 2.6 GB when they were evicted). Lowering the memory limit
    for a moment evicts them; a later query reads them again from the database
    file (usually from the operating system's file cache).

    Only for a database file (see :func:`scratch_connection`): in an in-memory
    database those blocks are the tables themselves and would be spilled to disk.
    """
    in_file = con.execute(
        "SELECT path IS NOT NULL FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    if not in_file:
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
            run_sql(con, f"SET memory_limit = {_sql_string(limit)}" if limit else "RESET memory_limit")


#: Held by a :class:`BackgroundReader` read while it runs, and by :func:`release_cache`.
_READING = threading.RLock()


class BackgroundReader:
    """Runs reads of a database on a second connection, in a worker thread, one at a time.

    pandas computes on one core. While it works on one period's customer file,
    DuckDB can run the next period's SQL on the other core, its results held in
    tables of the database until the first connection fetches them (converting
    them to pandas there keeps the frames of two periods from being held at
    once). At 10M customers the report period's file and its other SQL took
    43.5 s this way against 58.2 s one after the other; the earlier periods
    gain less, as the reads and pandas share two cores. The reads see the
    database's tables and views (not the first connection's temporary ones)
    and share its memory cap.

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
        run_sql(self._connection, f"SET VARIABLE custlab_memory_limit = {_sql_string(limit or '')}")
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
        with _READING:
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


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def register_source(con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """Expose a source file to ``con`` as the view ``raw_<table>``.

    Returns
    -------
    str
        The view name.

    Raises
    ------
    InputError
        If the file is missing, empty or cannot be read in its format.
    """
    path = source.path
    view = f"raw_{source.table}"
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", file=str(path))
    try:
        if source.format == "csv":
            if source.header:
                _check_header(source)
            options = ["all_varchar = true", f"header = {str(source.header).lower()}"]
            if source.delimiter:
                options.append(f"delim = {_sql_string(source.delimiter)}")
            if source.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
                options.append(f"encoding = {_sql_string(source.encoding)}")
            run_sql(con, 
                f"CREATE OR REPLACE VIEW {view} AS SELECT row_number() OVER () AS _row, * "
                f"FROM read_csv({_sql_string(str(path))}, {', '.join(options)})"
            )
        elif source.format == "parquet":
            run_sql(con, 
                f"CREATE OR REPLACE VIEW {view} AS SELECT file_row_number + 1 AS _row, * "
                f"EXCLUDE (file_row_number) FROM read_parquet({_sql_string(str(path))}, file_row_number = true)"
            )
        else:
            frame = _read_with_pandas(source)
            frame.insert(0, "_row", range(1, len(frame) + 1))
            con.register(f"{view}_frame", frame)
            run_sql(con, f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {view}_frame")
        con.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()
    except InputError:
        raise
    except (duckdb.Error, ValueError, OSError, UnicodeDecodeError) as exc:
        text = str(exc)
        if "not utf-8 encoded" in text or isinstance(exc, UnicodeDecodeError):
            raise InputError(
                f"not UTF-8 text; set encoding = \"latin-1\" (or the file's encoding) under [sources.{source.table}]",
                file=str(path),
            ) from None
        raise InputError(f"cannot read as {source.format}: {_first_line(exc)}", file=str(path)) from None
    return view


def _check_header(source: Source) -> None:
    """Refuse a csv whose header repeats a column name (which column would be meant?)."""
    import csv
    import gzip

    opener = gzip.open if source.path.suffix == ".gz" else open
    try:
        with opener(source.path, "rt", encoding=source.encoding, errors="replace", newline="") as handle:
            first = handle.readline()
    except OSError:
        return
    delimiter = source.delimiter
    if not delimiter:
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    names = [n.strip().strip('"').lstrip("\ufeff") for n in next(csv.reader([first], delimiter=delimiter), [])]
    seen = set()
    for name in names:
        if name and name in seen:
            raise InputError("the header names this column more than once", file=str(source.path), column=name)
        seen.add(name)


def _read_with_pandas(source: Source) -> pd.DataFrame:
    header = 0 if source.header else None
    if source.format == "xlsx":
        sheets = pd.ExcelFile(source.path).sheet_names
        if source.sheet and source.sheet not in sheets:
            raise InputError(f"no sheet {source.sheet!r}; the workbook has: {', '.join(sheets)}", file=str(source.path))
        frame = pd.read_excel(source.path, sheet_name=source.sheet or 0, dtype=str, header=header)
        if len(sheets) > 1 and not source.sheet:
            frame.attrs["sheets"] = sheets
    else:
        frame = pd.read_csv(source.path, sep=r"\s+", dtype=str, header=header, engine="python")
    if header is None:
        frame.columns = [f"column{i}" for i in range(frame.shape[1])]
    frame.columns = [str(c) for c in frame.columns]
    return frame


def source_columns(con: duckdb.DuckDBPyConnection, view: str) -> dict[str, str]:
    """Column name -> DuckDB type of a registered source, without ``_row``."""
    rows = con.execute(f"DESCRIBE {view}").fetchall()
    return {name: kind for name, kind, *_ in rows if name != "_row"}


def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size and modification time of a file, for ``run.json``."""
    stat = path.stat()
    return {"path": str(path), "bytes": stat.st_size, "modified": int(stat.st_mtime)}


# --- result folders ---------------------------------------------------------------



def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as indented UTF-8 JSON (NaN written as null)."""
    path.write_text(json.dumps(data, indent=2, default=str, allow_nan=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as csv or Parquet, by the file's extension."""
    if path.suffix == ".parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # Dictionary encoding pays for text, flags, dates and counts (few distinct values).
        # Floating-point columns have nearly as many values as rows: the writer builds a
        # dictionary, finds it too large and falls back, for nothing. Without it for them the
        # 10M customers file is written in 9.5-10.4 s instead of 12.7-12.8 s (1.79 GB, not 1.68).
        pq.write_table(table, path, use_dictionary=[f.name for f in table.schema if not pa.types.is_floating(f.type)])
    else:
        write_csv(frame, path)


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (any column name a file may have)."""
    return '"' + str(name).replace('"', '""') + '"'


def _written_by_duckdb(frame: pd.DataFrame) -> bool:
    """Whether :func:`write_csv` can hand ``frame`` to DuckDB: columns of the kinds whose
    text it was checked to write exactly as pandas does, and at least two of them (a
    one-column csv quotes an empty value as ``""`` in pandas, not in DuckDB)."""
    if frame.shape[1] < 2:
        return False
    for dtype in frame.dtypes:
        if isinstance(dtype, pd.DatetimeTZDtype):
            return False  # DuckDB would print the instants in the session's time zone
        if not (
            pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_datetime64_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
        ):  # fmt: skip
            return False
    return True


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as csv, the same text as ``frame.to_csv(path, index=False)``.

    DuckDB writes it: a 1,000,000-customer table (79 columns) took 4.0 s against
    31.5 s for pandas, byte for byte the same file. To keep pandas' text, booleans
    are written ``True``/``False``, datetimes that are all midnight as dates, and
    empty text as an empty field. Frames with a column of another kind (time-zone
    aware datetimes, say) are written by pandas.
    """
    if not _written_by_duckdb(frame):
        frame.to_csv(path, index=False)
        return
    columns = []
    for name, values in frame.items():
        column = quote_identifier(name)
        if pd.api.types.is_bool_dtype(values.dtype):
            columns.append(f"CASE WHEN {column} THEN 'True' WHEN NOT {column} THEN 'False' END AS {column}")
        elif pd.api.types.is_datetime64_dtype(values.dtype):
            present = values.dropna()
            midnight = present.empty or bool((present == present.dt.normalize()).all())
            columns.append(f"CAST({column} AS DATE) AS {column}" if midnight else column)
        elif pd.api.types.is_string_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
            columns.append(f"NULLIF(CAST({column} AS VARCHAR), '') AS {column}")
        else:
            columns.append(column)
    con = duckdb.connect()
    try:
        con.register("frame_to_write", frame)
        run_sql(con, f"COPY (SELECT {', '.join(columns)} FROM frame_to_write) TO {_sql_string(str(path))} (HEADER, DELIMITER ',')")
    finally:
        con.close()


def table_file_name(name: str, rows: int, max_csv_rows: int) -> str:
    """The file a published table of ``rows`` rows goes to: ``<name>.csv``, or
    ``<name>.parquet`` past ``max_csv_rows`` (a csv that size opens nowhere useful
    and takes minutes to write)."""
    return f"{name}.{'parquet' if rows > max_csv_rows else 'csv'}"


def write_table(frame: pd.DataFrame, folder: Path, name: str, max_csv_rows: int) -> Path:
    """Write a published table to the file :func:`table_file_name` names. Returns the path written."""
    path = Path(folder) / table_file_name(name, len(frame), max_csv_rows)
    write_frame(frame, path)
    return path


def read_frame(path: Path, rows_where: tuple[str, object] | None = None) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame` (ids stay text; an empty csv is an empty frame).

    ``rows_where`` = (column, value) keeps only the rows where the column has that
    value (Parquet only: rows are filtered as they are read).
    """
    path = Path(path)
    if path.suffix == ".parquet":
        # Column by column, each Arrow buffer freed once converted: a report notebook
        # reading a 10M-customer file peaked at 8.9 GB and took 3.4 s this way, against
        # 10.7 GB and 17.0 s for pandas.read_parquet (same frame).
        if rows_where is None:
            return pq.read_table(path).to_pandas(split_blocks=True, self_destruct=True)
        # batch by batch, so only the rows kept are ever held together
        column, value = rows_where
        source = pq.ParquetFile(path)
        kept = [batch.filter(pc.equal(batch.column(column), value)) for batch in source.iter_batches()]
        return pa.Table.from_batches(kept, schema=source.schema_arrow).to_pandas(split_blocks=True, self_destruct=True)
    if rows_where:
        raise ValueError("rows_where needs a Parquet file")
    try:
        return pd.read_csv(path, dtype={"customer_id": str, "file": str, "value": str})
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file, from its footer (no rows read)."""
    return pq.read_schema(path).names


def parquet_rows(path: Path) -> int:
    """The number of rows of a Parquet file, from its footer (no rows read)."""
    return pq.ParquetFile(path).metadata.num_rows


def publish_folder(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` so readers never see a half-written folder.

    The old folder is moved aside, the new one renamed into place (a rename is
    atomic on one file system), then the old one is deleted.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
