"""One period's analysis, from config to result tables, and its result folder.

:func:`analyse` runs validate -> aggregate -> profit for one report period and
returns a :class:`PeriodResult`. The CLI saves it with :func:`save_result`
before a report notebook runs, so bad input stops the run with a one-line error
before any notebook starts; the notebook then loads it with
:func:`report_data`. An analyst opening the notebook without a results folder
gets the same result computed live from the config.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from custlab.analysis import account_sheets
from custlab.aggregate import facts
from custlab.analysis import clusters, curves, customer_file, customer_value, flags, loyalty, migration, profit, risk
from custlab import frames, io
from custlab.engine import session
from custlab.sources import validation
from custlab.sources.config import Config, load_config
from custlab.sources.contract import CUSTOMER_KINDS
from custlab.exceptions import InputError
from custlab.periods import Period, parse_period

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
    "outside_territory_share", "territory_breach", "risk_reasons", "account_sheet",
]  # fmt: skip


@dataclass
class PeriodResult:
    """Everything one period's report shows.

    Attributes
    ----------
    summary : dict
        Headline KPIs and run facts (company, period, window, notes).
    customers : DataFrame
        One row per customer: profit waterfall terms and activity.
    waterfall : DataFrame
        Company totals per waterfall step (see :func:`custlab.analysis.profit.profit_waterfall`).
    quality : DataFrame
        Rows read / accepted / quarantined per table.
    quarantine : DataFrame
        Every quarantined row with file, row, column, value and reason.
    cohorts : DataFrame
        Buyers per acquisition cohort and month since acquisition (long format).
    scenarios : DataFrame
        Retention scenarios with their arithmetic (see :func:`custlab.clv.retention_scenarios`).
    holdout : DataFrame
        The purchase model checked out of sample (see :func:`custlab.analysis.customer_value.holdout_check`).
    tier_history : DataFrame
        Tier sizes and profit for the report period and the periods before it.
    movers : DataFrame
        Customers who moved most between tiers since the previous period, with reasons.
    cluster_profile, cluster_diagnostics : DataFrame
        The data-driven segments and how their number was chosen.
    concentration_history : DataFrame
        Top-N shares, HHI and effective customers per recent period.
    account_months, account_tiers : DataFrame
        Monthly facts and tier per period of the key and important customers,
        for their one-page account sheets.
    """

    summary: dict
    customers: pd.DataFrame
    waterfall: pd.DataFrame
    quality: pd.DataFrame
    quarantine: pd.DataFrame
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)
    holdout: pd.DataFrame = field(default_factory=pd.DataFrame)
    tier_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    cluster_profile: pd.DataFrame = field(default_factory=pd.DataFrame)
    cluster_diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    concentration_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    account_months: pd.DataFrame = field(default_factory=pd.DataFrame)
    account_tiers: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        """The report period."""
        return parse_period(self.summary["period"])


def _clean_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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


#: Columns kept of the previous period's customer file (migration and the movers' reasons).
HISTORY_COLUMNS = [
    "customer_id", "tier", "tier_reason", "value", "profit", "revenue", "orders", "overdue_receivables", "in_window",
]


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
    settings = config.settings
    stage = _Stages(progress)
    with session.scratch_connection() as con:
        checked = validation.validate(con, config, as_of=as_of)
        read = checked.quality.set_index("table")["rows_read"]
        stage.done("validated " + ", ".join(f"{n:,} {t}" for t, n in read.items()))
        if kind:
            if kind not in CUSTOMER_KINDS:
                raise InputError(f"kind must be one of {', '.join(CUSTOMER_KINDS)}, got {kind!r}")
            if "kind" not in checked.columns_present(con, "customers"):
                raise InputError("a report scoped to one kind needs a customers table with a kind column", file=str(config.path))
        inputs = facts.prepare_inputs(con, kind or None)
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
        facts.build_customer_month(con, first_month, last_month, settings)
        facts.build_purchase_days(con)
        stage.done(f"aggregated customer months {first_month:%Y-%m}..{last_month:%Y-%m}")
        profit_inputs = profit.ProfitInputs(default_gross_margin=settings.default_gross_margin, **inputs)
        # Earlier periods first, each reduced to what tier history, concentration,
        # migration and the account sheets' tier line need as soon as it is built,
        # so that no earlier customer file is held beside the report period's.
        earlier: list[tuple[Period, pd.DataFrame]] = []
        earlier_tiers, earlier_concentration = [], []
        plan = []  # (period, history): the earlier periods, newest first, then the report period
        period_back = report_period
        for _ in range(config.tiers.history_periods - 1):
            period_back = period_back.previous()
            if period_back.end < first_month:
                break
            plan.append((period_back, True))
        plan.append((report_period, False))
        # Each period's SQL runs ahead on a second connection (results held in the
        # database) while pandas computes the period before on this one: one core each.
        # A period's frames are fetched here, with the reader idle, before the next
        # period's SQL starts.
        with session.BackgroundReader(con) as reader:
            reader.start(customer_file.stage_reads, config, plan[0][0], first_month, plan[0][1])
            for step, (period_now, history) in enumerate(plan):
                reads = customer_file.fetch_reads(con, reader.take())
                if step + 1 < len(plan):
                    reader.start(customer_file.stage_reads, config, plan[step + 1][0], first_month, plan[step + 1][1])
                if not history:
                    break
                built = customer_file.build(con, config, period_now, first_month, profit_inputs, history=True, reads=reads).customers
                del reads
                earlier_tiers.append(migration.tier_summary(built).assign(period=period_now.label).reset_index())
                earlier_concentration.append({"period": period_now.label, **risk.concentration(built, config.rules)})
                # The period just before feeds migration and movers; older ones only the
                # account sheets' tier line. Copies: a column selection is a view that
                # would keep the whole file alive (about 2 GB at 10 million customers).
                keep = HISTORY_COLUMNS if not earlier else ["customer_id", "tier"]
                earlier.append((period_now, built[[c for c in keep if c in built]].copy()))
                del built
                stage.done(f"customer file {period_now.label} (tier history)")
            # The report period's other SQL (its risk columns, the cohorts, the holdout sample)
            # runs ahead too, while its file is computed.
            calibration_end = report_period.end - timedelta(weeks=HOLDOUT_WEEKS)
            reader.start(stage_report_reads, config, report_period, first_month, calibration_end, "customers" in checked.tables)
            current = customer_file.build(con, config, report_period, first_month, profit_inputs, reads=reads, risk=False)
            del reads
            staged = reader.take()
        current.customers = customer_file.add_risk(
            con, config, current.customers, current.window_start, report_period.end, staged.risk
        )
        stage.done(f"customer file {report_period.label}: {len(current.customers):,} customers")
        after_period, unknown = staged.after_period, staged.unknown_customers
        quarantine = validation.quarantine_frame(con)
        cohorts = session.fetch_table(con, staged.cohorts)
        # Account sheets for at most max_account_pages key and important customers:
        # only their months are read, so the cost does not grow with the customer base.
        current.customers["account_sheet"] = account_sheets.select_account_sheets(current.customers, settings.max_account_pages)
        account_ids = current.customers.loc[current.customers["account_sheet"], "customer_id"]
        account_months = facts.customer_months(con, account_ids)
        # checked at once: the two per-customer frames (0.75 GB at 10M customers) are not kept
        holdout, holdout_summary, holdout_note = check_purchase_model(
            session.fetch_table(con, staged.calibration_rfm), session.fetch_table(con, staged.holdout), calibration_end
        )
        stage.done("cohorts, account months and the holdout sample")

    customers = current.customers
    window_start, previous_start = current.window_start, current.previous_start
    previous_buyers, retained = current.retention_counts
    retention_rate = current.retention_rate
    value_model = current.value_model
    if earlier:
        previous = earlier[0][1]
        states = migration.migration_states(previous, customers)
        # states has the customer file's rows in its order: a column, not a merge
        # (a merge would copy the whole file, several GB at 10 million customers)
        customers["previous_tier"] = states["previous_tier"].set_axis(customers.index)
        migration_counts = migration.transition_matrix(states)
        movers = migration.movers(previous, current.customers, states)
    else:
        customers["previous_tier"] = pd.NA
        migration_counts, movers = pd.DataFrame(), pd.DataFrame()
    tier_table = migration.tier_summary(customers, config.tiers.policies)
    history = pd.concat(
        [tier_table.drop(columns="policy", errors="ignore").assign(period=report_period.label).reset_index(), *earlier_tiers],
        ignore_index=True,
    )
    notes = profit_inputs.notes() + current.notes
    cluster_profile, cluster_diagnostics = pd.DataFrame(), pd.DataFrame()
    clusters_k = cluster_stability = None
    try:
        cluster, cluster_profile, segmenter = clusters.segment(customers, random_state=0)
        customers["cluster"] = cluster
        customers["cluster_name"] = cluster.map(cluster_profile["name"]).fillna("not active in the window")
        cluster_diagnostics = segmenter.diagnostics_.reset_index()
        cluster_profile = cluster_profile.reset_index()
        clusters_k, cluster_stability = segmenter.k_, segmenter.stability_
    except ValueError as exc:
        notes.append(f"Clusters not computed ({exc}).")
    stage.done("migration, tier history and clusters")
    customers = customers[[c for c in CUSTOMER_COLUMNS if c in customers]]
    if after_period:
        notes.append(f"{after_period:,} accepted transactions dated after {report_period.end} are not used in this report.")
    if unknown:
        notes.append(f"{unknown:,} customers in transactions have no row in the customers table (kind and region unknown).")
    for table, derived in checked.derived.items():
        for column, expression in derived.items():
            notes.append(f"{table}.{column} is derived: {column} = {expression}.")
    kpis = profit.profit_kpis(customers)
    kpis.update(curves.profitability_kpis(customers, config.rules.top_share))
    kpis["lean_big_count"] = int(customers["lean_big"].sum())
    kpis["bulk_one_off_count"] = int(customers["bulk_one_off"].sum())
    active = profit.active_customers(customers, ["profit"])
    window_discount = (1 + settings.discount_rate) ** (settings.window_months / 12) - 1
    scenarios = clv_scenarios(retention_rate, window_discount, active)
    loyalty_figures = loyalty.satisfaction_vs_loyalty(customers, settings.satisfied_threshold) if current.has_surveys else {}
    if not current.has_surveys:
        notes.append("No survey data: satisfaction versus loyalty is not computed.")
    if previous_start < first_month:
        notes.append(
            f"The retention rate compares with a previous window shortened to {first_month:%Y-%m}..{window_start:%Y-%m}: "
            "the data starts later than a full window before."
        )
    if holdout_note:
        notes.append(holdout_note)
    kpis.update(
        retention_rate=retention_rate,
        retention_previous_customers=previous_buyers,
        retention_retained_customers=retained,
        customer_equity=value_model.get("customer_equity"),
        satisfied_defector_share=loyalty_figures.get("satisfied_defector_share"),
        satisfied_defector_count=int(customers["satisfied_defector"].sum()),
        rising_count=int(customers["rising"].sum()),
    )
    concentration = risk.concentration(customers, config.rules)
    kpis.update(concentration)
    active = profit.active_customers(customers, ["open_receivables", "credit_sales"])
    window_days = (report_period.end - window_start).days + 1
    kpis.update(
        dso_days=risk.dso_days(active["open_receivables"].sum(), active["credit_sales"].sum(), window_days),
        expected_credit_loss=float(customers["expected_credit_loss"].sum()),
        overdue_receivables=float(customers["overdue_receivables"].sum()),
        big_debtor_count=int(customers["big_debtor"].sum()),
        price_pressure_count=int(customers["price_pressure"].sum()),
        cost_to_serve_rising_count=int(customers["cost_to_serve_rising"].sum()),
        territory_breach_count=int(customers["territory_breach"].sum()),
    )
    account_tiers = pd.concat(
        [f.loc[frames.is_in(f["customer_id"], account_ids), ["customer_id", "tier"]].assign(period=p.label)
         for p, f in [(report_period, customers), *earlier]],
        ignore_index=True,
    )
    concentration_history = pd.DataFrame(
        [{"period": report_period.label, **concentration}, *earlier_concentration]
    )
    summary = {
        "company": config.company,
        "currency": config.currency,
        "period": report_period.label,
        "period_title": report_period.title(),
        "kind": kind or "all",
        "window_start": window_start.isoformat(),
        "window_end": report_period.end.isoformat(),
        "window_months": config.settings.window_months,
        "lapse_months": config.settings.lapse_months,
        "satisfied_min": config.settings.satisfied_threshold,
        **kpis,
        "by_kind": {
            str(kind): profit.profit_kpis(group)
            for kind, group in customers[["revenue", "profit", "in_window"]].groupby(customers["kind"].fillna("unknown"))
        },
        "top_share": config.rules.top_share,
        "typical_order_value": flags.typical_order_value(customers),
        "rows_quarantined": int(checked.quality["quarantined"].sum()),
        "terms": {
            "cogs": "assumed" if not inputs["has_cost"] else "from data",
            "cost_to_serve": "from data" if inputs["has_service"] else "absent",
            "carrying_cost": "from data" if inputs["has_receivables"] else "absent",
            "expected_credit_loss": "from data" if inputs["has_receivables"] else "absent",
        },
        "lifetime_value": value_model,
        "holdout": holdout_summary,
        "loyalty": loyalty_figures,
        "retention_scenarios": scenarios.to_dict(orient="records"),
        "tier_counts": tier_table["customers"].to_dict(),
        "tier_profit_share": tier_table["profit_share"].to_dict(),
        "tier_policies": dict(config.tiers.policies),
        "previous_period": earlier[0][0].label if earlier else None,
        "migration": migration_counts.to_dict(orient="index") if not migration_counts.empty else {},
        "clusters_k": clusters_k,
        "cluster_stability": cluster_stability,
        "notes": notes,
    }
    summary = _json_safe(summary)
    return PeriodResult(
        summary=summary,
        customers=customers.reset_index(drop=True),
        waterfall=profit.profit_waterfall(customers),
        quality=checked.quality,
        quarantine=quarantine,
        cohorts=cohorts,
        scenarios=scenarios,
        holdout=holdout,
        tier_history=history,
        movers=movers,
        cluster_profile=cluster_profile,
        cluster_diagnostics=cluster_diagnostics,
        concentration_history=concentration_history,
        account_months=account_months,
        account_tiers=account_tiers,
        notes=notes,
    )


@dataclass
class StagedReport:
    """The report period's SQL besides its customer file's own reads (see :func:`stage_report_reads`).

    Attributes
    ----------
    risk : StagedRisk
        The tables of the risk columns (:func:`custlab.analysis.customer_file.stage_risk_reads`).
    cohorts, calibration_rfm, holdout : str
        Tables of the cohort counts, of the RFM summary at the holdout's calibration
        end and of the purchases after it.
    after_period : int
        Transaction lines dated after the period (kept out of it).
    unknown_customers : int
        Customers with transactions but no row in the customers table.
    """

    risk: customer_file.StagedRisk
    cohorts: str
    calibration_rfm: str
    holdout: str
    after_period: int
    unknown_customers: int


def stage_report_reads(
    con: duckdb.DuckDBPyConnection, config: Config, period: Period, first_month: date, calibration_end: date, has_customers: bool
) -> StagedReport:
    """Run the report period's remaining SQL into tables of the database: no frame.

    Reads views and tables of the database only, so a :class:`custlab.engine.session.BackgroundReader`
    runs it while the report period's customer file is computed. At ten million
    customers it is 31.2 s of SQL, measured alone.
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
        calibration_rfm=facts.customer_rfm(con, calibration_end, into="staged_calibration_rfm"),
        holdout=facts.holdout_purchases(con, calibration_end, period.end, into="staged_holdout"),
        after_period=con.execute("SELECT count(*) FROM tx_in WHERE date > ?", [period.end]).fetchall()[0][0],
        unknown_customers=unknown,
    )


