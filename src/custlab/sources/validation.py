"""Validate sources against the contract: clean tables plus a quarantine.

Each source is read once into ``checked_<table>``: every row in canonical, typed
columns, with the first check it fails. The view named after the canonical
table shows the accepted rows; the rejected ones go to the ``quarantine`` table
with the file, its row, the column and a reason. Both come from the one table
written, so for every table ``rows read = accepted + quarantined`` by
construction, and nothing is copied twice. The checks are SQL, so they run
inside DuckDB on files larger than memory.

What is fatal (raises :class:`~custlab.exceptions.InputError`): an unreadable
file, or a required column that is neither mapped, derived nor present.
What is quarantined (row by row): a missing id, an unparseable date or number,
a non-finite number, a negative value where none is allowed, a date after
``as_of``, a receivable paid or due before it was issued, a survey score outside
the scale, and a repeated customer id in the customers table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from custlab.engine import session
from custlab.sources import files
from custlab.sources.config import Config, Source
from custlab.sources.contract import DATE, ID, NUMBER, TABLES, TableSpec
from custlab.exceptions import InputError

#: Optional numeric columns where a blank cell means zero (no discount, no fee).
BLANK_MEANS_ZERO = {"discount", "channel_fee"}
_NUMERIC_TYPES = ("DOUBLE", "FLOAT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "DECIMAL", "UBIGINT", "UINTEGER")


@dataclass(frozen=True)
class ValidationResult:
    """What validation kept and set aside.

    Attributes
    ----------
    quality : DataFrame
        One row per table: ``table, file, rows_read, accepted, quarantined``.
    tables : tuple
        Canonical tables that were loaded (the others are absent).
    derived : dict
        Table -> {column: expression} for derived columns, for the report.
    """

    quality: pd.DataFrame
    tables: tuple[str, ...]
    derived: dict[str, dict[str, str]]

    def columns_present(self, con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
        """Canonical columns a loaded table has."""
        if table not in self.tables:
            return set()
        return {row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()}


def _is_typed(source_type: str | None) -> bool:
    """True for a source column the file already types (a number or date in
    Parquet; csv and xlsx are read as text), where a value cannot be blank text
    and a number cannot fail to parse: those checks, which cast every value to
    text, are skipped."""
    return source_type is not None and not source_type.upper().startswith(("VARCHAR", "STRING", "TEXT", "BLOB", "JSON"))


def _listing(source: Source, available: dict[str, str]) -> str:
    """`` (the file has: a, b, c)`` for a file in the config's folder; nothing for a file outside
    it, whose content (its header included) an error never quotes."""
    if not source.inside_config_folder:
        return " (columns of a file outside the config's folder are not listed)"
    return f" (the file has: {', '.join(available) or 'no columns'})"


def _resolve_columns(source: Source, spec: TableSpec, available: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Canonical column -> (SQL expression of the raw value, source type or None)."""
    resolved: dict[str, tuple[str, str | None]] = {}
    lower = {name.lower(): name for name in available}
    for column in spec.columns:
        if column in source.derive:
            resolved[column] = (f"({source.derive[column]})", None)
        elif column in source.columns:
            name = source.columns[column]
            if name not in available:
                raise InputError(
                    f"mapped column '{name}' not in file{_listing(source, available)}",
                    file=str(source.path),
                    column=column,
                )
            resolved[column] = (session.quote_identifier(name), available[name])
        elif column.lower() in lower:
            name = lower[column.lower()]
            resolved[column] = (session.quote_identifier(name), available[name])
    for column in spec.required:
        if column not in resolved:
            hint = ""
            if source.format == "xlsx" and not source.sheet:
                import pandas as pd

                hint = f"; the workbook's sheets are {', '.join(pd.ExcelFile(source.path).sheet_names)}: set sheet = \"...\""
            if source.table == "transactions" and column == "revenue":
                hint += "; for a log of purchase dates without amounts set purchase_log = true"
            raise InputError(
                f"required column missing{_listing(source, available)}; "
                f"map it under [sources.{source.table}.columns] or derive it{hint}",
                file=str(source.path),
                column=column,
            )
    return resolved


