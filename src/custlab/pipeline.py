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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from custlab import aggregate, curves, flags, io, profit, validation
from custlab.config import Config, load_config
from custlab.exceptions import InputError
from custlab.periods import Period, parse_period

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
    "in_window", "cogs_assumed",
    "revenue_rank", "lean_big", "margin_eaten_by", "lean_big_reason", "bulk_one_off",
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
        Company totals per waterfall step (see :func:`custlab.profit.profit_waterfall`).
    quality : DataFrame
        Rows read / accepted / quarantined per table.
    quarantine : DataFrame
        Every quarantined row with file, row, column, value and reason.
    """

    summary: dict
    customers: pd.DataFrame
    waterfall: pd.DataFrame
    quality: pd.DataFrame
    quarantine: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        """The report period."""
        return parse_period(self.summary["period"])


def _clean_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def analyse(config: Config | str | Path, period: str, as_of: date | None = None) -> PeriodResult:
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

    Raises
    ------
    InputError
        Unusable config or file, or a period outside the data.
    """
    config = config if isinstance(config, Config) else load_config(config)
    report_period = parse_period(period)
    con = io.connect()
    try:
        checked = validation.validate(con, config, as_of=as_of)
        inputs = aggregate.prepare_inputs(con)
        first_month, last_data_month = aggregate.data_months(con)
        if first_month is None:
            raise InputError("no usable transactions (every row was quarantined)", file=str(config.sources["transactions"].path))
        last_month = date(report_period.end.year, report_period.end.month, 1)
        if last_month < first_month or report_period.start > last_data_month:
            raise InputError(
                f"period {report_period.label} is outside the data, whose transactions run "
                f"{first_month:%Y-%m} to {last_data_month:%Y-%m}",
                file=str(config.sources["transactions"].path),
            )
        aggregate.build_customer_month(con, first_month, last_month, config.settings)
        window_start = max(report_period.window_start(config.settings.window_months), first_month)
        customers = aggregate.customer_window(con, window_start, last_month)
        after_period = con.execute("SELECT count(*) FROM tx_in WHERE date > ?", [report_period.end]).fetchall()[0][0]
        unknown = 0
        if "customers" in checked.tables:
            unknown = con.execute(
                "SELECT count(DISTINCT customer_id) FROM tx_in WHERE customer_id NOT IN (SELECT customer_id FROM customers)"
            ).fetchall()[0][0]
        quarantine = validation.quarantine_frame(con)
    finally:
        con.close()

    profit_inputs = profit.ProfitInputs(default_gross_margin=config.settings.default_gross_margin, **inputs)
    customers = profit.customer_profit(customers, profit_inputs)
    lean = flags.lean_big(customers, config.rules)
    customers = customers.join(lean[["revenue_rank", "lean_big", "margin_eaten_by", "lean_big_reason"]])
    customers["bulk_one_off"] = flags.bulk_one_off(customers, config.rules)
    customers = customers[[c for c in CUSTOMER_COLUMNS if c in customers]]
    notes = profit_inputs.notes()
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
    summary = {
        "company": config.company,
        "currency": config.currency,
        "period": report_period.label,
        "period_title": report_period.title(),
        "window_start": window_start.isoformat(),
        "window_end": report_period.end.isoformat(),
        "window_months": config.settings.window_months,
        **{k: _clean_number(v) for k, v in kpis.items()},
        "by_kind": {
            str(kind): {k: _clean_number(v) for k, v in profit.profit_kpis(group).items()}
            for kind, group in customers.groupby(customers["kind"].fillna("unknown"))
        },
        "top_share": config.rules.top_share,
        "typical_order_value": _clean_number(flags.typical_order_value(customers)),
        "rows_quarantined": int(checked.quality["quarantined"].sum()),
        "terms": {
            "cogs": "assumed" if not inputs["has_cost"] else "from data",
            "cost_to_serve": "from data" if inputs["has_service"] else "absent",
            "carrying_cost": "from data" if inputs["has_receivables"] else "absent",
            "expected_credit_loss": "from data" if inputs["has_receivables"] else "absent",
        },
        "notes": notes,
    }
    return PeriodResult(
        summary=summary,
        customers=customers.reset_index(drop=True),
        waterfall=profit.profit_waterfall(customers),
        quality=checked.quality,
        quarantine=quarantine,
        notes=notes,
    )


def save_result(result: PeriodResult, folder: str | Path) -> Path:
    """Write a result to ``folder`` (created): the files :func:`load_result` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    io.write_frame(result.customers, folder / "customers.parquet")
    io.write_frame(result.waterfall, folder / "waterfall.csv")
    io.write_frame(result.quality, folder / "quality.csv")
    io.write_frame(result.quarantine, folder / "quarantine.csv")
    io.write_json(folder / "summary.json", result.summary)
    return folder


def load_result(folder: str | Path) -> PeriodResult:
    """Read a result written by :func:`save_result`."""
    folder = Path(folder)
    missing = [name for name in io.RESULT_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"not a custlab results folder (missing {', '.join(missing)})", file=str(folder))
    summary = io.read_json(folder / "summary.json")
    return PeriodResult(
        summary=summary,
        customers=io.read_frame(folder / "customers.parquet"),
        waterfall=io.read_frame(folder / "waterfall.csv"),
        quality=io.read_frame(folder / "quality.csv"),
        quarantine=io.read_frame(folder / "quarantine.csv"),
        notes=list(summary.get("notes", [])),
    )


def report_data(config: str = "", period: str = "", results_dir: str = "") -> PeriodResult:
    """What a report notebook shows: a saved result, or one computed live.

    The scheduler passes ``results_dir`` (computed once by the CLI); an analyst
    in JupyterLab leaves it empty and gets the analysis of ``config`` for
    ``period``.
    """
    if results_dir:
        return load_result(results_dir)
    if not config or not period:
        raise InputError("give either results_dir, or both config and period")
    return analyse(config, period)
