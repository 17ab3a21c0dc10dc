"""The aggregate step: raw canonical tables -> customer x month facts.

This is the only step that reads transaction rows. It runs as SQL in DuckDB
(the files in ``custlab/sql``), so it scales to files larger than memory and the
same SQL text can later run on another engine. Everything after it works on
customer-level frames.
"""

from __future__ import annotations

from datetime import date
from importlib import resources

import duckdb
import pandas as pd

from custlab.engine import dialects
from custlab.engine import session
from custlab.sources.config import Settings
from custlab.sources.contract import TABLES

# Canonical input views the SQL reads, with the SQL type of each column and the
# value that stands in for a column a source does not provide.
_INPUT_VIEWS = {
    "tx": (
        "transactions",
        {
            "customer_id": ("STRING", None),
            "date": ("DATE", None),
            "revenue": ("DOUBLE", None),
            "order_id": ("STRING", "NULL"),
            "cost": ("DOUBLE", "NULL"),
            "discount": ("DOUBLE", "0.0"),
            "channel_fee": ("DOUBLE", "0.0"),
        },
    ),
    "service": ("service", {"customer_id": ("STRING", None), "date": ("DATE", None), "cost": ("DOUBLE", None)}),
    "receivables": (
        "receivables",
        {
            "customer_id": ("STRING", None),
            "amount": ("DOUBLE", None),
            "issued": ("DATE", None),
            "due": ("DATE", None),
            "paid": ("DATE", "NULL"),
        },
    ),
}


def read_sql(name: str) -> str:
    """The text of one of custlab's SQL files (``custlab/aggregate/sql/<name>.sql``)."""
    return resources.files("custlab.aggregate").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def canonical_select(view: str, have: set[str]) -> str:
    """The SELECT that turns a loaded table into the canonical input view ``<view>_in``.

    Columns the table has are cast to their canonical type; the others get
    their stand-in (NULL or 0), and a table that is not there becomes an empty
    selection. The text is plain SQL that DuckDB and Spark read alike (Spark
    runs it in :func:`custlab.aggregate.spark.customer_month_on_spark`).
    """
    table, columns = _INPUT_VIEWS[view]
    parts = []
    for column, (sql_type, stand_in) in columns.items():
        value = column if column in have else (stand_in or "NULL")
        parts.append(f"CAST({value} AS {sql_type}) AS {column}")
    source = table if have else f"(SELECT 1 AS one) AS {table} WHERE false"
    return f"SELECT {', '.join(parts)} FROM {source}"


#: ``customer_month`` carries each customer's hash bucket (0..CUSTOMER_BUCKETS-1, the SQL
#: macro ``customer_bucket``) and is stored in bucket order, so a per-customer aggregation
#: can read a range of buckets at a time, and within a bucket in customer order (see
#: :data:`STORAGE_ORDER`).
CUSTOMER_BUCKETS = dialects.CUSTOMER_BUCKETS

#: Transaction lines one pass of :func:`build_customer_month` aggregates at most. Counting
#: distinct orders per customer and month holds a hash table of every order; over a hundred
#: million lines under a memory cap DuckDB spills it. Passes over bucket ranges each fit in
#: memory (benchmarks/RESULTS.md has the measurements).
LINES_PER_PASS = 15_000_000

#: Customer x month rows one pass of :func:`customer_window` aggregates at most (about a
#: million customers). One pass over ten million customers needs a hash table of several GB
#: with two dozen sums per customer; under a memory cap DuckDB spills it, while passes over
#: bucket ranges each fit.
ROWS_PER_PASS = 12_000_000


#: The order ``customer_month`` and ``purchase_days`` are stored in. Each per-period query
#: groups them by customer, ten million groups at 10M customers: a hash table far larger
#: than the processor's caches, so an aggregate over rows in random order waits on memory
#: for every row. Rows of one customer stored together hit the same group one after the
#: other: every later read gains more than the one sort costs.
STORAGE_ORDER = {"customer_month": "bucket, customer_id, month", "purchase_days": "customer_id, date"}