def _typed_expression(kind: str, raw: str, source_type: str | None, source: Source) -> str:
    is_numeric = source_type is not None and source_type.upper().startswith(_NUMERIC_TYPES)
    if kind == NUMBER:
        if is_numeric:
            return f"CAST({raw} AS DOUBLE)"
        text = f"txt({raw})"
        if source.thousands_separator:
            text = f"replace({text}, {session.sql_string(source.thousands_separator)}, '')"
        if source.decimal_separator != ".":
            text = f"replace({text}, {session.sql_string(source.decimal_separator)}, '.')"
        return f"TRY_CAST({text} AS DOUBLE)"
    if kind == DATE:
        formats = source.date_format
        if formats:
            formats = (formats,) if isinstance(formats, str) else formats
            tries = ", ".join(f"try_strptime(txt({raw}), {session.sql_string(f)})" for f in formats)
            return f"CAST(coalesce({tries}) AS DATE)"
        return f"coalesce(TRY_CAST({raw} AS DATE), TRY_CAST(TRY_CAST({raw} AS TIMESTAMP) AS DATE))"
    if kind == ID:
        # "123.0" (a number exported through a spreadsheet) is the id "123"; the
        # regular expression runs only on ids with a dot.
        return rf"CASE WHEN contains(txt({raw}), '.') THEN regexp_replace(txt({raw}), '^(-?\d+)\.0+$', '\1') ELSE txt({raw}) END"
    return f"txt({raw})"


def _checks(
    table: str, spec: TableSpec, source_types: dict[str, str | None], as_of: date, config: Config
) -> list[tuple[str, str, str]]:
    """Ordered (column, SQL condition that rejects the row, SQL reason) triples: a row is
    quarantined for the first it fails. Repeated rows are marked afterwards, when no check
    rejected them (see :func:`_quarantine_duplicates`).

    ``source_types`` maps each present canonical column to its type in the file
    (None for derived columns).
    """
    present = set(source_types)
    checks: list[tuple[str, str, str]] = []

    for column, kind in spec.columns.items():
        if column not in present:
            continue
        value, raw = session.quote_identifier(column), session.quote_identifier(column + "__raw")
        required = column in spec.required
        typed = _is_typed(source_types[column])
        blank = f"{raw} IS NULL" if typed else f"txt({raw}) IS NULL"
        derived = config.sources[table].derive.get(column)
        if derived is not None:
            checks.append((column, f"{value} IS NULL", session.sql_string(f"could not derive {column} = {derived} (an input is blank or not a number)")))
            continue
        if required:
            checks.append((column, blank, f"'missing {kind if kind != ID else 'id'}'"))
        if kind == ID:
            continue
        if kind == DATE:
            fmt = config.sources[table].date_format or "YYYY-MM-DD"
            fmt = fmt if isinstance(fmt, str) else " or ".join(fmt)
            if not typed or not source_types[column].upper().startswith(("DATE", "TIMESTAMP")):
                checks.append((column, f"NOT {blank} AND {value} IS NULL", session.sql_string(f"unparseable date (expected {fmt})")))
            if column not in spec.may_be_future:
                checks.append((column, f"{value} > DATE '{as_of.isoformat()}'", f"'date in the future (after {as_of.isoformat()})'"))
        elif kind == NUMBER:
            if column in BLANK_MEANS_ZERO:
                pass
            elif not required:
                checks.append((column, blank, f"'missing number (a blank {column} would silently count as zero)'"))
            if not (typed and source_types[column].upper().startswith(_NUMERIC_TYPES)):
                checks.append((column, f"NOT {blank} AND {value} IS NULL", "'not a number'"))
            checks.append((column, f"NOT isfinite({value})", "'not a finite number'"))
            if column in spec.nonnegative:
                checks.append((column, f"{value} < 0", "'negative value not allowed'"))
    if table == "transactions" and "cost" in present:
        checks.append(("cost", '"revenue" > 0 AND "cost" < 0', "'negative cost on a sale (only returns carry a negative cost)'"))
    if table == "receivables":
        checks.append(("due", '"due" < "issued"', "'due before issued'"))
        if "paid" in present:
            checks.append(("paid", '"paid" < "issued"', "'paid before issued'"))
    if table == "surveys":
        low, high = config.settings.satisfaction_scale
        checks.append(
            ("satisfaction", f'"satisfaction" NOT BETWEEN {low} AND {high}', f"'score outside the scale {low:g}-{high:g}'")
        )
    if table == "customers":
        if "kind" in present:
            checks.append(
                ("kind", "\"kind\" IS NOT NULL AND \"kind\" NOT IN ('consumer', 'business')", "'kind must be consumer or business'")
            )
    return checks


