"""The customer file of one period: every per-customer figure the report shows.

One row per customer with the profit waterfall over the window, the profitability
flags, loyalty, lifetime value and the management tier. Built from the
connection's ``customer_month`` table, so the same code gives the report period
and the period before it (for tier migration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from custlab import aggregate, customer_value, flags, frames, loyalty, profit, retention, risk, tiers
from custlab.periods import add_months
from custlab.config import Config
from custlab.periods import Period


@dataclass
class CustomerFile:
    """A period's customer file and what was learnt building it.

    Attributes
    ----------
    customers : DataFrame
        One row per customer seen up to the period.
    window_start : date
        First day of the profit window.
    previous_start : date
        First day of the window before it (retention compares the two).
    retention_counts : tuple or None
        Buyers of the previous window, and how many bought again; None for an
        earlier period's file (they only scale the report period's scenarios).
    value_model : dict
        Lifetime-value model facts (see :func:`custlab.customer_value.lifetime_value`).
    notes : list
        Sentences for the report.
    has_surveys : bool
        Whether satisfaction figures exist (always False for an earlier
        period's file, which does not read them).
    """

    customers: pd.DataFrame
    window_start: date
    previous_start: date
    retention_counts: tuple[int, int] | None
    value_model: dict
    notes: list[str]
    has_surveys: bool

    @property
    def retention_rate(self) -> float:
        """Share of the previous window's buyers who bought in this window (NaN when not counted)."""
        return retention.retention_rate(*self.retention_counts) if self.retention_counts else float("nan")


def build(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    period: Period,
    first_month: date,
    profit_inputs: profit.ProfitInputs,
    history: bool = False,
) -> CustomerFile:
    """Compute the customer file of ``period`` (``customer_month`` must reach its last month).

    With ``history`` (an earlier period, read for tier history and migration
    only) the customers' descriptive columns, the survey scores, the retention
    counts and scenarios, the purchase model's per-customer predictions and the
    risk columns are left out: tiers do not depend on them.
    """
    settings = config.settings
    last_month = date(period.end.year, period.end.month, 1)
    window_start = max(period.window_start(settings.window_months), first_month)
    customers = aggregate.customer_window(con, window_start, last_month, config.tiers.trend_months, attributes=not history)
    rfm = aggregate.customer_rfm(con, period.end)
    previous_start = period.window_start(2 * settings.window_months)
    counts = None if history else aggregate.retention_counts(con, max(previous_start, first_month), window_start, last_month)
    scores = None if history else aggregate.survey_scores(con, period.end)
    has_surveys = scores is not None
    # Each per-customer table is dropped once its columns are in the file: at ten
    # million customers each is about half a GB (an id and four to seven numbers per
    # customer), and they would otherwise all be held through the risk columns,
    # where the file is largest.

    customers = profit.customer_profit(customers, profit_inputs)
    lean = flags.lean_big(customers, config.rules)
    customers = customers.join(lean[["revenue_rank", "big", "lean_big", "margin_eaten_by", "lean_big_reason"]])
    del lean
    customers["bulk_one_off"] = flags.bulk_one_off(customers, config.rules)
    if has_surveys:
        frames.add_columns(customers, scores.drop(columns="surveys"))
    del scores
    customers = customers.join(
        loyalty.loyalty_flags(customers, period.end, settings.lapse_months, settings.satisfied_threshold)
    )
    retention_rate = retention.retention_rate(*counts) if counts else None
    values, value_model, notes = customer_value.lifetime_value(rfm, customers, settings, retention_rate, predictions=not history)
    del rfm
    frames.add_columns(customers, values)
    del values
    customers = customers.join(tiers.assign_tiers(customers, config.tiers, period.end, settings.clv_horizon_months))
    if not history:
        customers = add_risk(con, config, customers, window_start, last_month, period.end)
    return CustomerFile(customers, window_start, previous_start, counts, value_model, notes, has_surveys)


def add_risk(
    con: duckdb.DuckDBPyConnection, config: Config, customers: pd.DataFrame, window_start: date, last_month: date, period_end: date
) -> pd.DataFrame:
    """Receivables ageing, DSO, dependence, big debtors, margin trends and territory, per customer."""
    rules = config.rules
    ageing = aggregate.receivables_ageing(con, window_start, period_end)
    frames.add_columns(customers, ageing)
    for column in ageing.columns.drop("customer_id"):
        customers[column] = customers[column].fillna(0.0)
    del ageing  # the per-customer tables go as soon as their columns are in the file
    window_days = (period_end - window_start).days + 1
    customers["dso_days"] = risk.dso_days(customers["open_receivables"], customers["credit_sales"], window_days)
    total_revenue = customers["revenue"].clip(lower=0).sum()
    customers["revenue_share"] = customers["revenue"] / total_revenue if total_revenue > 0 else 0.0
    customers["dependence_risk"] = risk.dependence_risk(customers, rules)
    customers["big_debtor"] = risk.big_debtor(customers, rules)
    prior_last = add_months(window_start, -1)
    prior_start = add_months(window_start, -config.settings.window_months)
    prior = aggregate.customer_window(
        con, prior_start, prior_last, config.tiers.trend_months,
        columns=["revenue", "cogs", "discount", "channel_fee", "cost_to_serve"],
    )  # fmt: skip
    customers = customers.join(risk.margin_trends(customers, prior, rules))
    del prior
    customers = customers.join(risk.territory_flags(customers, aggregate.territory_sales(con, window_start, period_end), rules))
    customers["risk_reasons"] = risk.risk_reasons(customers)
    return customers
