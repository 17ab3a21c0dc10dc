"""Which customers get a one-page account sheet, and the file each sheet is written to.

Key and important customers and the lean big ones (whatever their tier), the
risk-flagged first, up to ``settings.max_account_pages``: a selection the analysis makes (the customers
table says who has a sheet), which the report then renders
(:mod:`custlab.report.accounts`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import pandas as pd

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


ACCOUNT_TIERS = ("key", "important")


def risk_flagged(customers: pd.DataFrame) -> pd.Series:
    """Customers carrying at least one risk flag (non-empty ``risk_reasons``; none without that column)."""
    if "risk_reasons" not in customers:
        return pd.Series(False, index=customers.index)
    return customers["risk_reasons"].fillna("").ne("")


def has_account_sheet(customers: pd.DataFrame) -> pd.Series:
    """Customers whose account sheet is written: ``account_sheet``, or every key and
    important customer in results saved before that column existed."""
    if "account_sheet" in customers:
        return customers["account_sheet"].fillna(False).astype(bool)
    return customers["tier"].isin(ACCOUNT_TIERS)


def sheet_candidates(customers: pd.DataFrame) -> pd.Series:
    """Customers an account sheet is for: key and important ones, and the lean big customers
    and those at churn risk whatever their tier (a key customer gone quiet may have slipped)."""
    eligible = customers["tier"].isin(ACCOUNT_TIERS)
    for flag in ("lean_big", "churn_risk"):
        if flag in customers:
            eligible |= customers[flag].fillna(False).astype(bool)
    return eligible


def select_account_sheets(customers: pd.DataFrame, limit: int) -> pd.Series:
    """Which customers get an account sheet: the :func:`sheet_candidates`, at most ``limit``.

    The risk-flagged accounts come first (they are the ones the report's flagged
    table links to), the most money at risk (``money_at_risk``, where known)
    first, then the rest; within each by revenue, largest first, ties by
    customer id so that a rerun picks the same pages.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``tier``, ``revenue`` and, when known, ``risk_reasons``,
        ``money_at_risk``, ``lean_big`` and ``churn_risk``.
    limit : int
        Most sheets (``settings.max_account_pages``); 0 gives none.

    Returns
    -------
    Series of bool
        Aligned with ``customers``: True where a sheet is written.
    """
    eligible = sheet_candidates(customers)
    at_risk = customers["money_at_risk"] if "money_at_risk" in customers else pd.Series(0.0, index=customers.index)
    ranked = pd.DataFrame({
        "flagged": risk_flagged(customers)[eligible], "at_risk": at_risk[eligible].fillna(0.0),
        "revenue": customers.loc[eligible, "revenue"], "customer_id": customers.loc[eligible, "customer_id"],
    }).sort_values(["flagged", "at_risk", "revenue", "customer_id"], ascending=[False, False, False, True], kind="stable")  # fmt: skip
    chosen = pd.Series(False, index=customers.index, name="account_sheet")
    chosen[ranked.index[:limit]] = True
    return chosen


#: What an account sheet compares with the customer's tier: key -> (label, kind of figure, the
#: input it needs, see :mod:`custlab.analysis.inputs`).
PEER_MEASURES: dict[str, tuple[str, str, str]] = {
    "profit_margin": ("Profit margin", "share", "margins_differ"),
    "cost_to_serve_share": ("Cost to serve, share of revenue", "share", "service"),
    "discount_share": ("Discounts, share of revenue", "share", "price_terms"),
    "dso_days": ("Days sales outstanding", "days", "receivables"),
}


def peer_measures(customers: pd.DataFrame) -> pd.DataFrame:
    """The :data:`PEER_MEASURES` of each customer (NaN where its revenue is not positive or
    the input is not in the data)."""
    def number(column: str) -> pd.Series:  # NA (an unmet input) and text read as NaN, whatever the dtype
        if column not in customers:
            return pd.Series(float("nan"), index=customers.index)
        return pd.to_numeric(customers[column].astype(object).where(customers[column].notna(), None), errors="coerce").astype(float)

    revenue = number("revenue").where(number("revenue") > 0)
    return pd.DataFrame({
        "profit_margin": number("profit") / revenue, "cost_to_serve_share": number("cost_to_serve") / revenue,
        "discount_share": number("discount") / revenue, "dso_days": number("dso_days"),
    }, index=customers.index)  # fmt: skip


def tier_peers(customers: pd.DataFrame, met: Mapping[str, bool] | None = None) -> dict[str, dict[str, float | None]]:
    """Each tier's median of the :data:`PEER_MEASURES` over its active customers (revenue above
    0): what an account sheet sets a customer against. None where no customer has the figure
    or its input is not in the data (``met``: need -> met)."""
    measures = peer_measures(customers)
    unmet = [k for k, (_, _, need) in PEER_MEASURES.items() if not (met or {}).get(need, True)]
    measures[unmet] = float("nan")
    medians = measures.groupby(customers["tier"].astype(str)).median()
    return {
        str(tier): {k: (None if pd.isna(v) else float(v)) for k, v in row.items()} for tier, row in medians.iterrows()
    }


def account_file_name(customer_id: str) -> str:
    """A safe file name for a customer's page (ids may hold any character; none is ``index.html``)."""
    text = str(customer_id)
    safe = _UNSAFE.sub("_", text)[:60]
    if safe != text or safe.lower() == "index":  # index.html lists the sheets
        safe += "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{safe}.html"
