"""One period's analysis, from config to :class:`custlab.result.PeriodResult`.

:func:`analyse` reads as the flow it runs: validate the sources, aggregate them
into customer x month facts, build the customer file of each period (earlier
periods for tier history and migration, then the report period), add what only
the report period needs (risk, cohorts, the purchase model's holdout check,
account sheets), then migration, clusters and the summary. Each step is a
function of its own below.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from custlab import frames
from custlab.aggregate import facts
from custlab.analysis import account_sheets, clusters, customer_file, customer_value, decisions, migration, profit, risk
from custlab.analysis.inputs import NEEDS, DataInputs, blank_unmet_columns
from custlab.analysis.summary import PeriodFigures, period_summary
from custlab.engine import session
from custlab.exceptions import InputError
from custlab.periods import Period, parse_period
from custlab.result import PeriodResult
from custlab.sources import validation
from custlab.sources.config import Config, load_config
from custlab.sources.contract import CUSTOMER_KINDS

#: Weeks before the period end at which the purchase model is refitted to be checked out of sample.
HOLDOUT_WEEKS = 26

#: Columns of the published customers table, in order, when present.
CUSTOMER_COLUMNS = [
    "customer_id", "kind", "name", "region",
    "revenue", "cogs", "discount", "channel_fee", "pocket_margin",
    "cost_to_serve", "contribution_before_credit", "carrying_cost", "expected_credit_loss",
    "profit", "profit_margin",
    "orders", "active_months", "service_events",
    "open_receivables", "overdue_receivables", "overdue_90_receivables",
    "first_purchase_month", "last_purchase_month", "months_with_purchases",
    "lifetime_orders", "lifetime_revenue", "lifetime_gross_sales",
    "revenue_recent", "revenue_prior", "orders_recent", "orders_prior",
    "in_window", "cogs_assumed",
    "revenue_rank", "lean_big", "margin_eaten_by", "lean_big_reason", "bulk_one_off",
    "last_satisfaction", "last_survey_date", "months_since_purchase", "left", "satisfied", "satisfied_defector",
    "p_alive", "expected_purchases_12m", "expected_spend", "clv_margin", "clv",
    "value", "history_months", "lapsed", "rising", "tier", "tier_reason", "previous_tier",
    "cluster", "cluster_name",
    "ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_over_90", "credit_sales", "dso_days",
    "revenue_share", "dependence_risk", "big_debtor", "cost_to_serve_growth", "revenue_growth", "margin_change",
    "discount_fee_change", "cost_to_serve_rising", "price_pressure", "margin_reason",
    "outside_territory_share", "territory_breach", "months_per_order", "churn_risk", "value_at_risk",
    "risk_reasons", "money_at_risk", "next_step", "account_sheet",
]  # fmt: skip

#: Columns kept of the previous period's customer file (migration and the movers' reasons).
HISTORY_COLUMNS = [
    "customer_id", "tier", "tier_reason", "value", "profit", "revenue", "orders", "overdue_receivables", "in_window",
]


class _Stages:
    """Reports each finished stage of :func:`analyse` with its seconds."""

    def __init__(self, progress: Callable[[str], None] | None):
        self.progress = progress
        self.began = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(f"custlab:   {what} ({now - self.began:.1f}s)")
        self.began = now


def analyse(
    config: Config | str | Path,
    period: str,
    as_of: date | None = None,
    kind: str = "",
    progress: Callable[[str], None] | None = None,
) -> PeriodResult:
    """Validate the sources, aggregate them and compute per-customer profit for one period.

    Parameters
    ----------
    config : Config or path
        The company's config (or the path of its TOML file).
    period : str
        ``YYYY-MM`` or ``YYYY-Qn``; profit is measured over the trailing
        ``settings.window_months`` ending with this period.
    as_of : date, optional
        Rows dated after this day are quarantined; defaults to today.
    kind : str
        ``consumer`` or ``business`` scopes the whole analysis to that kind of
        customer (needs a customers table with ``kind``); empty for everybody.
    progress : callable, optional
        Called with one line per finished stage (what it did, its seconds),
        so a long run on millions of customers shows where it is.

    Raises
    ------
    InputError
        Unusable config or file, or a period outside the data.
    """
    config = config if isinstance(config, Config) else load_config(config)
    report_period = parse_period(period)
    stage = _Stages(progress)
    with session.scratch_connection() as con:
        checked = validate_sources(con, config, kind, as_of, stage)
        data_inputs = DataInputs({t: frozenset(checked.columns_present(con, t)) for t in checked.tables},
                                 purchase_log=config.sources["transactions"].purchase_log)  # fmt: skip
        inputs = facts.prepare_inputs(con, kind or None)
        first_month = aggregate_facts(con, config, report_period, stage)
        profit_inputs = profit.ProfitInputs(default_gross_margin=config.settings.default_gross_margin, **inputs)
        choice = purchase_model_choice(con, config, report_period, stage)
        files = customer_files(con, config, report_period, first_month, profit_inputs, "customers" in checked.tables, choice.name, stage)
        movers, migration_counts = add_migration(con, files.current.customers, files.earlier)
        files.current.customers = customer_file.add_churn_risk(files.current.customers, config.rules)
        extras = report_period_extras(con, config, report_period, files, data_inputs.met()["revenue"])
        stage.done("cohorts and account months")
    current = files.current
    customers = current.customers
    tier_table = migration.tier_summary(customers, config.tiers.policies)
    notes = ([NEEDS["revenue"].missing] if data_inputs.purchase_log else profit_inputs.notes()) + current.notes
    cluster_profile, cluster_diagnostics, clusters_k, cluster_stability = add_clusters(customers, notes)
    stage.done("migration, tier history and clusters")
    customers = frames.select_columns(customers, CUSTOMER_COLUMNS)
    notes += period_notes(report_period, checked, files, choice, first_month, data_inputs.purchase_log)
    concentration = risk.concentration(customers, config.rules)
    window_discount = (1 + config.settings.discount_rate) ** (config.settings.window_months / 12) - 1
    scenarios = clv_scenarios(current.retention_rate, window_discount, profit.active_customers(customers, ["profit"]))
    figures = PeriodFigures(
        customers=customers, window_start=current.window_start, retention_counts=current.retention_counts,
        retention_rate=current.retention_rate, value_model=current.value_model, holdout=holdout_summary(choice),
        purchase_model=choice.summary,
        has_surveys=current.has_surveys, terms=cost_terms(data_inputs), tier_table=tier_table,
        migration=migration_counts, previous_period=files.earlier[0][0].label if files.earlier else None,
        clusters_k=clusters_k, cluster_stability=cluster_stability, scenarios=scenarios, concentration=concentration,
        rows_quarantined=int(checked.quality["quarantined"].sum()), notes=notes, inputs=data_inputs,
        previous_headline=files.previous_headline, year_headline=files.year_headline,
    )  # fmt: skip
    summary = period_summary(config, report_period, kind, figures)
    waterfall = profit.profit_waterfall(customers, summary["terms"])
    customers = blank_unmet_columns(customers, summary["inputs_met"])
    return PeriodResult(
        summary=summary, customers=customers.reset_index(drop=True), waterfall=waterfall,
        quality=checked.quality, quarantine=extras.quarantine, cohorts=extras.cohorts, scenarios=scenarios,
        holdout=choice.holdout, model_comparison=choice.comparison,
        tier_history=tier_history(tier_table, report_period, files.earlier_tiers),
        movers=movers, cluster_profile=cluster_profile, cluster_diagnostics=cluster_diagnostics,
        concentration_history=pd.DataFrame([{"period": report_period.label, **concentration}, *files.earlier_concentration]),
        account_months=extras.account_months, account_tiers=account_tiers(customers, report_period, extras.earlier_accounts),
        notes=notes,
    )  # fmt: skip


def validate_sources(con: duckdb.DuckDBPyConnection, config: Config, kind: str, as_of: date | None, stage: _Stages):
    """Validate every source into clean tables (see :func:`custlab.sources.validation.validate`);
    check that a report scoped to one ``kind`` of customer can be."""
    checked = validation.validate(con, config, as_of=as_of)
    read = checked.quality.set_index("table")["rows_read"]
    stage.done("validated " + ", ".join(f"{n:,} {t}" for t, n in read.items()))
    if kind:
        if kind not in CUSTOMER_KINDS:
            raise InputError(f"kind must be one of {', '.join(CUSTOMER_KINDS)}, got {kind!r}")
        if "kind" not in checked.columns_present(con, "customers"):
            raise InputError("a report scoped to one kind needs a customers table with a kind column", file=str(config.path))
    return checked


def aggregate_facts(con: duckdb.DuckDBPyConnection, config: Config, report_period: Period, stage: _Stages) -> date:
    """Build the customer x month facts and the purchase days up to the report period; return the first month.

    Raises
    ------
    InputError
        When no transaction was accepted, or the period lies outside the data.
    """
    first_month, last_data_month = facts.data_months(con)
    if first_month is None:
        raise InputError("no usable transactions (every row was quarantined)", file=str(config.sources["transactions"].path))
    last_month = date(report_period.end.year, report_period.end.month, 1)
    if last_month < first_month or report_period.start > last_data_month:
        raise InputError(
            f"period {report_period.label} is outside the data, whose transactions run "
            f"{first_month:%Y-%m} to {last_data_month:%Y-%m}",
            file=str(config.sources["transactions"].path),
        )
    if last_month > last_data_month:  # a quarter whose last months the data do not reach yet
        raise InputError(
            f"period {report_period.label} runs past the data, whose transactions end in {last_data_month:%Y-%m}: "
            "report a period that ends by then",
            file=str(config.sources["transactions"].path),
        )
    facts.build_customer_month(con, first_month, last_month, config.settings)
    facts.build_purchase_days(con)
    stage.done(f"aggregated customer months {first_month:%Y-%m}..{last_month:%Y-%m}")
    return first_month


@dataclass
class CustomerFiles:
    """The customer files of the report period and of the periods before it.

    Attributes
    ----------
    current : CustomerFile
        The report period's file, with its risk columns.
    earlier : list
        (period, table) of the earlier periods, newest first: the period just
        before with :data:`HISTORY_COLUMNS` (migration, movers), older ones with
        ``customer_id`` and ``tier`` (the account sheets' tier line), held in
        tables of the database (see :func:`keep_history`).
    earlier_tiers, earlier_concentration : list
        Each earlier period's tier summary and concentration figures.
    staged : StagedReport
        The report period's other reads, staged in the database.
    """

    current: customer_file.CustomerFile
    earlier: list[tuple[Period, str]] = field(default_factory=list)
    earlier_tiers: list[pd.DataFrame] = field(default_factory=list)
    earlier_concentration: list[dict] = field(default_factory=list)
    previous_headline: dict | None = None
    year_headline: tuple[str, dict] | None = None
    staged: StagedReport | None = None


def history_plan(config: Config, report_period: Period, first_month: date) -> list[tuple[Period, str]]:
    """(period, role) for every customer file to build: the period a year before when the data
    reach it and the tier history does not ("year", only its headline figures are kept), the
    earlier periods of the tier history that the data reach, newest first ("history"), then the
    report period ("report")."""
    plan, period_back = [], report_period
    for _ in range(config.tiers.history_periods - 1):
        period_back = period_back.previous()
        if period_back.end < first_month:
            break
        plan.append((period_back, "history"))
    year = report_period.year_before()
    in_history = any(period == year for period, _ in plan)
    if not in_history and year.window_start(config.settings.window_months) >= first_month:
        plan.insert(0, (year, "year"))
    return [*plan, (report_period, "report")]


def customer_files(
    con: duckdb.DuckDBPyConnection, config: Config, report_period: Period, first_month: date,
    profit_inputs: profit.ProfitInputs, has_customers: bool, purchase_model: str, stage: _Stages,
) -> CustomerFiles:  # fmt: skip
    """Build every period's customer file, each reduced at once to what the history needs.

    Each period's SQL runs ahead on a second connection (results held in the
    database) while pandas computes the period before on this one: one core
    each. A period's frames are fetched here, with the reader idle, before the
    next period's SQL starts, so no earlier customer file is held beside the
    report period's; what the history keeps of each goes into the database
    then too.
    """
    plan = history_plan(config, report_period, first_month)
    built_files = CustomerFiles(current=None)
    kept = None  # (period, columns) an earlier file keeps, stored once the reader is idle
    with session.BackgroundReader(con) as reader:
        reader.start(customer_file.stage_reads, config, plan[0][0], first_month, plan[0][1] != "report")
        for step, (period_now, role) in enumerate(plan):
            staged = reader.take()
            if kept is not None:
                built_files.earlier.append((kept[0], session.store_frame(con, history_table(kept[0]), kept[1])))
                kept = None
            reads = customer_file.fetch_reads(con, staged)
            if step + 1 < len(plan):
                reader.start(customer_file.stage_reads, config, plan[step + 1][0], first_month, plan[step + 1][1] != "report")
            if role != "report":  # the file itself is not kept: only what keep_history takes of it
                built = customer_file.build(con, config, period_now, first_month, profit_inputs, history=True, reads=reads,
                                            purchase_model=purchase_model).customers  # fmt: skip
                if period_now == report_period.year_before():
                    built_files.year_headline = (period_now.label, decisions.headline(built))
                if role == "history":
                    kept = (period_now, keep_history(built_files, period_now, config, built))
                del built
                stage.done(f"customer file {period_now.label} ({'a year before' if role == 'year' else 'tier history'})")
                continue
            # The report period's other SQL (its risk columns, the cohorts, the holdout sample)
            # runs ahead too, while its file is computed.
            reader.start(stage_report_reads, config, report_period, first_month, has_customers)
            current = customer_file.build(con, config, report_period, first_month, profit_inputs, reads=reads, risk=False,
                                          purchase_model=purchase_model)  # fmt: skip
            del reads
            built_files.staged = reader.take()
    current.customers = customer_file.add_risk(
        con, config, current.customers, current.window_start, report_period.end, built_files.staged.risk
    )
    built_files.current = current
    stage.done(f"customer file {report_period.label}: {len(current.customers):,} customers")
    return built_files


def keep_history(files: CustomerFiles, period: Period, config: Config, built: pd.DataFrame) -> pd.DataFrame:
    """Note of an earlier period's customer file its tier summary and concentration; return
    the columns migration and the account sheets' tier line need of it.

    The period just before feeds migration and movers; older ones only the tier
    line. The caller stores them in the database (:func:`history_table`) before
    the next file is read: held by pandas they would sit beside the report
    period's file (1.7 GB at ten million customers), which needs the period
    before's only once built and the older ones only for the few customers with
    an account sheet. Until then they are views of ``built``.
    """
    if not files.earlier:  # the period just before: the report's "what changed" compares with it
        files.previous_headline = decisions.headline(built)
    files.earlier_tiers.append(migration.tier_summary(built).assign(period=period.label).reset_index())
    files.earlier_concentration.append({"period": period.label, **risk.concentration(built, config.rules)})
    keep = HISTORY_COLUMNS if not files.earlier else ["customer_id", "tier"]
    return frames.select_columns(built, keep)


def history_table(period: Period) -> str:
    """The database table holding what an earlier period's customer file keeps."""
    return "history_" + period.label.replace("-", "_")


