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

from custlab.aggregate import facts
from custlab.engine import session
from custlab.analysis import customer_value, decisions, flags, loyalty, profit, retention, risk, tiers
from custlab import frames
from custlab.periods import add_months
from custlab.sources.config import Config, Rules
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
        Lifetime-value model facts (see :func:`custlab.analysis.customer_value.lifetime_value`).
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


@dataclass
class StagedReads:
    """A period's reads held in tables of the database (see :func:`stage_reads`).

    Attributes
    ----------
    window : str
        Table of the customer window (:func:`custlab.aggregate.facts.customer_window`).
    rfm : str
        Table of frequency, recency, T and monetary value (``sql/customer_rfm.sql``).
    scores : str or None
        Table of the latest satisfaction score per customer (None for an earlier
        period or without surveys).
    retention_counts : tuple or None
        Buyers of the previous window and how many bought again (None for an
        earlier period): two numbers, read at once.
    """

    window: str
    rfm: str
    scores: str | None
    retention_counts: tuple[int, int] | None


#: The customer window's columns an earlier period's file reads: for its tiers, and for
#: migration and movers, which compare with the period just before (see
#: ``pipeline.HISTORY_COLUMNS``). Receivables at the window's end, service events,
#: active months and lifetime revenue are not computed for it: five of the window's
#: twenty-four sums, which DuckDB then skips.
HISTORY_WINDOW_COLUMNS = [
    "revenue", "cogs", "discount", "channel_fee", "orders", "cost_to_serve", "carrying_cost", "expected_credit_loss",
    "overdue_receivables", "first_purchase_month", "last_purchase_month", "months_with_purchases", "lifetime_orders",
    "lifetime_gross_sales", "revenue_recent", "revenue_prior", "orders_recent", "orders_prior", "in_window",
]  # fmt: skip


def profit_window_start(config: Config, period: Period, first_month: date) -> date:
    """First day of the profit window of ``period``: ``window_months`` back, not before the data."""
    return max(period.window_start(config.settings.window_months), first_month)


def stage_reads(
    con: duckdb.DuckDBPyConnection, config: Config, period: Period, first_month: date, history: bool = False
) -> StagedReads:
    """Run the SQL of the customer file of ``period`` into tables of the database: no frame.

    It reads only tables of the database
    (``customer_month``, ``purchase_days``, ``customers``, ``surveys``), none of
    a connection's temporary views, so it can run on a
    :class:`custlab.engine.session.BackgroundReader` while pandas computes the period before
    on one core. The results wait in the database, where DuckDB holds them under
    its memory cap, until :func:`fetch_reads` converts them. ``history`` as for
    :func:`build`.
    """
    settings = config.settings
    last_month = date(period.end.year, period.end.month, 1)
    window_start = profit_window_start(config, period, first_month)
    prefix = "staged_" + period.label.replace("-", "_")
    window = facts.customer_window(
        con, window_start, last_month, config.tiers.trend_months, columns=HISTORY_WINDOW_COLUMNS if history else None,
        attributes=not history, into=f"{prefix}_window",
    )
    rfm = facts.customer_rfm(con, period.end, into=f"{prefix}_rfm")
    counts = scores = None
    if not history:
        previous_start = period.window_start(2 * settings.window_months)
        counts = facts.retention_counts(con, max(previous_start, first_month), window_start, last_month)
        scores = facts.survey_scores(con, period.end, into=f"{prefix}_scores")
    return StagedReads(window, rfm, scores, counts)


@dataclass
class PeriodReads:
    """What a period's customer file reads from the database, as frames (see :func:`fetch_reads`).

    Attributes
    ----------
    customers : DataFrame
        The customer window (:func:`custlab.aggregate.facts.customer_window`).
    rfm : DataFrame
        Frequency, recency, T and monetary value (:func:`custlab.aggregate.facts.customer_rfm`).
    scores : DataFrame or None
        Latest satisfaction score per customer (None for an earlier period or without surveys).
    retention_counts : tuple or None
        Buyers of the previous window and how many bought again (None for an earlier period).
    """

    customers: pd.DataFrame | None
    rfm: pd.DataFrame | None
    scores: pd.DataFrame | None
    retention_counts: tuple[int, int] | None

    def take(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, tuple[int, int] | None]:
        """The four reads, handed over: this object keeps none of them, so each frame is
        freed as soon as its taker lets it go."""
        if self.customers is None:
            raise RuntimeError("these reads were already taken")
        taken = (self.customers, self.rfm, self.scores, self.retention_counts)
        self.customers = self.rfm = self.scores = self.retention_counts = None
        return taken


def fetch_reads(con: duckdb.DuckDBPyConnection, staged: StagedReads) -> PeriodReads:
    """The staged reads of a period (:func:`stage_reads`) as frames; their tables are dropped."""
    return PeriodReads(
        customers=facts.fetch_customer_window(con, staged.window),
        rfm=session.fetch_table(con, staged.rfm),
        scores=session.fetch_table(con, staged.scores) if staged.scores else None,
        retention_counts=staged.retention_counts,
    )