def check_purchase_model(
    rfm_calibration: pd.DataFrame, holdout_counts: pd.DataFrame, calibration_end: date
) -> tuple[pd.DataFrame, dict, str | None]:
    """The purchase model fitted up to ``calibration_end`` against the purchases after it.

    Returns the table of :func:`custlab.analysis.customer_value.holdout_check` (empty when
    skipped), its summary for summary.json, and a note for the report when the
    check was skipped because the model could not be fitted (None otherwise).
    Fewer than 50 customers known by ``calibration_end`` skip it silently.
    """
    if len(rfm_calibration) < 50:
        return pd.DataFrame(), {}, None
    try:
        holdout = customer_value.holdout_check(rfm_calibration, holdout_counts, HOLDOUT_WEEKS)
    except (customer_value.ConvergenceError, ValueError) as exc:
        return pd.DataFrame(), {}, f"Out-of-sample check of the purchase model skipped ({exc})."
    summary = {"weeks": HOLDOUT_WEEKS, "calibration_end": calibration_end.isoformat(),
               "actual_total": holdout.attrs["actual_total"], "predicted_total": holdout.attrs["predicted_total"]}
    return holdout.reset_index(), summary, None


def clv_scenarios(retention_rate: float, discount_rate: float, active: pd.DataFrame) -> pd.DataFrame:
    """Retention + 1, 2 and 5 points with the CLV-multiple arithmetic, per window.

    The margin per period is the average profit of an active customer over the
    window; the period is the window (a year by default).
    """
    from custlab.clv import retention_scenarios

    if not (retention_rate == retention_rate) or active.empty:  # NaN retention: nothing to scale
        return pd.DataFrame()
    return retention_scenarios(retention_rate, discount_rate, float(active["profit"].mean()), float(len(active)))


