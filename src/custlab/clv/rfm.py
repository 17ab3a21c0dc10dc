"""RFM summaries in lifetimes' semantics: frequency, recency, T and monetary value.

Purchases in the same period (``freq``) are merged into one; ``frequency`` counts
the repeat purchase periods (periods with a purchase, minus the first),
``recency`` is the age of the customer at its last purchase, ``T`` its age at the
end of observation, and ``monetary_value`` the mean value of the repeat
purchases (0 without repeats). Times are in periods of ``freq`` divided by
``freq_multiplier`` (``freq="D", freq_multiplier=7`` gives weeks measured in
days, as in Fader, Hardie & Lee's CDNOW analyses).

The work runs in DuckDB over the pandas frame (no copy for Arrow-backed
columns): one hash aggregation per step instead of pandas group-bys.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

#: SQL of the period number of a DATE ``d`` for each supported ``freq``.
_PERIOD = {
    "H": "date_diff('hour', TIMESTAMP '1970-01-01', d)",
    "D": "date_diff('day', DATE '1970-01-01', d)",
    "W": "date_diff('day', DATE '1970-01-05', date_trunc('week', d)) // 7",  # weeks starting Monday, as pandas' W-SUN
    "M": "(year(d) * 12 + month(d) - 1)",
}

# Purchases are merged per customer and day first (the one pass over the raw
# rows, grouping on the day as stored); coarser periods merge those days again.
_DAYS_SQL = "SELECT customer, CAST(ts AS DATE) AS d, sum(value) AS value FROM src WHERE CAST(ts AS DATE) <= CAST($end AS DATE) GROUP BY ALL"
#: Hours are finer than days: purchases are merged per hour instead.
_HOURS_SQL = (
    "SELECT customer, date_trunc('hour', ts) AS d, sum(value) AS value FROM src "
    "WHERE date_trunc('hour', ts) <= date_trunc('hour', CAST($end AS TIMESTAMP)) GROUP BY ALL"
)
_PERIODS_SQL = {
    "H": "SELECT customer, {period} AS period, value FROM days",
    "D": "SELECT customer, {period} AS period, value FROM days",
    "W": "SELECT customer, {period} AS period, sum(value) AS value FROM days GROUP BY ALL",
    "M": "SELECT customer, {period} AS period, sum(value) AS value FROM days GROUP BY ALL",
}

_OUTPUT_SQL = """
SELECT customer AS customer_id,
       CAST(n - 1 + $first AS DOUBLE) AS frequency,
       (last_period - first_period) / $multiplier AS recency,
       ($cal - first_period) / $multiplier AS "T",
       CASE WHEN $first = 1 THEN total / n WHEN n > 1 THEN (total - first_value) / (n - 1) ELSE 0.0 END
           AS monetary_value{holdout_columns}
