"""What the company's data hold, and therefore what each analysis can say.

A report section whose inputs are absent says what is missing, and which
table or column would enable it, instead of showing zeros; summary.json
carries null for its figures. This module is the one place that knows which
analysis needs which table or column (:data:`NEEDS`), and what to say when a
need is not met.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class DataInputs:
    """The tables a company's data provided, with their canonical columns.

    Attributes
    ----------
    columns : Mapping
        Loaded table -> the canonical columns it has (mapped or derived).
    purchase_log : bool
        The transactions are a log of purchase dates without amounts
        (``purchase_log = true`` in the config): nothing in money can be shown.
    """

    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    purchase_log: bool = False

    def has(self, table: str, *columns: str) -> bool:
        """Whether ``table`` was loaded with every one of ``columns``."""
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def met(self) -> dict[str, bool]:
        """Each need of :data:`NEEDS` -> whether the data meet it."""
        return {name: need.check(self) for name, need in NEEDS.items()}

    def to_dict(self) -> dict:
        """For summary.json: the columns of each loaded table, and whether the log has amounts."""
        return {"tables": {t: sorted(c) for t, c in sorted(self.columns.items())}, "purchase_log": self.purchase_log}


@dataclass(frozen=True)
class Need:
    """What an analysis needs from the data, and the line a report shows when it is missing.

    ``in_place`` is a shorter line for the sections after the first that miss
    the same input (for revenue, which most sections need); None repeats ``missing``.
    """

    check: Callable[[DataInputs], bool]
    missing: str
    in_place: str | None = None


def _money(inputs: DataInputs) -> bool:
    return not inputs.purchase_log


def _margins_differ(inputs: DataInputs) -> bool:
    """A term other than one assumed gross margin varies between customers."""
    return _money(inputs) and (
        inputs.has("transactions", "cost") or inputs.has("transactions", "discount")
        or inputs.has("transactions", "channel_fee") or "service" in inputs.columns or "receivables" in inputs.columns
    )  # fmt: skip


#: Every need an analysis can have of the data, with the line shown when it is not met.
NEEDS: dict[str, Need] = {
    "revenue": Need(
        _money,
        "Revenue is not in the data (the transactions are a log of purchase dates): add a revenue column to "
        "transactions to see profit, tiers, concentration and lifetime value in money.",
        "Not shown: the transactions carry no revenue (see the headline figures).",
    ),
    "cost": Need(
        lambda i: _money(i) and i.has("transactions", "cost"),
        "Cost of goods is not in the data: add a cost column to transactions (until then it is assumed from "
        "default_gross_margin).",
    ),
    "margins_differ": Need(
        _margins_differ,
        "Every customer carries the same assumed margin (no cost column, no discounts, fees, service or credit "
        "data), so margins cannot single out lean big customers: add a cost column to transactions.",
    ),
    "kind": Need(
        lambda i: i.has("customers", "kind"),
        "Customer kinds are not in the data: add a customers table with a kind column (consumer or business) "
        "to compare them.",
    ),
    "service": Need(
        lambda i: _money(i) and "service" in i.columns,
        "Service costs are not in the data: add a service table (customer_id, date, cost) to see what serving "
        "each customer costs and whether it is rising.",
    ),
    "receivables": Need(
        lambda i: _money(i) and "receivables" in i.columns,
        "Receivables are not in the data: add a receivables table (customer_id, invoice_id, amount, issued, due, "
        "paid) to see ageing, DSO, big debtors and expected credit loss.",
    ),
    "surveys": Need(
        lambda i: "surveys" in i.columns,
        "Satisfaction surveys are not in the data: add a surveys table (customer_id, date, satisfaction) to "
        "compare satisfaction with loyalty.",
    ),
    "price_terms": Need(
        lambda i: _money(i) and (i.has("transactions", "discount") or i.has("transactions", "channel_fee")),
        "Discounts and channel fees are not in the data: add them to transactions to see price pressure.",
    ),
    "regions": Need(
        lambda i: i.has("customers", "region") and i.has("transactions", "region"),
        "Regions are not in the data on both sides: add a region to customers and to transactions to see "
        "purchases outside a customer's territory.",
    ),
}


def missing_line(met: Mapping[str, bool], need: str, in_place: bool = False) -> str | None:
    """The line a report shows for ``need`` when ``met`` (summary.json's ``inputs_met``) says it is
    not met (with ``in_place``, the shorter line for a section, where there is one); None when it
    is met (or when the summary predates the need)."""
    if need not in NEEDS:
        raise ValueError(f"unknown need {need!r}; one of {', '.join(NEEDS)}")
    if met.get(need, True):
        return None
    return (in_place and NEEDS[need].in_place) or NEEDS[need].missing


#: Columns of the customer file that mean nothing without a need: blank (NA), never 0, when it is not met.
CUSTOMER_COLUMNS_NEEDING: dict[str, tuple[str, ...]] = {
    "receivables": (
        "open_receivables", "overdue_receivables", "overdue_90_receivables", "ar_current", "ar_1_30", "ar_31_60",
        "ar_61_90", "ar_over_90", "credit_sales", "dso_days", "big_debtor",
    ),
    "service": ("service_events", "cost_to_serve_growth", "cost_to_serve_rising"),
    "price_terms": ("discount_fee_change", "price_pressure"),
    "regions": ("outside_territory_share", "territory_breach"),
    "surveys": ("last_satisfaction", "last_survey_date", "satisfied", "satisfied_defector"),
    "margins_differ": ("lean_big", "margin_eaten_by", "lean_big_reason"),
    "revenue": (
        "revenue", "cogs", "discount", "channel_fee", "pocket_margin", "cost_to_serve", "contribution_before_credit",
        "carrying_cost", "expected_credit_loss", "profit", "profit_margin", "lifetime_revenue", "lifetime_gross_sales",
        "revenue_recent", "revenue_prior", "cogs_assumed", "revenue_rank", "bulk_one_off", "expected_spend",
        "clv_margin", "clv", "value", "rising", "tier", "tier_reason", "previous_tier", "cluster", "cluster_name",
        "revenue_share", "dependence_risk", "revenue_growth", "margin_change", "margin_reason", "churn_risk",
        "value_at_risk", "risk_reasons", "money_at_risk", "next_step",
    ),
}  # fmt: skip


def blank_unmet_columns(customers: pd.DataFrame, met: Mapping[str, bool]) -> pd.DataFrame:
    """The customer file with every column whose need is unmet set to NA (in place; returned).

    An absent input is "not known", not zero: a company without receivables has
    no overdue amount to show, not an overdue amount of 0.
    """
    for need, columns in CUSTOMER_COLUMNS_NEEDING.items():
        if met.get(need, True):
            continue
        for column in columns:
            if column in customers:
                customers[column] = _blank(customers[column])
    return customers


def _blank(values: pd.Series) -> pd.Series:
    """A column of the same kind with every value missing: NaN for numbers, NA for flags and text."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(pd.NA, index=values.index, dtype="boolean")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return pd.Series(float("nan"), index=values.index, dtype=float)
    return pd.Series(None, index=values.index, dtype=values.dtype)
