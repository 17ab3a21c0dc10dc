"""custlab's SQL on engines other than DuckDB.

The SQL files in ``custlab/sql`` are written once, in SQL that DuckDB and Spark
read alike, plus a small custlab vocabulary of macros that each engine spells
differently:

* ``msum(x)``: an exact sum of money (DECIMAL(38, 10), returned as DOUBLE), so
  that parallel aggregation cannot change the last bits of a total;
* ``days_between(a, b)``: days from date ``a`` to date ``b``;
* ``customer_bucket(id)``: the customer's hash bucket, 0 to
  :data:`CUSTOMER_BUCKETS` - 1. DuckDB aggregates millions of customers a range
  of buckets at a time (Spark, one range: all of them); the engines hash
  differently, so a bucket is a storage and work unit, never a result.

DuckDB runs the files as they are: :func:`custlab.engine.session.connect` creates the
macros. For Spark, :func:`to_spark` rewrites the text — each macro call is
expanded in place and DuckDB's ``$name`` parameters become Spark's ``:name``
markers — so both engines run the same definition.
"""

from __future__ import annotations

import re

#: Hash buckets of customers (see ``customer_bucket``).
CUSTOMER_BUCKETS = 64

#: DuckDB definition of each custlab macro (created by :func:`custlab.engine.session.connect`).
DUCKDB_MACROS = {
    "msum(x)": "CAST(sum(CAST(x AS DECIMAL(38, 10))) AS DOUBLE)",
    "days_between(a, b)": "date_diff('day', a, b)",
    "customer_bucket(x)": f"CAST(hash(x) % {CUSTOMER_BUCKETS} AS USMALLINT)",
}

#: Spark spelling of each custlab macro; ``{0}``, ``{1}`` are the arguments.
SPARK_MACROS = {
    "msum": "CAST(sum(CAST({0} AS DECIMAL(38, 10))) AS DOUBLE)",
    "days_between": "datediff({1}, {0})",
    "customer_bucket": f"pmod(hash({{0}}), {CUSTOMER_BUCKETS})",
}

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _split_arguments(text: str) -> list[str]:
    """Top-level comma-separated arguments of a call (commas inside brackets stay)."""
    arguments, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(text[start:position].strip())
            start = position + 1
    arguments.append(text[start:].strip())
    return arguments


def _closing_bracket(sql: str, opening: int) -> int:
    """Position of the ``)`` that closes the ``(`` at ``opening``."""
    depth = 0
    for position in range(opening, len(sql)):
        if sql[position] == "(":
            depth += 1
        elif sql[position] == ")":
            depth -= 1
            if depth == 0:
                return position
    raise ValueError(f"unbalanced brackets in SQL after: {sql[opening:opening + 60]!r}")


def expand_macros(sql: str, macros: dict[str, str]) -> str:
    """Replace every call ``name(args)`` of the given macros by its template.

    Calls may nest (a macro's argument may call a macro); names match whole
    words only, case-insensitively. Comments are dropped first so that a macro
    named in a comment is left alone.
    """
    sql = re.sub(r"--[^\n]*", "", sql)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, macros)) + r")\s*\(", re.IGNORECASE)
    while match := pattern.search(sql):
        opening = match.end() - 1
        closing = _closing_bracket(sql, opening)
        arguments = [expand_macros(argument, macros) for argument in _split_arguments(sql[opening + 1 : closing])]
        sql = sql[: match.start()] + "(" + macros[match.group(1).lower()].format(*arguments) + ")" + sql[closing + 1 :]
    return sql


def to_spark(sql: str) -> str:
    """custlab SQL (DuckDB text with custlab macros and ``$name`` parameters) as Spark SQL.

    Pass the parameters to ``spark.sql(text, args={...})`` under the same names.
    """
    return _PARAMETER.sub(r":\1", expand_macros(sql, SPARK_MACROS))


def parameter_names(sql: str) -> set[str]:
    """The ``$name`` parameters a custlab SQL text uses."""
    return set(_PARAMETER.findall(re.sub(r"--[^\n]*", "", sql)))
