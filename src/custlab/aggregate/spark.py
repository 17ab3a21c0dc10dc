"""The aggregate step on Spark, from the same SQL as on DuckDB.

Of custlab's steps only the aggregate (``sql/customer_month.sql``) reads every
raw row; everything after it works on one row per customer and month. When the
transactions outgrow one machine, or already live in a data lake next to a
Spark cluster, this module runs that step on Spark and hands back the
customer x month table that the rest of custlab reads.

PySpark is an optional extra (``pip install 'custlab[spark]'``); it is imported
only here. The SQL text is custlab's own, rewritten for Spark by
:func:`custlab.engine.dialects.to_spark` (macros expanded, ``$name`` parameters as
``:name``), so the two engines cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from custlab.aggregate import facts
from custlab.engine import dialects
from custlab.sources.config import Settings

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

#: The tables the aggregate reads, by the name of their canonical view.
INPUTS = {"tx": "transactions", "service": "service", "receivables": "receivables"}


def local_session(app_name: str = "custlab", cores: int | str = "*") -> "SparkSession":
    """A Spark session on this machine (``local[cores]``), for tests and trials.

    On a cluster build the session as usual, e.g.
    ``SparkSession.builder.master("spark://host:7077").getOrCreate()``
    (or ``yarn``, ``k8s://...``), and pass it to :func:`customer_month_on_spark`.
    """
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def customer_month_on_spark(
    spark: "SparkSession",
    sources: Mapping[str, "str | DataFrame"],
    first_month: date,
    last_month: date,
    settings: Settings,
    source_format: str = "parquet",
) -> "DataFrame":
    """The ``customer_month`` table computed by Spark.

    Parameters
    ----------
    spark : SparkSession
        Local or on a cluster.
    sources : mapping
        ``transactions`` (required), ``service`` and ``receivables``
        (optional): each a path or URI Spark can read (``s3a://``, ``abfss://``,
        ``hdfs://``, a local folder of Parquet files) or a Spark DataFrame. Columns
        carry custlab's canonical names (``customer_id``, ``date``, ``revenue``,
        ``order_id``, ``cost``...; see ``custlab.contract``), as after
        ``custlab validate``; optional columns that are missing get the same
        stand-ins as on DuckDB.
    first_month, last_month : date
        First days of the first and last month to aggregate (inclusive).
    settings : Settings
        Cost of capital and expected-credit-loss rates (``config.settings``).
    source_format : str
        Spark data source of path sources (``parquet``, ``delta``, ``orc``...).

    Returns
    -------
    pyspark.sql.DataFrame
        One row per customer and month with the same columns, types and order
        as DuckDB's ``customer_month``. Nothing is computed until it is
        written or collected.
    """
    unknown = set(sources) - set(INPUTS.values())
    if unknown:
        raise ValueError(f"unknown sources {sorted(unknown)}; the aggregate reads {', '.join(INPUTS.values())}")
    if "transactions" not in sources:
        raise ValueError("the aggregate needs a transactions source")
    for view, table in INPUTS.items():
        have: set[str] = set()
        if table in sources:
            frame = sources[table]
            if isinstance(frame, str):
                frame = spark.read.format(source_format).load(frame)
            frame.createOrReplaceTempView(table)
            have = set(frame.columns)
        spark.sql(f"CREATE OR REPLACE TEMP VIEW {view}_in AS {facts.canonical_select(view, have)}")
    calendar = facts.calendar_months(first_month, last_month)
    spark.createDataFrame(calendar, schema="month DATE, month_end DATE").createOrReplaceTempView("calendar")
    parameters = facts.customer_month_parameters(first_month, last_month, settings)
    return spark.sql(dialects.to_spark(facts.read_sql("customer_month")), args=parameters)