def build(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    period: Period,
    first_month: date,
    profit_inputs: profit.ProfitInputs,
    history: bool = False,
    reads: PeriodReads | None = None,
    risk: bool = True,
    purchase_model: str = "bgnbd",
) -> CustomerFile:
    """Compute the customer file of ``period`` (``customer_month`` must reach its last month).

    With ``history`` (an earlier period, read for tier history and migration
    only) the customers' descriptive columns, the survey scores, the retention
    counts and scenarios, the purchase model's per-customer predictions and the
    risk columns are left out: tiers do not depend on them.

    ``reads`` are the period's reads made ahead (:func:`stage_reads` then
    :func:`fetch_reads`, with the same ``history``), which the file takes over;
    without them they are made here. ``risk=False`` leaves the report period's
    risk columns to the caller (:func:`add_risk`), whose SQL can then run ahead
    while this file is computed. ``purchase_model`` names the model of lifetime
    value (see :func:`custlab.analysis.customer_value.choose_model`).
    """
    settings = config.settings
    window_start = profit_window_start(config, period, first_month)
    previous_start = period.window_start(2 * settings.window_months)
    reads = reads or fetch_reads(con, stage_reads(con, config, period, first_month, history))
    customers, rfm, scores, counts = reads.take()
    del reads
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
    values, value_model, notes = customer_value.lifetime_value(
        rfm, customers, settings, retention_rate, predictions=not history, model=purchase_model
    )
    del rfm
    frames.add_columns(customers, values)
    del values
    customers = customers.join(tiers.assign_tiers(customers, config.tiers, period.end, settings.clv_horizon_months))
    if not history and risk:
        customers = add_churn_risk(add_risk(con, config, customers, window_start, period.end), config.rules)
    return CustomerFile(customers, window_start, previous_start, counts, value_model, notes, has_surveys)


@dataclass
class StagedRisk:
    """The reads of the risk columns held in tables of the database (see :func:`stage_risk_reads`).

    Attributes
    ----------
    ageing : str
        Receivables ageing and credit sales per customer.
    prior : str
        The customer window before the profit window (margin trends).
    territory : str or None
        Sales outside each customer's region (None without regions).
    """

    ageing: str
    prior: str
    territory: str | None


#: Sums of the window before the profit window that the margin trends compare.
PRIOR_COLUMNS = ["revenue", "cogs", "discount", "channel_fee", "cost_to_serve", "service_events", "orders", "gross_sales"]


def stage_risk_reads(con: duckdb.DuckDBPyConnection, config: Config, window_start: date, period_end: date) -> StagedRisk:
    """Run the SQL of :func:`add_risk` into tables of the database: no frame.

    Most of it is the prior window's eight passes over the customer months; a
    :class:`custlab.engine.session.BackgroundReader` runs it while the report period's file
    is computed (see :func:`custlab.analysis.pipeline.stage_report_reads`).
    """
    prior_last = add_months(window_start, -1)
    prior_start = add_months(window_start, -config.settings.window_months)
    return StagedRisk(
        ageing=facts.receivables_ageing(con, window_start, period_end, into="staged_ageing"),
        prior=facts.customer_window(
            con, prior_start, prior_last, config.tiers.trend_months, columns=PRIOR_COLUMNS, into="staged_prior_window"
        ),
        territory=facts.territory_sales(con, window_start, period_end, into="staged_territory"),
    )


def add_risk(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    customers: pd.DataFrame,
    window_start: date,
    period_end: date,
    staged: StagedRisk | None = None,
) -> pd.DataFrame:
    """Receivables ageing, DSO, dependence, big debtors, margin trends and territory, per customer
    (then :func:`add_churn_risk`).

    ``staged`` are the reads made ahead (:func:`stage_risk_reads`); without
    them they are made here. Either way their tables are fetched one at a time
    and dropped.
    """
    rules = config.rules
    staged = staged or stage_risk_reads(con, config, window_start, period_end)
    ageing = session.fetch_table(con, staged.ageing)
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
    prior = facts.fetch_customer_window(con, staged.prior, PRIOR_COLUMNS)
    customers = customers.join(risk.margin_trends(customers, prior, rules, window_start, config.settings.window_months))
    del prior
    territory = session.fetch_table(con, staged.territory) if staged.territory else None
    customers = customers.join(risk.territory_flags(customers, territory, rules))
    del territory
    return customers


def add_churn_risk(customers: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Churn risk, which needs the tiers (and ``previous_tier`` where migration has set it),
    then every risk flag in words (``risk_reasons``), and the money at risk and next step they call
    for (:func:`custlab.analysis.decisions.next_steps`): the last of the risk columns."""
    customers = customers.join(risk.churn_risk(customers, rules))
    customers["risk_reasons"] = risk.risk_reasons(customers)
    return customers.join(decisions.next_steps(customers, rules))
