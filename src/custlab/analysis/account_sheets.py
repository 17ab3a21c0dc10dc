"""Which customers get a one-page account sheet, and the file each sheet is written to.

Key and important customers, the risk-flagged first, up to
``settings.max_account_pages``: a selection the analysis makes (the customers
table says who has a sheet), which the report then renders
(:mod:`custlab.report.accounts`).
"""

from __future__ import annotations

import hashlib
import re

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


def select_account_sheets(customers: pd.DataFrame, limit: int) -> pd.Series:
    """Which customers get an account sheet: key and important ones, at most ``limit``.

    The risk-flagged accounts come first (they are the ones the report's flagged
    table links to), then the rest; within each group by revenue, largest first,
    ties by customer id so that a rerun picks the same pages.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``tier``, ``revenue`` and, when known, ``risk_reasons``.
    limit : int
        Most sheets (``settings.max_account_pages``); 0 gives none.

    Returns
    -------
    Series of bool
        Aligned with ``customers``: True where a sheet is written.
    """
    eligible = customers["tier"].isin(ACCOUNT_TIERS)
    flagged = risk_flagged(customers)
    ranked = pd.DataFrame(
        {"flagged": flagged[eligible], "revenue": customers.loc[eligible, "revenue"], "customer_id": customers.loc[eligible, "customer_id"]}
    ).sort_values(["flagged", "revenue", "customer_id"], ascending=[False, False, True], kind="stable")
    chosen = pd.Series(False, index=customers.index, name="account_sheet")
    chosen[ranked.index[:limit]] = True
    return chosen


def account_file_name(customer_id: str) -> str:
    """A safe file name for a customer's page (ids may hold any character)."""
    text = str(customer_id)
    safe = _UNSAFE.sub("_", text)[:60]
    if safe != text:
        safe += "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{safe}.html"
