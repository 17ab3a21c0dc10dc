"""The aggregate step on Spark gives the same customer x month table as on DuckDB.

PySpark is in the test extras and Java is on the CI machine, so this test runs
in CI (local mode, two cores); it is not skipped when PySpark is missing.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from custlab.aggregate import facts
from custlab.engine import dialects
from custlab.engine import session
from custlab.sources import validation
from custlab.sources.config import Settings, load_config


def test_macros_expand_nested_and_leave_comments_and_other_calls_alone():
    sql = "-- msum(x) in a comment\nSELECT msum(CASE WHEN a > 0 THEN days_between(b, least(c, d)) END), sum(e) FROM t WHERE f = $first"
    spark = dialects.to_spark(sql)
    assert spark == (
        "\nSELECT (CAST(sum(CAST(CASE WHEN a > 0 THEN (datediff(least(c, d), b)) END AS DECIMAL(38, 10))) AS DOUBLE)),"
        " sum(e) FROM t WHERE f = :first"
    )
    assert dialects.parameter_names(facts.read_sql("customer_month")) == set(
        facts.customer_month_parameters(date(2026, 1, 1), date(2026, 1, 1), Settings())
    )
    with pytest.raises(ValueError, match="unbalanced"):
        dialects.to_spark("SELECT msum(a FROM t")


@pytest.fixture(scope="module")
def spark():
    from custlab.aggregate.spark import local_session

    session = local_session("custlab-tests", cores=2)
    yield session
    session.stop()


def test_spark_aggregate_equals_duckdb(small_demo, tmp_path, spark):
    from custlab.aggregate.spark import customer_month_on_spark

    config = load_config(small_demo / "custlab.toml")
    first, last = date(2024, 11, 1), date(2026, 10, 1)
    con = session.connect()
    try:
        validation.validate(con, config)
        facts.prepare_inputs(con)
        facts.build_customer_month(con, first, last, config.settings)
        # bucket is DuckDB's storage layout, added outside the shared SQL
        duck = con.execute("SELECT * EXCLUDE (bucket) FROM customer_month ORDER BY customer_id, month").df()
        # the validated tables, as a lake would hold them
        sources = {}
        for table in ("transactions", "service", "receivables"):
            path = tmp_path / f"{table}.parquet"
            session.run_sql(con, f"COPY {table} TO '{path}' (FORMAT parquet)")
            sources[table] = str(path)
    finally:
        con.close()

    on_spark = customer_month_on_spark(spark, sources, first, last, config.settings).toPandas()
    on_spark = on_spark.sort_values(["customer_id", "month"], ignore_index=True)

    # every kind of input is there: sales, service events, and overdue receivables
    assert len(duck) > 10_000
    assert (duck[["revenue", "cost_to_serve", "carrying_cost", "overdue_receivables", "ecl_allowance"]] > 0).any().all()
    assert list(on_spark.columns) == list(duck.columns)
    assert on_spark[["customer_id", "month"]].astype(str).equals(duck[["customer_id", "month"]].astype(str))
    for column in duck.columns[2:]:
        ours, theirs = duck[column].to_numpy(dtype=float), on_spark[column].to_numpy(dtype=float)
        same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))  # NULL (no cost data) on both sides
        assert same.all(), f"{column}: {(~same).sum()} rows differ, e.g. {ours[~same][:3]} vs {theirs[~same][:3]}"
    assert on_spark["revenue"].sum() == pytest.approx(duck["revenue"].sum(), rel=1e-12)


def test_spark_path_refuses_unknown_or_missing_sources(spark):
    from custlab.aggregate.spark import customer_month_on_spark

    with pytest.raises(ValueError, match="unknown sources"):
        customer_month_on_spark(spark, {"transactions": "x", "orders": "y"}, date(2026, 1, 1), date(2026, 1, 1), Settings())
    with pytest.raises(ValueError, match="needs a transactions source"):
        customer_month_on_spark(spark, {"service": "y"}, date(2026, 1, 1), date(2026, 1, 1), Settings())


def test_duckdb_calendar_matches_month_ends():
    months = facts.calendar_months(date(2024, 1, 1), date(2024, 3, 1))
    assert months["month_end"].astype(str).tolist() == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert isinstance(months, pd.DataFrame)