@dataclass
class ReportExtras:
    """What only the report period needs besides its customer file (see :func:`report_period_extras`)."""

    quarantine: pd.DataFrame
    cohorts: pd.DataFrame
    account_months: pd.DataFrame
    earlier_accounts: list[pd.DataFrame]


def report_period_extras(
    con: duckdb.DuckDBPyConnection, config: Config, report_period: Period, files: CustomerFiles, in_money: bool = True
) -> ReportExtras:
    """The quarantine, the cohorts, and the account sheets' months and earlier tiers.

    Account sheets go to at most ``max_account_pages`` key and important
    customers: only their months and their rows of the earlier files are read,
    so the cost does not grow with the customer base.
    """
    customers, staged = files.current.customers, files.staged
    pages = config.settings.max_account_pages if in_money else 0  # an account sheet is figures in money
    customers["account_sheet"] = account_sheets.select_account_sheets(customers, pages)
    account_ids = customers.loc[customers["account_sheet"], "customer_id"]
    with session.beside_pandas(con):  # the account months' query scans every customer's months
        return ReportExtras(validation.quarantine_frame(con), session.fetch_table(con, staged.cohorts),
                            facts.customer_months(con, account_ids), earlier_account_rows(con, account_ids, files.earlier))  # fmt: skip


def purchase_model_choice(con: duckdb.DuckDBPyConnection, config: Config, report_period: Period, stage: _Stages):
    """The purchase model for lifetime value, chosen on the last :data:`HOLDOUT_WEEKS` weeks before the
    period end (see :func:`custlab.analysis.customer_value.choose_model`), before any customer file uses it."""
    calibration_end = report_period.end - timedelta(weeks=HOLDOUT_WEEKS)
    choice = customer_value.choose_model(
        facts.customer_rfm(con, calibration_end), facts.holdout_purchases(con, calibration_end, report_period.end),
        HOLDOUT_WEEKS, config.settings.purchase_model, calibration_end,
    )  # fmt: skip
    sample = choice.summary.get("fitted_customers")
    fitted = f", fitted on a sample of {sample:,} customers" if sample else ""
    stage.done(f"purchase model: {choice.summary['model']} ({len(choice.comparison)} compared on the holdout{fitted})")
    return choice