#: Tables whose repeated rows are quarantined: transactions repeated in every column
#: (with an order id, a double export, not a purchase) and customers repeating an id.
DUPLICATE_CHECKED = {"transactions": "order_id", "customers": "customer_id"}


def _write_checked(con: duckdb.DuckDBPyConnection, table: str, resolved: dict, checks: list[tuple[str, str, str]]) -> None:
    """Write ``checked_<table>``: every row read, in canonical typed columns, with the first check
    it fails (``_problem_column``, ``_problem``) and its raw value there (``_value``), or NULLs.

    One scan of the source evaluates the checks and writes the one table that both the
    accepted rows (the view ``<table>``) and the quarantine are read from, so that rows
    read = accepted + quarantined by construction. The duplicate check, which needs every
    row, runs afterwards on this table (:func:`_quarantine_duplicates`).
    """
    column_case = " ".join(f"WHEN {cond} THEN '{col}'" for col, cond, _ in checks)
    reason_case = " ".join(f"WHEN {cond} THEN {reason}" for _, cond, reason in checks)
    value_case = "CASE _problem_column " + " ".join(
        f"WHEN '{c}' THEN CAST({session.quote_identifier(c + '__raw')} AS VARCHAR)" for c in resolved
    ) + " END"
    columns = ", ".join(session.quote_identifier(c) for c in resolved)
    problem = f"CASE {column_case} END" if checks else "CAST(NULL AS VARCHAR)"
    reason = f"CASE {reason_case} END" if checks else "CAST(NULL AS VARCHAR)"
    session.run_sql(con,
        f"CREATE OR REPLACE TABLE checked_{table} AS SELECT {columns}, _row, _problem_column, _problem, "
        f"CASE WHEN _problem_column IS NOT NULL THEN {value_case} END AS _value "
        f"FROM (SELECT *, {problem} AS _problem_column, {reason} AS _problem FROM typed_{table})"
    )


def _quarantine_duplicates(con: duckdb.DuckDBPyConnection, table: str, resolved: dict) -> None:
    """Mark the repeats in ``checked_<table>`` that no earlier check rejected: "duplicate row
    (same as row N)" for transactions equal in every column (when they carry an order id),
    "duplicate customer_id (first seen at row N)" for customers.

    Rows equal in every column are equal in customer, order, date and revenue, so rows whose
    four repeat are the candidates, compared on every column: grouping on one integer, the
    hash of the candidate key, over the typed table costs far less than a window over every
    row and column. The raw value quarantined is read back from the source for those rows only.
    """
    column = DUPLICATE_CHECKED[table]
    if table == "transactions":
        if "order_id" not in resolved:
            return
        key, candidate = list(resolved), ["customer_id", "order_id", "date", "revenue"]
        reason = "'duplicate row (same as row ' || d._dup_of || ')'"
    else:
        key = candidate = ["customer_id"]
        reason = "'duplicate customer_id (first seen at row ' || d._dup_of || ')'"
    key_sql = ", ".join(session.quote_identifier(c) for c in key)
    candidate_sql = ", ".join(session.quote_identifier(c) for c in candidate)
    session.run_sql(con,
        f"CREATE OR REPLACE TEMP TABLE dup_{table} AS "
        f"WITH repeated AS (SELECT hash({candidate_sql}) AS _key_hash FROM checked_{table} GROUP BY ALL HAVING count(*) > 1), "
        f"candidates AS (SELECT * FROM checked_{table} WHERE hash({candidate_sql}) IN (SELECT _key_hash FROM repeated)), "
        f"marked AS (SELECT _row, _problem_column, CASE WHEN row_number() OVER (PARTITION BY {key_sql} ORDER BY _row) > 1 "
        f"THEN min(_row) OVER (PARTITION BY {key_sql}) END AS _dup_of FROM candidates) "
        "SELECT _row, _dup_of FROM marked WHERE _dup_of IS NOT NULL AND _problem_column IS NULL"
    )
    if con.execute(f"SELECT count(*) FROM dup_{table}").fetchall()[0][0]:  # usually none: no second scan of the source
        raw = session.quote_identifier(column + "__raw")
        session.run_sql(con,
            f"UPDATE checked_{table} AS c SET _problem_column = '{column}', _problem = {reason}, _value = d._value "
            f"FROM (SELECT d._row, d._dup_of, CAST(t.{raw} AS VARCHAR) AS _value FROM dup_{table} AS d "
            f"JOIN typed_{table} AS t USING (_row)) AS d WHERE c._row = d._row"
        )
    session.run_sql(con, f"DROP TABLE dup_{table}")


