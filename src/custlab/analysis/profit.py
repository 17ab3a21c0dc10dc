"""Per-customer profit: the waterfall from revenue to customer profit.

::

    revenue - cost of goods - discounts/rebates - channel fees   = pocket margin
    - cost to serve (service events)                              = contribution before credit
    - carrying cost of receivables (open amount x rate x days/365)
    - expected credit loss (ageing bucket x loss rate, at period end)
    = customer profit

Every term is a column, so the report can show where margin leaks. Pure
functions on customer-level frames; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The waterfall terms in order, with the business label of each.
COST_TERMS: dict[str, str] = {
    "cogs": "Cost of goods",
    "discount": "Discounts and rebates",
    "channel_fee": "Channel fees",
    "cost_to_serve": "Cost to serve",
    "carrying_cost": "Receivables carrying cost",
    "expected_credit_loss": "Expected credit loss",
}
SUBTOTALS: dict[str, tuple[str, str]] = {
    "channel_fee": ("pocket_margin", "Pocket margin"),
    "cost_to_serve": ("contribution_before_credit", "Contribution before credit"),
    "expected_credit_loss": ("profit", "Customer profit"),
}


@dataclass(frozen=True)
class ProfitInputs:
    """Which inputs stood behind the profit terms, and the assumption used where one was missing.

    Attributes
    ----------
    has_cost : bool
        Transactions carry a cost-of-goods column.
    has_service : bool
        A service table was provided.
    has_receivables : bool
        A receivables table was provided.
    default_gross_margin : float
        Gross margin assumed when ``has_cost`` is False.
    """

    has_cost: bool
    has_service: bool
    has_receivables: bool
    default_gross_margin: float

    def notes(self) -> list[str]:
        """One sentence per term that is assumed or absent, for the report."""
        notes = []
        if not self.has_cost:
            notes.append(
                "No cost column in transactions: cost of goods is assumed at "
                f"{1 - self.default_gross_margin:.0%} of revenue (default gross margin "
                f"{self.default_gross_margin:.0%}, setting default_gross_margin)."
            )
        if not self.has_service:
            notes.append("No service data: cost to serve is left out of profit.")
        if not self.has_receivables:
            notes.append(
                "No receivables data: the receivables carrying cost and expected credit loss are left out of profit."
            )
        return notes


def active_customers(customers: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The customers with revenue or cost in the window (``in_window``; all of them without that column).

    Parameters
    ----------
    customers : DataFrame
        A customer file.
    columns : list of str, optional
        Only these columns. Filtering rows copies every column kept, so a
        figure that needs two columns should ask for two: on 10 million
        customers the whole file is several GB.
    """
    kept = customers if columns is None else customers[[c for c in dict.fromkeys(columns) if c in customers]]
    return kept[customers["in_window"].to_numpy(dtype=bool)] if "in_window" in customers else kept


def customer_profit(customers: pd.DataFrame, inputs: ProfitInputs) -> pd.DataFrame:
    """Add the profit waterfall columns to a customer frame.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``revenue``, ``cogs`` (may be NaN), ``discount``,
        ``channel_fee``, ``cost_to_serve``, ``carrying_cost`` and
        ``expected_credit_loss``.
    inputs : ProfitInputs
        Which terms are real; where there is no cost column, cost of goods is
        ``revenue x (1 - default_gross_margin)``.

    Returns
    -------
    DataFrame
        A copy with ``cogs`` filled and ``cogs_assumed``, ``pocket_margin``,
        ``contribution_before_credit``, ``profit`` and ``profit_margin`` added.
    """
    # Shallow: with copy-on-write pandas copies a column only when it is written, so the
    # caller's frame is unchanged without duplicating it.
    out = customers.copy(deep=False)
    if inputs.has_cost:
        out["cogs"] = out["cogs"].astype(float).fillna(0.0)
    else:
        out["cogs"] = out["revenue"] * (1.0 - inputs.default_gross_margin)
    out["cogs_assumed"] = not inputs.has_cost
    out["pocket_margin"] = out["revenue"] - out["cogs"] - out["discount"] - out["channel_fee"]
    out["contribution_before_credit"] = out["pocket_margin"] - out["cost_to_serve"]
    out["profit"] = out["contribution_before_credit"] - out["carrying_cost"] - out["expected_credit_loss"]
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = out["profit"] / out["revenue"].where(out["revenue"] > 0)
    out["profit_margin"] = margin
    return out


