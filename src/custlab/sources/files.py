"""Reading source files: each exposed to DuckDB as a view of its own columns plus ``_row``.

``_row`` is the 1-based data row (header not counted), so validation can quote
the row of every quarantined value. csv and Parquet are scanned by DuckDB itself
and never loaded whole into pandas; xlsx and whitespace-separated text (the
CDNOW layout) are read by pandas as text and handed to DuckDB.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from custlab.engine.session import first_line, run_sql, sql_string
from custlab.exceptions import InputError
from custlab.sources.config import Source

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
    check_regular_file(path)
    try:
        if source.format == "csv":
            if source.header:
                _check_header(source)
            options = ["all_varchar = true", f"header = {str(source.header).lower()}"]
            if source.delimiter:
                options.append(f"delim = {sql_string(source.delimiter)}")
            if source.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
                options.append(f"encoding = {sql_string(source.encoding)}")
            run_sql(con, 
                f"CREATE OR REPLACE VIEW {view} AS SELECT row_number() OVER () AS _row, * "
                f"FROM read_csv({sql_string(str(path))}, {', '.join(options)})"
            )
        elif source.format == "parquet":
            run_sql(con, 
                f"CREATE OR REPLACE VIEW {view} AS SELECT file_row_number + 1 AS _row, * "
                f"EXCLUDE (file_row_number) FROM read_parquet({sql_string(str(path))}, file_row_number = true)"
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
        raise read_error(source, exc) from None
    return view


def check_regular_file(path: Path) -> None:
    """Refuse, in one line, a path that is not a readable regular file: missing, a folder,
    a device or a FIFO (reading one would never end), or empty.

    Raises
    ------
    InputError
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot be opened: {exc.strerror}", file=str(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError("is a folder, not a file", file=str(path))
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
        raise InputError(f"is {kind}, not a regular file", file=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", file=str(path))


#: DuckDB's longest csv line (max_line_size), in bytes.
MAX_LINE_BYTES = 2_000_000


def _first_long_line(path: Path, limit: int = MAX_LINE_BYTES) -> tuple[int, int] | None:
    """(line number, bytes) of the first physical line of ``path`` longer than ``limit``, read in blocks."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    number, length = 1, 0
    with opener(path, "rb") as handle:
        while block := handle.read(1 << 20):
            start = 0
            while (end := block.find(b"\n", start)) != -1:
                length += end - start
                if length > limit:
                    return number, length
                number, length, start = number + 1, 0, end + 1
            length += len(block) - start
            if length > limit:
                while (block := handle.read(1 << 20)) and b"\n" not in block:
                    length += len(block)
                return number, length + (block.find(b"\n") if block else 0)
    return None


def read_error(source: Source, exc: BaseException) -> InputError:
    """The one line that says why a source file could not be read.

    Never quotes the file's content (DuckDB's messages do, on the lines after the
    first): a config may point outside its folder at a file its author may not read.
    """
    text = str(exc)
    if "not utf-8 encoded" in text or isinstance(exc, UnicodeDecodeError):
        return InputError(
            f"not UTF-8 text; set encoding = \"latin-1\" (or the file's encoding) under [sources.{source.table}]",
            file=str(source.path),
        )
    if "Maximum line size" in text and (found := _first_long_line(source.path)):
        line, size = found
        return InputError(
            f"line {line:,} has {size:,} bytes, more than the {MAX_LINE_BYTES:,} a csv line may have "
            "(an unclosed quote, or not a csv file?)",
            file=str(source.path),
        )
    return InputError(f"cannot read as {source.format}: {first_line(exc)}", file=str(source.path))


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
            shown = name if source.inside_config_folder else None
            raise InputError("the header names a column more than once", file=str(source.path), column=shown)
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