def split_buckets(rows: int, rows_per_pass: int) -> list[tuple[int, int]]:
    """Contiguous ``[from, to)`` ranges covering all buckets, as many as keep ``rows`` rows
    spread evenly over them under ``rows_per_pass`` per range (at least one, at most one per bucket)."""
    passes = max(1, min(CUSTOMER_BUCKETS, -(-rows // rows_per_pass)))
    edges = [round(i * CUSTOMER_BUCKETS / passes) for i in range(passes + 1)]
    return list(zip(edges[:-1], edges[1:]))


def create_in_passes(
    con: duckdb.DuckDBPyConnection, table: str, select: str, passes: list[dict], temporary: bool = False
) -> None:
    """Create ``table`` from ``select`` run once per parameter set in ``passes``, in that
    order: the first pass creates (or replaces) the table, the others append to it.
    ``temporary`` makes it a table of this connection only, not written to the database file."""
    kind = "TEMP TABLE" if temporary else "TABLE"
    for number, parameters in enumerate(passes):
        verb = f"CREATE OR REPLACE {kind} {table} AS" if number == 0 else f"INSERT INTO {table}"
        session.run_sql(con, f"{verb} {select}", parameters)


def calendar_months(first_month: date, last_month: date) -> pd.DataFrame:
    """One row per month from ``first_month`` to ``last_month``: ``month`` (first day) and ``month_end`` (last day)."""
    starts = pd.period_range(first_month, last_month, freq="M")
    return pd.DataFrame({"month": starts.start_time.date, "month_end": starts.end_time.date})


def create_calendar(con: duckdb.DuckDBPyConnection, first_month: date, last_month: date) -> None:
    """Create the temporary table ``calendar`` that ``sql/customer_month.sql`` reads (see :func:`calendar_months`)."""
    session.run_sql(con, "CREATE OR REPLACE TEMP TABLE calendar (month DATE, month_end DATE)")
    con.executemany("INSERT INTO calendar VALUES (?, ?)", calendar_months(first_month, last_month).values.tolist())


def prepare_inputs(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> dict[str, bool]:
    """Create the canonical input views ``tx_in``, ``service_in`` and ``receivables_in``.

    A table that was not loaded becomes an empty view and a column a source did
    not provide gets its stand-in, so the aggregate SQL never changes shape.
    With ``kind`` (``consumer`` or ``business``) every view keeps only the
    customers of that kind in the customers table, so the whole analysis is
    scoped to them.

    Returns
    -------
    dict
        Which inputs carry real data: ``has_cost``, ``has_service``,
        ``has_receivables``.
    """
    present = {}
    for view, (table, _) in _INPUT_VIEWS.items():
        have = session.table_columns(con, table)
        scope = ""
        if kind and have:
            scope = f" WHERE customer_id IN (SELECT customer_id FROM customers WHERE kind = {session.sql_string(kind)})"
        # views of the database, not of this connection: a BackgroundReader's reads use them too
        session.run_sql(con, f"CREATE OR REPLACE VIEW {view}_in AS {canonical_select(view, have)}{scope}")
        present[table] = bool(have)
    return {
        "has_cost": "cost" in session.table_columns(con, "transactions"),
        "has_service": present["service"],
        "has_receivables": present["receivables"],
    }


def data_months(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """First and last month with accepted transactions."""
    first, last = con.execute(
        "SELECT CAST(date_trunc('month', min(date)) AS DATE), CAST(date_trunc('month', max(date)) AS DATE) FROM tx_in"
    ).fetchall()[0]
    return first, last


def customer_month_parameters(
    first_month: date, last_month: date, settings: Settings, buckets: tuple[int, int] = (0, CUSTOMER_BUCKETS)
) -> dict[str, object]:
    """The parameters of ``sql/customer_month.sql``: the months, the cost of capital, the ECL
    rates and the ``[from, to)`` range of customer buckets (all of them by default)."""
    rates = settings.ecl_rates
    return {
        "bucket_from": buckets[0],
        "bucket_to": buckets[1],
        "first_month": first_month,
        "last_month": last_month,
        "cost_of_capital": settings.cost_of_capital,
        "ecl_current": rates["current"],
        "ecl_1_30": rates["1-30"],
        "ecl_31_60": rates["31-60"],
        "ecl_61_90": rates["61-90"],
        "ecl_over_90": rates["over 90"],
    }


def build_customer_month(
    con: duckdb.DuckDBPyConnection, first_month: date, last_month: date, settings: Settings
) -> None:
    """Create the table ``customer_month`` for months ``first_month..last_month``.

    Parameters
    ----------
    con : DuckDBPyConnection
        Holds the validated tables; :func:`prepare_inputs` must have run.
    first_month, last_month : date
        First days of the first and last month to aggregate (inclusive).
    settings : Settings
        Supplies the cost of capital and the expected-credit-loss rates.
    """
    create_calendar(con, first_month, last_month)
    lines = con.execute("SELECT count(*) FROM tx_in").fetchall()[0][0]
    # The bucket column is added here, not in the SQL file that Spark shares: it is
    # DuckDB's storage layout (row groups of one bucket range, which a scan filtered
    # on buckets skips).
    create_in_passes(
        con,
        "customer_month",
        f"SELECT *, customer_bucket(customer_id) AS bucket FROM ({read_sql('customer_month')}\n) "
        f"ORDER BY {STORAGE_ORDER['customer_month']}",
        [customer_month_parameters(first_month, last_month, settings, b) for b in split_buckets(lines, LINES_PER_PASS)],
    )


def customer_window(
    con: duckdb.DuckDBPyConnection,
    window_start: date,
    last_month: date,
    trend_months: int = 6,
    columns: list[str] | None = None,
    attributes: bool = True,
    into: str | None = None,
) -> pd.DataFrame | str:
    """One row per customer, in customer order: flows summed over the window, stocks at its end.

    Customers seen before the window but not in it are kept (``in_window`` is
    False), so that later analyses can see who lapsed. ``trend_months`` sets
    the two half-periods the growth figures compare. With ``columns``, only
    those (and ``customer_id``) are computed and returned, without the
    customers' descriptive columns: DuckDB then skips the other sums. Without
    ``attributes`` the descriptive columns (name, region, kind...) are left
    out: an earlier period's tiers do not need them, and at ten million
    customers they are three text columns less to convert and hold.

    With ``into`` the rows are staged in that table instead (see :func:`custlab.engine.session.stage`)
    and its name is returned; :func:`fetch_customer_window` fetches them. The
    SQL reads only tables of the database (``customer_month``, ``customers``),
    so any connection to it can stage them.
    """
    table = into or "customer_window"
    sql = read_sql("customer_window")
    parameters = {"window_start": window_start, "last_month": last_month, "trend_months": trend_months}
    wanted = "*" if columns is None else ", ".join(["customer_id", *columns])
    parts = f"{table}_parts"
    try:
        create_in_passes(
            con,
            parts,
            f"SELECT {wanted} FROM ({sql}\n) AS w",
            [{**parameters, "bucket_from": low, "bucket_to": high} for low, high in bucket_ranges(con)],
            # read once, by the ordering below on this connection: not worth writing to the
            # database file
            temporary=True,
        )
        have = session.table_columns(con, "customers") if attributes and columns is None else set()
        described = [c for c in TABLES["customers"].optional if c in have]
        query = f"SELECT * FROM {parts} ORDER BY customer_id"
        if described:  # the customers' descriptive columns (kind, region, name...), joined in SQL
            listed = ", ".join(f"c.{c}" for c in described)
            query = (f"SELECT w.*, {listed} FROM {parts} AS w "
                     "LEFT JOIN customers AS c USING (customer_id) ORDER BY w.customer_id")
        session.stage(con, table, query)
    finally:
        session.run_sql(con, f"DROP TABLE IF EXISTS {parts}")
    return into or fetch_customer_window(con, table, columns)


def fetch_customer_window(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """The customer window staged in ``table`` (``customer_window(..., into=table)``) as a
    frame; the table is dropped. ``columns`` as given to the staging."""
    frame = session.fetch_table(con, table)
    if columns is None and "kind" not in frame:
        frame["kind"] = pd.NA
    return frame


def bucket_ranges(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """The ``[from, to)`` bucket ranges of ``customer_month`` that :func:`customer_window` aggregates one at a time.

    As many equal ranges as it takes to keep each under :data:`ROWS_PER_PASS`
    rows (the row count is table metadata, free to read): one range, all buckets,
    up to about a million customers.
    """
    rows = con.execute("SELECT count(*) FROM customer_month").fetchall()[0][0]
    return split_buckets(rows, ROWS_PER_PASS)


def build_purchase_days(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table ``purchase_days`` (customer, day, net revenue of the day's purchases)
    that :func:`customer_rfm` and :func:`holdout_purchases` read; :func:`prepare_inputs`
    must have run.

    Not a temporary table: in a database file (see :func:`custlab.engine.session.scratch_connection`)
    it is stored compressed, like ``customer_month``, and in customer order
    (see :data:`STORAGE_ORDER`).
    """
    session.run_sql(con, f"CREATE OR REPLACE TABLE purchase_days AS {read_sql('purchase_days')}\nORDER BY {STORAGE_ORDER['purchase_days']}")


def customer_rfm(con: duckdb.DuckDBPyConnection, period_end: date, into: str | None = None) -> pd.DataFrame | str:
    """Frequency, recency, T and monetary value (weeks) per customer up to ``period_end``.

    Reads ``purchase_days``: :func:`build_purchase_days` must have run. With
    ``into`` the rows are staged in that table instead (see :func:`custlab.engine.session.stage`) and
    its name is returned, for :func:`custlab.engine.session.fetch_table`.
    """
    return session.fetch_or_stage(con, read_sql("customer_rfm"), {"period_end": period_end}, into)


def cohort_counts(con: duckdb.DuckDBPyConnection, into: str | None = None) -> pd.DataFrame | str:
    """Buyers per acquisition cohort and month since acquisition (long format); ``into`` as for :func:`customer_rfm`."""
    return session.fetch_or_stage(con, read_sql("cohorts"), None, into)


def retention_counts(
    con: duckdb.DuckDBPyConnection, previous_start: date, window_start: date, last_month: date
) -> tuple[int, int]:
    """Buyers of the previous window, and how many of them bought in the report window."""
    row = con.execute(
        read_sql("retention"),
        {"previous_start": previous_start, "window_start": window_start, "last_month": last_month},
    ).fetchall()[0]
    session.release_cache(con)
    return int(row[0]), int(row[1])


def survey_scores(con: duckdb.DuckDBPyConnection, period_end: date, into: str | None = None) -> pd.DataFrame | str | None:
    """Latest satisfaction score per customer, or None without a surveys table; ``into`` as for :func:`customer_rfm`."""
    if not session.table_columns(con, "surveys"):
        return None
    return session.fetch_or_stage(con, read_sql("surveys"), {"period_end": period_end}, into)


def holdout_purchases(
    con: duckdb.DuckDBPyConnection, calibration_end: date, period_end: date, into: str | None = None
) -> pd.DataFrame | str:
    """Purchase days after ``calibration_end`` of every customer known by then.

    Reads ``purchase_days``: :func:`build_purchase_days` must have run. ``into``
    as for :func:`customer_rfm`.
    """
    return session.fetch_or_stage(con, read_sql("holdout_purchases"), {"calibration_end": calibration_end, "period_end": period_end}, into)


def receivables_ageing(
    con: duckdb.DuckDBPyConnection, window_start: date, period_end: date, into: str | None = None
) -> pd.DataFrame | str:
    """Open receivables per ageing bucket at ``period_end`` and credit sales in the window, per
    customer; ``into`` as for :func:`customer_rfm`."""
    return session.fetch_or_stage(con, read_sql("receivables_ageing"), {"window_start": window_start, "period_end": period_end}, into)


def territory_sales(
    con: duckdb.DuckDBPyConnection, window_start: date, period_end: date, into: str | None = None
) -> pd.DataFrame | str | None:
    """Revenue delivered outside each customer's region, or None when either region is missing."""
    if "region" not in session.table_columns(con, "transactions") or "region" not in session.table_columns(con, "customers"):
        return None
    session.run_sql(con, "CREATE OR REPLACE TEMP VIEW tx_region AS SELECT customer_id, date, revenue, region FROM transactions")
    return session.fetch_or_stage(con, read_sql("territory"), {"window_start": window_start, "period_end": period_end}, into)


def customer_months(con: duckdb.DuckDBPyConnection, customer_ids: pd.Series) -> pd.DataFrame:
    """The ``customer_month`` rows of the given customers (for account sheets)."""
    with session.customer_ids_table(con, "wanted_customers", customer_ids) as wanted:
        return session.fetch_frame(
            con, f"SELECT m.* EXCLUDE (bucket) FROM customer_month AS m JOIN {wanted} USING (customer_id) ORDER BY customer_id, month"
        )