def profit_waterfall(customers: pd.DataFrame, sources: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Company totals of every waterfall step, in order.

    Parameters
    ----------
    customers : DataFrame
        A customer file with the waterfall columns.
    sources : Mapping, optional
        Cost term -> ``from data``, ``assumed`` or ``absent`` (the summary's
        ``terms``); a term not named is from data.

    Returns
    -------
    DataFrame
        Columns ``step`` (business label), ``term`` (column name), ``amount``
        (signed: costs negative; 0 for an absent term, which profit leaves out),
        ``running_total``, ``kind`` (``start``, ``cost`` or ``subtotal``) and
        ``source``. The last row's running total is total profit.
    """
    sources = sources or {}
    rows = [{"step": "Revenue", "term": "revenue", "amount": customers["revenue"].sum(), "kind": "start", "source": "from data"}]
    running = rows[0]["amount"]
    rows[0]["running_total"] = running
    for term, label in COST_TERMS.items():
        amount = -float(customers[term].sum())
        running += amount
        rows.append({"step": label, "term": term, "amount": amount, "running_total": running, "kind": "cost",
                     "source": sources.get(term, "from data")})  # fmt: skip
        if term in SUBTOTALS:
            column, sub_label = SUBTOTALS[term]
            rows.append({"step": sub_label, "term": column, "amount": running, "running_total": running,
                         "kind": "subtotal", "source": "from data"})  # fmt: skip
    return pd.DataFrame(rows, columns=["step", "term", "amount", "running_total", "kind", "source"])


def waterfall_labels(waterfall: pd.DataFrame, assumed_gross_margin: float | None = None) -> pd.Series:
    """Each waterfall step's label, saying where a term is assumed or not in the data."""
    def label(row) -> str:
        if row.source == "absent":
            return f"{row.step} (not in the data)"
        if row.source == "assumed":
            share = "" if assumed_gross_margin is None else f": {1 - assumed_gross_margin:.0%} of revenue"
            return f"{row.step} (assumed{share})"
        return row.step

    if "source" not in waterfall:
        return waterfall["step"]
    return pd.Series([label(row) for row in waterfall.itertuples()], index=waterfall.index)


def customer_waterfall(customers: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    """The waterfall of one customer (see :func:`profit_waterfall`).

    Raises
    ------
    KeyError
        If no customer has that id.
    """
    one = customers[customers["customer_id"].astype(str) == str(customer_id)]
    if one.empty:
        raise KeyError(f"no customer {customer_id!r} in this period's customer file")
    return profit_waterfall(one)


def profit_kpis(customers: pd.DataFrame) -> dict[str, float | int]:
    """Headline figures for the customers active in the window.

    Returns
    -------
    dict
        ``customers`` (with any revenue or cost in the window), ``revenue``,
        ``profit`` (over every customer row, so costs of lapsed customers count),
        ``profit_margin``, ``loss_making_customers`` and ``loss_making_share``
        (share of active customers whose profit is below zero).
    """
    active = active_customers(customers, ["profit"])
    revenue = float(customers["revenue"].sum())
    profit = float(customers["profit"].sum())
    losing = int((active["profit"] < 0).sum())
    return {
        "customers": int(len(active)),
        "revenue": revenue,
        "profit": profit,
        "profit_margin": profit / revenue if revenue else float("nan"),
        "loss_making_customers": losing,
        "loss_making_share": losing / len(active) if len(active) else float("nan"),
    }