FROM per_customer
WHERE n > 0
ORDER BY customer
"""

_WHOLE_SQL = """
WITH days AS ({days}), periods AS ({periods}),
per_customer AS (
    SELECT customer, min(period) AS first_period, max(period) AS last_period, count(*) AS n,
           sum(value) AS total, arg_min(value, period) AS first_value
    FROM periods
    GROUP BY customer
)
""" + _OUTPUT_SQL.format(holdout_columns="")

_SPLIT_SQL = """
WITH days AS ({days}), periods AS ({periods}),
per_customer AS (
    SELECT customer,
           min(period) FILTER (WHERE period <= $cal) AS first_period,
           max(period) FILTER (WHERE period <= $cal) AS last_period,
           count(*) FILTER (WHERE period <= $cal) AS n,
           sum(value) FILTER (WHERE period <= $cal) AS total,
           arg_min(value, period) AS first_value,
           count(*) FILTER (WHERE period > $cal) AS n_holdout,
           avg(value) FILTER (WHERE period > $cal) AS holdout_value
    FROM periods
    GROUP BY customer
)
""" + _OUTPUT_SQL.format(
    holdout_columns=""",
       CAST(n_holdout AS DOUBLE) AS frequency_holdout,
       coalesce(holdout_value, 0.0) AS monetary_value_holdout"""
)


def _period_of(day: pd.Timestamp, freq: str) -> int:
    con = duckdb.connect()
    try:
        kind, value = ("TIMESTAMP", day.to_pydatetime()) if freq == "H" else ("DATE", day.date())
        return int(con.execute(f"SELECT {_PERIOD[freq]} FROM (SELECT CAST(? AS {kind}) AS d)", [value]).fetchall()[0][0])
    finally:
        con.close()


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    value_col: str | None = None,
    observation_end=None,
    freq: str = "D",
    calibration_end=None,
    freq_multiplier: float = 1.0,
    datetime_format: str | None = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction (several per period are merged).
    customer_col, date_col : str
        Columns with the customer id and the transaction date.
    value_col : str, optional
        Column with the transaction value; without it ``monetary_value`` is 0.
        A missing id, date or value is an error: no transaction is silently
        left out.
    observation_end : date-like, optional
        End of observation; transactions after it are ignored. Default: the last
        transaction date.
    freq : str
        Period in which purchases are merged and time is counted: ``"H"``
        (hours), ``"D"`` (days), ``"W"`` (weeks starting on Monday) or ``"M"``
        (months). The end's whole period counts: every purchase of its day (hour).
    calibration_end : date-like, optional
        When given, customers are summarised on transactions up to this date
        (columns suffixed ``_cal``; customers whose first purchase is later are
        left out) and the holdout (calibration_end, observation_end] adds
        ``frequency_holdout`` (purchase periods), ``monetary_value_holdout``
        (their mean value) and ``duration_holdout`` (its length).
    freq_multiplier : float
        Divides all times, e.g. 7 with ``freq="D"`` for weeks counted in days.
    datetime_format : str, optional
        strptime format of text dates (e.g. ``"%Y%m%d"``).
    include_first_transaction : bool
        Count the first purchase in ``frequency`` and ``monetary_value`` too
        (lifetimes' option; the models want it left out).

    Returns
    -------
    DataFrame
        Indexed by customer id.
    """
    freq = {"h": "H"}.get(freq, freq)
    if freq not in _PERIOD:
        raise ValueError(f"freq must be one of {', '.join(_PERIOD)}, got {freq!r}")
    dates = pd.to_datetime(transactions[date_col], format=datetime_format)
    for column, series in [(customer_col, transactions[customer_col]), (date_col, dates)] + (
        [(value_col, transactions[value_col])] if value_col else []
    ):
        missing = int(series.isna().sum())
        if missing:
            raise ValueError(f"{column}: {missing:,} of {len(series):,} transactions have no value")
    parse = lambda day: pd.to_datetime(day, format=datetime_format) if isinstance(day, str) else pd.Timestamp(day)  # noqa: E731
    end = parse(observation_end) if observation_end is not None else dates.max()
    end_period = _period_of(end, freq)
    cal_period = end_period
    if calibration_end is not None:
        cal_end = parse(calibration_end)
        if cal_end >= end:
            raise ValueError("calibration_end must be before observation_end")
        cal_period = _period_of(cal_end, freq)
    # An Arrow table hands DuckDB the columns without a copy (pandas' Arrow-backed
    # strings stay Arrow; a numpy object column would be converted row by row).
    src = pa.table(
        {
            "customer": pa.array(transactions[customer_col]),
            "ts": pa.array(dates),
            "value": pa.array(transactions[value_col] if value_col else np.zeros(len(dates)), type=pa.float64()),
        }
    )
    template = _WHOLE_SQL if calibration_end is None else _SPLIT_SQL
    sql = template.format(days=_HOURS_SQL if freq == "H" else _DAYS_SQL, periods=_PERIODS_SQL[freq].format(period=_PERIOD[freq]))
    con = duckdb.connect()
    try:
        con.register("src", src)
        parameters = {"end": end.to_pydatetime(), "cal": cal_period, "multiplier": float(freq_multiplier),
                      "first": int(include_first_transaction)}  # fmt: skip
        out = con.execute(sql, parameters).df()
    finally:
        con.close()
    out = out.set_index("customer_id")
    if calibration_end is None:
        return out[["frequency", "recency", "T", "monetary_value"]]
    summary = out[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")
    summary["frequency_holdout"] = out["frequency_holdout"]
    summary["monetary_value_holdout"] = out["monetary_value_holdout"]
    summary["duration_holdout"] = (end_period - cal_period) / freq_multiplier
    return summary
