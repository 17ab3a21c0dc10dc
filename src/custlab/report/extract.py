"""What the report notebook reads: the customers its lists show and the small tables behind
its charts, computed once from the whole customer file.

At ten million customers the customer file is gigabytes, while the report shows a few
dozen of its rows and a dozen aggregates. The analysis process, which holds the file
anyway, computes those (:func:`report_extract`) and saves them beside the result
(:func:`save_extract`); the notebook's kernel reads only them (:func:`load_extract`),
never the whole table. An analyst's notebook without a saved result builds the same
extract from the analysis it runs, so the notebook's calls are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from custlab import io
from custlab.exceptions import InputError
from custlab.analysis import curves, loyalty, migration, retention
from custlab.analysis.account_sheets import has_account_sheet
from custlab.result import PeriodResult
from custlab.report import plots, tables

#: Rows of each customer list the extract keeps: the notebook's ``top_n`` may be at most this.
LIST_ROWS = 100

#: The frames of a :class:`ReportExtract` and the files they are saved in (folder ``extract``).
EXTRACT_FILES = {
    "listed": "listed.parquet",
    "whale": "whale.parquet",
    "scatter": "scatter.parquet",
    "cost_to_serve": "cost_to_serve.parquet",
    "tiers": "tiers.parquet",
    "survival": "survival.parquet",
    "value_by_kind": "value_by_kind.parquet",
    "retention_by_satisfaction": "retention_by_satisfaction.parquet",
    "ageing": "ageing.parquet",
    "risk_glance": "risk_glance.parquet",
}


@dataclass
class ReportExtract:
    """The part of a period's customer file the report shows.

    Attributes
    ----------
    listed : DataFrame
        Every customer a list of the report can show or link: the first
        :data:`LIST_ROWS` of each list and every customer with an account sheet,
        all columns, in the file's order (so a list of them is the list of the
        whole file, ties included).
    whale : DataFrame
        The whale and Pareto curves (:func:`custlab.analysis.curves.whale_points`).
    scatter : DataFrame
        The customers the revenue-profit chart draws (:func:`custlab.report.plots.revenue_profit_points`).
    cost_to_serve : DataFrame
        The accounts the cost-to-serve chart draws (:func:`custlab.report.plots.cost_to_serve_points`).
    tiers : DataFrame
        The tier summary with policies (:func:`custlab.analysis.migration.tier_summary`).
    survival : DataFrame
        The survival curves by kind, stacked (``group`` and the curve's columns).
    value_by_kind, retention_by_satisfaction, ageing, risk_glance : DataFrame
        The tables of those names in :mod:`custlab.report.tables` and :mod:`custlab.analysis.loyalty`.
    counts : dict
        ``list_rows`` (the rows kept per list) and counts over the whole file: ``accounts``, ``cost_to_serve_rising`` and
        ``price_pressure`` (key and important accounts), ``flagged`` and ``sheets``
        (see :func:`custlab.report.tables.flagged_totals`).
    """

    listed: pd.DataFrame
    whale: pd.DataFrame
    scatter: pd.DataFrame
    cost_to_serve: pd.DataFrame
    tiers: pd.DataFrame
    survival: pd.DataFrame
    value_by_kind: pd.DataFrame
    retention_by_satisfaction: pd.DataFrame
    ageing: pd.DataFrame
    risk_glance: pd.DataFrame
    counts: dict = field(default_factory=dict)

    def lists_of(self, top_n: int) -> pd.DataFrame:
        """The listed customers, for lists of ``top_n`` rows.

        Raises
        ------
        InputError
            When ``top_n`` is more rows than the extract kept per list.
        """
        kept = self.counts.get("list_rows", LIST_ROWS)
        if top_n > kept:
            raise InputError(f"top_n = {top_n} is more rows than the report's extract keeps per list ({kept})")
        return self.listed

    def survival_curves(self) -> dict[str, pd.DataFrame]:
        """The survival curves as :func:`custlab.analysis.retention.lapse_survival` gives them."""
        return {str(group): curve.drop(columns="group").reset_index(drop=True)
                for group, curve in self.survival.groupby("group", sort=False)}  # fmt: skip


def listed_rows(customers: pd.DataFrame, limit: int = LIST_ROWS) -> pd.Index:
    """Labels of the customers any list of the report shows at ``top_n`` <= ``limit``, or links."""
    lists = [
        tables.top_customers_table(customers, limit),
        tables.flagged_accounts(customers, limit),
    ]
    if "lean_big" in customers:
        lists += [tables.lean_big_table(customers, limit), tables.bulk_one_off_table(customers, limit)]
    if "rising" in customers:
        lists.append(tables.rising_table(customers, limit))
    if "churn_risk" in customers:
        lists.append(tables.churn_risk_table(customers, limit))
    lists.append(tables.satisfied_defectors_table(customers, limit))
    labels = pd.Index([], dtype=customers.index.dtype)
    for table in lists:
        labels = labels.union(table.index)
    return labels.union(customers.index[has_account_sheet(customers)])  # every id a table links


def report_extract(result: PeriodResult, limit: int = LIST_ROWS) -> ReportExtract:
    """What the report shows of ``result``'s customer file (see :class:`ReportExtract`)."""
    customers, summary = result.customers, result.summary
    listed = customers.loc[customers.index.intersection(listed_rows(customers, limit), sort=False)]
    cost_points, accounts = plots.cost_to_serve_points(customers)
    key_accounts = customers[["cost_to_serve_rising", "price_pressure"]][customers["tier"].isin(("key", "important"))]
    counts = {"list_rows": limit, "accounts": accounts, **tables.flagged_totals(customers),
              **{flag: int(key_accounts[flag].fillna(False).astype(bool).sum()) for flag in key_accounts}}  # fmt: skip
    survival = retention.lapse_survival(customers, "kind", summary["lapse_months"], summary["window_end"])
    return ReportExtract(
        listed=listed.reset_index(drop=True),
        whale=curves.whale_points(customers),
        scatter=plots.revenue_profit_points(customers).reset_index(drop=True),
        cost_to_serve=cost_points.reset_index(drop=True),
        tiers=migration.tier_summary(customers, summary["tier_policies"]),
        survival=pd.concat([curve.assign(group=group) for group, curve in survival.items()], ignore_index=True)
        if survival else pd.DataFrame({"group": pd.Series(dtype=object)}),
        value_by_kind=tables.value_by(customers, "kind"),
        retention_by_satisfaction=loyalty.retention_by_satisfaction(customers),
        ageing=tables.ageing_table(customers),
        risk_glance=tables.risk_glance_table(customers, summary),
        counts=counts,
    )


def save_extract(extract: ReportExtract, results_dir: str | Path) -> Path:
    """Write ``extract`` to ``results_dir/extract`` (Parquet keeps the indexes and types)."""
    folder = Path(results_dir) / "extract"
    folder.mkdir(parents=True, exist_ok=True)
    for name, file_name in EXTRACT_FILES.items():
        getattr(extract, name).to_parquet(folder / file_name)
    io.write_json(folder / "counts.json", extract.counts)
    return folder


def load_extract(results_dir: str | Path) -> ReportExtract:
    """Read an extract written by :func:`save_extract`."""
    folder = Path(results_dir) / "extract"
    frames = {name: pd.read_parquet(folder / file_name) for name, file_name in EXTRACT_FILES.items()}
    return ReportExtract(**frames, counts=io.read_json(folder / "counts.json"))