def _json_safe(value):
    """Replace NaN and infinities by None and numpy scalars by Python ones, recursively."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    return _clean_number(value)


#: Where each frame of a :class:`PeriodResult` is saved in a results folder.
FRAME_FILES = {
    "customers": "customers.parquet",
    "waterfall": "waterfall.csv",
    "quality": "quality.csv",
    "quarantine": "quarantine.csv",
    "cohorts": "cohorts.csv",
    "scenarios": "scenarios.csv",
    "holdout": "holdout.csv",
    "tier_history": "tier_history.csv",
    "movers": "movers.csv",
    "cluster_profile": "cluster_profile.csv",
    "cluster_diagnostics": "cluster_diagnostics.csv",
    "concentration_history": "concentration_history.csv",
    "account_months": "account_months.csv",
    "account_tiers": "account_tiers.csv",
}


def save_result(result: PeriodResult, folder: str | Path) -> Path:
    """Write a result to ``folder`` (created): the files :func:`load_result` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, file_name in FRAME_FILES.items():
        io.write_frame(getattr(result, name), folder / file_name)
    io.write_json(folder / "summary.json", result.summary)
    return folder


def load_result(folder: str | Path, account_rows_only: bool = False) -> PeriodResult:
    """Read a result written by :func:`save_result`.

    With ``account_rows_only`` the customers table holds only the customers with
    an account sheet (``account_sheet``; all of them in results saved without that
    column): what publishing the account sheets needs, without reading millions
    of rows.
    """
    folder = Path(folder)
    missing = [name for name in [*FRAME_FILES.values(), "summary.json"] if not (folder / name).is_file()]
    if missing:
        raise InputError(f"not a custlab results folder (missing {', '.join(missing)})", file=str(folder))
    summary = io.read_json(folder / "summary.json")
    frames = {name: io.read_frame(folder / file_name) for name, file_name in FRAME_FILES.items() if name != "customers"}
    customers_file = folder / FRAME_FILES["customers"]
    if account_rows_only and "account_sheet" in io.parquet_columns(customers_file):
        frames["customers"] = io.read_frame(customers_file, rows_where=("account_sheet", True))
    else:
        frames["customers"] = io.read_frame(customers_file)
    return PeriodResult(summary=summary, notes=list(summary.get("notes", [])), **frames)