def holdout_summary(choice) -> dict:
    """The chosen model's out-of-sample check for summary.json (empty when there was none)."""
    if choice.holdout.empty:
        return {}
    row = choice.comparison.set_index("name").loc[choice.name]
    return {"weeks": HOLDOUT_WEEKS, "calibration_end": choice.summary.get("calibration_end"), "model": choice.name,
            "actual_total": float(row["actual_total"]), "predicted_total": float(row["predicted_total"]),
            "mae": float(row["mae"])}  # fmt: skip


def add_migration(
    con: duckdb.DuckDBPyConnection, customers: pd.DataFrame, earlier: list[tuple[Period, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``previous_tier`` to the customer file; return the movers and the transition matrix.

    The states have the customer file's rows in its order: a column, not a
    merge (a merge would copy the whole file, several GB at 10 million customers).
    The period before's kept columns are read back from the database for this.
    """
    if not earlier:
        customers["previous_tier"] = pd.NA
        return pd.DataFrame(), pd.DataFrame()
    previous = session.fetch_frame(con, f"SELECT * FROM {earlier[0][1]}")
    states = migration.migration_states(previous, customers)
    customers["previous_tier"] = states["previous_tier"].set_axis(customers.index)
    return migration.movers(previous, customers, states), migration.transition_matrix(states)


def add_clusters(customers: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, int | None, float | None]:
    """Add ``cluster`` and ``cluster_name``; return the profile, the diagnostics, k and its stability.

    When the data cannot be clustered the reason goes to ``notes``.
    """
    try:
        cluster, profile, segmenter = clusters.segment(customers, random_state=0)
    except ValueError as exc:
        notes.append(f"Clusters not computed ({exc}).")
        return pd.DataFrame(), pd.DataFrame(), None, None
    customers["cluster"] = cluster
    customers["cluster_name"] = cluster.map(profile["name"]).fillna("not active in the window")
    return profile.reset_index(), segmenter.diagnostics_.reset_index(), segmenter.k_, segmenter.stability_


def period_notes(
    report_period: Period, checked: validation.ValidationResult, files: CustomerFiles, choice, first_month: date,
    purchase_log: bool = False,
) -> list[str]:
    """The report's sentences on data left out, derived columns, absent inputs and skipped checks."""
    notes, current, staged = [], files.current, files.staged
    if staged.after_period:
        notes.append(f"{staged.after_period:,} accepted transactions dated after {report_period.end} are not used in this report.")
    if staged.unknown_customers:
        notes.append(f"{staged.unknown_customers:,} customers in transactions have no row in the customers table (kind and region unknown).")
    for table, derived in checked.derived.items():
        for column, expression in derived.items():
            if not (purchase_log and table == "transactions" and column == "revenue"):  # the log's unit, not data
                notes.append(f"{table}.{column} is derived: {column} = {expression}.")
    if not current.has_surveys:
        notes.append("No survey data: satisfaction versus loyalty is not computed.")
    if current.previous_start < first_month:
        notes.append(
            f"The retention rate compares with a previous window shortened to {first_month:%Y-%m}.."
            f"{current.window_start - timedelta(days=1):%Y-%m}: "
            "the data starts later than a full window before."
        )
    if choice.note:
        notes.append(choice.note)
    return notes


def cost_terms(data_inputs: DataInputs) -> dict[str, str]:
    """Where each cost term came from: ``from data``, ``assumed`` or ``absent``."""
    has = data_inputs.has
    receivables = "from data" if "receivables" in data_inputs.columns else "absent"
    return {
        "cogs": "from data" if has("transactions", "cost") else "assumed",
        "discount": "from data" if has("transactions", "discount") else "absent",
        "channel_fee": "from data" if has("transactions", "channel_fee") else "absent",
        "cost_to_serve": "from data" if "service" in data_inputs.columns else "absent",
        "carrying_cost": receivables,
        "expected_credit_loss": receivables,
    }


def tier_history(tier_table: pd.DataFrame, report_period: Period, earlier_tiers: list[pd.DataFrame]) -> pd.DataFrame:
    """Tier sizes and profit of the report period and the earlier ones, long format."""
    now = tier_table.drop(columns="policy", errors="ignore").assign(period=report_period.label).reset_index()
    return pd.concat([now, *earlier_tiers], ignore_index=True)


#: Columns of each period's file an account sheet's tier line shows, where the file kept them.
ACCOUNT_TIER_COLUMNS = ["customer_id", "tier", "revenue", "profit", "overdue_receivables"]


def earlier_account_rows(
    con: duckdb.DuckDBPyConnection, account_ids: pd.Series, earlier: list[tuple[Period, str]]
) -> list[pd.DataFrame]:
    """The rows of the customers with an account sheet in each earlier period's kept columns
    (see :func:`keep_history`), newest period first, each in its file's order."""
    rows = []
    with session.customer_ids_table(con, "account_customers", account_ids) as wanted:
        for period, table in earlier:
            listed = ", ".join(c for c in ACCOUNT_TIER_COLUMNS if c in session.table_columns(con, table))
            rows.append(session.fetch_frame(
                con, f"SELECT {listed} FROM {table} WHERE customer_id IN (SELECT customer_id FROM {wanted}) ORDER BY rowid"
            ).assign(period=period.label))  # fmt: skip
    return rows


def account_tiers(customers: pd.DataFrame, report_period: Period, earlier_rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The tier of every customer with an account sheet in each period of the history, with its
    revenue, profit and overdue receivables where that period's file kept them (the report
    period and the one before: an account sheet compares the two). ``earlier_rows`` are
    the earlier periods' (:func:`earlier_account_rows`)."""
    account_ids = customers.loc[customers["account_sheet"], "customer_id"]
    now = customers.loc[frames.is_in(customers["customer_id"], account_ids), [c for c in ACCOUNT_TIER_COLUMNS if c in customers]]
    return pd.concat([now.assign(period=report_period.label), *earlier_rows], ignore_index=True)


@dataclass
class StagedReport:
    """The report period's SQL besides its customer file's own reads (see :func:`stage_report_reads`).

    Attributes
    ----------
    risk : StagedRisk
        The tables of the risk columns (:func:`custlab.analysis.customer_file.stage_risk_reads`).
    cohorts : str
        Table of the cohort counts.
    after_period : int
        Transaction lines dated after the period (kept out of it).
    unknown_customers : int
        Customers with transactions but no row in the customers table.
    """

    risk: customer_file.StagedRisk
    cohorts: str
    after_period: int
    unknown_customers: int


def stage_report_reads(
    con: duckdb.DuckDBPyConnection, config: Config, period: Period, first_month: date, has_customers: bool
) -> StagedReport:
    """Run the report period's remaining SQL into tables of the database: no frame.

    Reads views and tables of the database only, so a :class:`custlab.engine.session.BackgroundReader`
    runs it while the report period's customer file is computed.
    """
    window_start = customer_file.profit_window_start(config, period, first_month)
    unknown = 0
    if has_customers:
        unknown = con.execute(
            "SELECT count(DISTINCT customer_id) FROM tx_in WHERE customer_id NOT IN (SELECT customer_id FROM customers)"
        ).fetchall()[0][0]
    return StagedReport(
        risk=customer_file.stage_risk_reads(con, config, window_start, period.end),
        cohorts=facts.cohort_counts(con, into="staged_cohorts"),
        after_period=con.execute("SELECT count(*) FROM tx_in WHERE date > ?", [period.end]).fetchall()[0][0],
        unknown_customers=unknown,
    )


def clv_scenarios(retention_rate: float, discount_rate: float, active: pd.DataFrame) -> pd.DataFrame:
    """Retention + 1, 2 and 5 points with the CLV-multiple arithmetic, per window.

    The margin per period is the average profit of an active customer over the
    window; the period is the window (a year by default).
    """
    from custlab.clv import retention_scenarios

    if not (retention_rate == retention_rate) or active.empty:  # NaN retention: nothing to scale
        return pd.DataFrame()
    return retention_scenarios(retention_rate, discount_rate, float(active["profit"].mean()), float(len(active)))


