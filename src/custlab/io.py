"""The file I/O of results: frames, JSON, published tables and folders.

Everything custlab writes goes through here: a result folder the analysis hands
to the report (:func:`write_frame`, :func:`read_frame`), the published tables
(:func:`write_table`) and the atomic replacement of a published folder
(:func:`publish_folder`). Source files are read by :mod:`custlab.sources.files`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from custlab.engine.session import quote_identifier, run_sql, sql_string

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
        # dictionary, finds it too large and falls back, for nothing.
        pq.write_table(table, path, use_dictionary=[f.name for f in table.schema if not pa.types.is_floating(f.type)])
    else:
        write_csv(frame, path)


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


#: A text cell beginning with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[=+@\t\r-]"


def _is_text_column(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_object_dtype(values.dtype):
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    return pd.api.types.is_string_dtype(values.dtype)


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return), prefixed with ``'`` so they read as text."""
    text = values.astype(object)
    starts = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS)).astype(bool)
    return text.where(~starts, "'" + text.astype(str))


def write_csv(frame: pd.DataFrame, path: Path, neutralise: bool = False) -> None:
    """Write ``frame`` as csv, the same text as ``frame.to_csv(path, index=False)``.

    DuckDB writes it, several times faster than pandas, byte for byte the same
    file. To keep pandas' text, booleans
    are written ``True``/``False``, datetimes that are all midnight as dates, and
    empty text as an empty field. Frames with a column of another kind (time-zone
    aware datetimes, say) are written by pandas.

    With ``neutralise`` (every csv a report publishes) text cells that a
    spreadsheet would run as a formula get a leading ``'`` (see
    :func:`neutralise_formulas`); numbers are left as they are.
    """
    if not _written_by_duckdb(frame):
        if neutralise:
            frame = frame.assign(**{c: neutralise_formulas(frame[c]) for c in frame.columns if _is_text_column(frame[c])})
        frame.to_csv(path, index=False)
        return
    columns = []
    for name, values in frame.items():
        column = quote_identifier(name)
        if neutralise and _is_text_column(values):
            text = f"NULLIF(CAST({column} AS VARCHAR), '')"
            columns.append(
                f"CASE WHEN regexp_matches({text}, {sql_string(_FORMULA_PATTERN)}) "
                f"THEN concat('''', {text}) ELSE {text} END AS {column}"
            )
        elif pd.api.types.is_bool_dtype(values.dtype):
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
        run_sql(con, f"COPY (SELECT {', '.join(columns)} FROM frame_to_write) TO {sql_string(str(path))} (HEADER, DELIMITER ',')")
    finally:
        con.close()


def table_file_name(name: str, rows: int, max_csv_rows: int) -> str:
    """The file a published table of ``rows`` rows goes to: ``<name>.csv``, or
    ``<name>.parquet`` past ``max_csv_rows`` (a csv that size opens nowhere useful
    and takes minutes to write)."""
    return f"{name}.{'parquet' if rows > max_csv_rows else 'csv'}"


def write_table(frame: pd.DataFrame, folder: Path, name: str, max_csv_rows: int) -> Path:
    """Write a published table to the file :func:`table_file_name` names. Returns the path written.

    A csv has its formula-like text cells neutralised (see :func:`write_csv`).
    """
    path = Path(folder) / table_file_name(name, len(frame), max_csv_rows)
    if path.suffix == ".csv":
        write_csv(frame, path, neutralise=True)
    else:
        write_frame(frame, path)
    return path


def read_frame(path: Path, rows_where: tuple[str, object] | None = None) -> pd.DataFrame:
    """Read a frame written by :func:`write_frame` (ids stay text; an empty csv is an empty frame).

    ``rows_where`` = (column, value) keeps only the rows where the column has that
    value (Parquet only: rows are filtered as they are read).
    """
    path = Path(path)
    if path.suffix == ".parquet":
        # Column by column, each Arrow buffer freed once converted: less memory at its peak
        # than pandas.read_parquet, and faster (same frame).
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


def parquet_empty_frame(path: Path) -> pd.DataFrame:
    """The frame of a Parquet file with its columns and types but no row (reads the schema only)."""
    return pq.read_schema(path).empty_table().to_pandas()


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file, from its footer (no rows read)."""
    return pq.read_schema(path).names


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one rename (readers never see half a file), with the
    permissions a new file gets (0644 under the usual umask), not ``mkstemp``'s 0600."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