def validate_table(con: duckdb.DuckDBPyConnection, config: Config, table: str, as_of: date) -> dict:
    """Load one source into the clean table ``table`` and the ``quarantine`` table.

    Returns
    -------
    dict
        ``table, file, rows_read, accepted, quarantined``.
    """
    source = config.sources[table]
    spec = TABLES[table]
    view = files.register_source(con, source)
    available = files.source_columns(con, view)
    resolved = _resolve_columns(source, spec, available)
    select = ["_row"]
    for column, (raw, source_type) in resolved.items():
        typed = _typed_expression(spec.columns[column], raw, source_type, source)
        if column == "kind":
            typed = f"lower({typed})"
        if column in BLANK_MEANS_ZERO:
            typed = f"coalesce({typed}, CASE WHEN txt({raw}) IS NULL THEN 0.0 END)"
        select.append(f"{typed} AS {session.quote_identifier(column)}")
        select.append(f"{raw} AS {session.quote_identifier(column + '__raw')}")
    try:
        session.run_sql(con, f"CREATE OR REPLACE TEMP VIEW typed_{table} AS SELECT {', '.join(select)} FROM {view}")
        checks = _checks(table, spec, {column: source_type for column, (_, source_type) in resolved.items()}, as_of, config)
        _write_checked(con, table, resolved, checks)
        if table in DUPLICATE_CHECKED:
            _quarantine_duplicates(con, table, resolved)
        columns = ", ".join(session.quote_identifier(c) for c in resolved)
        # Not a copy: what the aggregate and every later read see of the one table written.
        session.run_sql(con, f"CREATE OR REPLACE VIEW {table} AS SELECT {columns} FROM checked_{table} WHERE _problem_column IS NULL")
        session.run_sql(con,
            f"INSERT INTO quarantine SELECT '{table}', {session.sql_string(config.published_path(source.path))}, _row, _problem_column, _value, _problem "
            f"FROM checked_{table} WHERE _problem_column IS NOT NULL ORDER BY _row"
        )
        rows_read, accepted = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE _problem_column IS NULL) FROM checked_{table}"
        ).fetchall()[0]
        quarantined = con.execute("SELECT count(*) FROM quarantine WHERE \"table\" = ?", [table]).fetchall()[0][0]
    except duckdb.Error as exc:
        if session.disk_full(exc):
            raise  # the machine's problem, not the file's: the runner says so (exit 2)
        if "CSV Error" in str(exc) or "Maximum line size" in str(exc):
            raise files.read_error(source, exc) from None
        raise InputError(f"cannot validate {table}: {session.first_line(exc)}", file=str(source.path)) from None
    return {
        "table": table,
        "file": config.published_path(source.path),
        "rows_read": rows_read,
        "accepted": accepted,
        "quarantined": quarantined,
    }


def validate(con: duckdb.DuckDBPyConnection, config: Config, as_of: date | None = None) -> ValidationResult:
    """Validate every configured source into clean tables and one quarantine.

    Parameters
    ----------
    con : DuckDBPyConnection
        A connection from :func:`custlab.engine.session.connect`.
    config : Config
    as_of : date, optional
        Rows dated after this day are quarantined as "in the future";
        defaults to today.

    Returns
    -------
    ValidationResult
    """
    as_of = as_of or date.today()
    session.run_sql(con, 
        'CREATE OR REPLACE TABLE quarantine ("table" VARCHAR, file VARCHAR, "row" BIGINT, '
        '"column" VARCHAR, value VARCHAR, reason VARCHAR)'
    )
    rows = [validate_table(con, config, table, as_of) for table in TABLES if table in config.sources]
    quality = pd.DataFrame(rows, columns=["table", "file", "rows_read", "accepted", "quarantined"])
    return ValidationResult(
        quality=quality,
        tables=tuple(quality["table"]),
        derived={t: dict(s.derive) for t, s in config.sources.items() if s.derive},
    )


def quarantine_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The quarantine table as a frame: ``table, file, row, column, value, reason``."""
    return con.execute('SELECT * FROM quarantine ORDER BY "table", "row"').df()
