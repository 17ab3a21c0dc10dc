"""lifetimes' utilities, for drop-in use: ``from custlab.clv import utils`` where ``from lifetimes import utils`` was.

Same names, arguments and results as lifetimes 0.11.3; the summaries run on
:func:`custlab.clv.rfm_summary` (DuckDB) and keep the customer id column's name
and type as the index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custlab.clv._fit import like_input
from custlab.clv.rfm import rfm_summary

__all__ = [
    "calibration_and_holdout_data",
    "summary_data_from_transaction_data",
    "calculate_alive_path",
    "expected_cumulative_transactions",
    "lifetimes_clv",
]

#: Time units of a model per month, by lifetimes' ``freq``.
MONTH_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


def summary_data_from_transaction_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end=None,
    freq: str = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """frequency, recency, T (and monetary_value) per customer, indexed by ``customer_id_col``.

    lifetimes' function of the same name; see :func:`custlab.clv.rfm_summary`.
    """
    summary = rfm_summary(
        transactions, customer_id_col, datetime_col, monetary_value_col, observation_end=observation_period_end,
        freq=freq, freq_multiplier=freq_multiplier, datetime_format=datetime_format,
        include_first_transaction=include_first_transaction,
    )  # fmt: skip
    summary.index.name = customer_id_col
    return summary if monetary_value_col else summary.drop(columns="monetary_value")


def calibration_and_holdout_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end,
    observation_period_end=None,
    freq: str = "D",
    freq_multiplier: float = 1,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """The calibration summary (``*_cal``) of customers known by ``calibration_period_end`` and
    their purchases in the holdout up to ``observation_period_end`` (lifetimes' function).

    Raises
    ------
    ValueError
        When the holdout holds no transaction.
    """
    dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    parse = lambda day: pd.to_datetime(day, format=datetime_format) if isinstance(day, str) else pd.Timestamp(day)  # noqa: E731
    end = parse(observation_period_end) if observation_period_end is not None else dates.max()
    if not ((dates > parse(calibration_period_end)) & (dates <= end)).any():
        raise ValueError(
            "There is no data available. Check the `observation_period_end` and `calibration_period_end` and confirm "
            "that values in `transactions` occur prior to those dates."
        )
    split = rfm_summary(
        transactions, customer_id_col, datetime_col, monetary_value_col, observation_end=end, freq=freq,
        calibration_end=calibration_period_end, freq_multiplier=freq_multiplier, datetime_format=datetime_format,
        include_first_transaction=include_first_transaction,
    )  # fmt: skip
    split.index.name = customer_id_col
    if not monetary_value_col:
        split = split.drop(columns=["monetary_value_cal", "monetary_value_holdout"])
    return split


def calculate_alive_path(model, transactions: pd.DataFrame, datetime_col: str, t: int, freq: str = "D") -> pd.Series:
    """P(alive) of one customer at each period 0..t of its history (lifetimes' function).

    ``transactions`` are that customer's; periods of ``freq`` from its first purchase.
    """
    days = pd.to_datetime(transactions[datetime_col])
    start = days.min().to_period(freq)
    bought = np.zeros(t + 1, dtype=bool)
    offsets = np.array([(day.to_period(freq) - start).n for day in days])
    bought[offsets[(offsets >= 0) & (offsets <= t)]] = True
    age = np.arange(t + 1, dtype=float)
    frequency = np.cumsum(bought) - 1.0  # the first purchase is not a repeat
    recency = np.maximum.accumulate(np.where(bought, age, 0.0))
    return pd.Series(np.asarray(model.conditional_probability_alive(frequency, recency, age), dtype=float))


def lifetimes_clv(transaction_prediction_model, frequency, recency, T, monetary_value, time: int = 12,
                  discount_rate: float = 0.01, freq: str = "D") -> pd.Series:  # fmt: skip
    """lifetimes' ``_customer_lifetime_value``: spend times the purchases predicted in each of ``time``
    months, discounted at ``discount_rate`` a month; ``freq`` the model's time unit. A Series
    indexed like the input (a RangeIndex for arrays)."""
    factor = MONTH_FACTOR[freq]
    spend = np.asarray(monetary_value, dtype=float)
    clv = np.zeros(len(spend))
    for month in range(1, time + 1):
        done = np.asarray(transaction_prediction_model.predict(month * factor, frequency, recency, T), dtype=float)
        before = np.asarray(transaction_prediction_model.predict((month - 1) * factor, frequency, recency, T), dtype=float)
        clv += spend * (done - before) / (1 + discount_rate) ** month
    result = like_input(clv, frequency, recency, T, monetary_value)
    return result if isinstance(result, pd.Series) else pd.Series(result, name="clv")


def expected_cumulative_transactions(
    model,
    transactions: pd.DataFrame,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    datetime_format: str | None = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    set_index_date: bool = False,
) -> pd.DataFrame:
    """Repeat transactions of the whole base, actual and predicted, cumulated period by period
    (lifetimes' tracking plot data).

    Every customer enters at its first purchase; the model's E[X(t)] since then
    gives the predicted repeat purchases. Purchases in one period are merged.
    """
    dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    periods = pd.PeriodIndex(dates, freq=freq)
    start_period = periods.min()
    frame = pd.DataFrame({"customer": transactions[customer_id_col].to_numpy(), "period": periods})
    frame = frame[frame["period"] <= start_period + t].drop_duplicates()
    first = frame.groupby("customer")["period"].transform("min")
    repeats = frame[frame["period"] != first]
    entrants = frame[frame["period"] == first].groupby("period").size()
    date_periods = pd.period_range(start_period, periods=t + 1, freq=freq)
    predicted = []
    for i, period in enumerate(date_periods):
        if i % freq_multiplier == 0 and i > 0:
            before = entrants[entrants.index < period]
            ages = np.array([(period - p).n for p in before.index], dtype=float) / freq_multiplier
            predicted.append(float(np.sum(np.asarray(model.expected_number_of_purchases_up_to_time(ages)) * before.to_numpy())))
    actual_per_period = repeats.groupby("period").size().reindex(date_periods, fill_value=0).to_numpy()
    actual = [int(actual_per_period[: j * freq_multiplier].sum()) for j in range(1, t // freq_multiplier + 1)]
    index = date_periods[freq_multiplier - 1 : -1 : freq_multiplier] if set_index_date else range(0, t // freq_multiplier)
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)