def report_data(config: str = "", period: str = "", results_dir: str = "", kind: str = "") -> PeriodResult:
    """What a report notebook shows: a saved result, or one computed live.

    The scheduler passes ``results_dir`` (computed once by the CLI); an analyst
    in JupyterLab leaves it empty and gets the analysis of ``config`` for
    ``period``.
    """
    if results_dir:
        return load_result(results_dir)
    if not config or not period:
        raise InputError("give either results_dir, or both config and period")
    return analyse(config, period, kind=kind)


def pseudonymise(result: PeriodResult, salt: str) -> PeriodResult:
    """The same result with customer ids replaced by stable pseudonyms and names removed.

    A pseudonym is ``P-`` and 10 hex digits of SHA-256(salt + id): the same id
    and salt always give the same pseudonym, so periods stay comparable, and
    without the salt the id cannot be looked up. For reports that leave finance.
    """
    import hashlib

    def alias(value) -> str:
        return "P-" + hashlib.sha256((salt + str(value)).encode("utf-8")).hexdigest()[:10]

    def swap(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "customer_id" not in frame:
            return frame
        out = frame.copy()
        out["customer_id"] = out["customer_id"].map(alias)
        if "name" in out:
            out["name"] = None
        return out

    summary = dict(result.summary)
    summary["pseudonymised"] = True
    quarantine = result.quarantine.assign(value=None) if not result.quarantine.empty else result.quarantine
    return replace(
        result,
        summary=summary,
        quarantine=quarantine,
        **{name: swap(getattr(result, name)) for name in ("customers", "movers", "account_months", "account_tiers")},
    )
