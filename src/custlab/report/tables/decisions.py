"""What changed and what to do: the report's first section, in words computed from the numbers."""

from __future__ import annotations

import pandas as pd

from custlab.report import html
from custlab.report.format import change, count, money, percent, points
from custlab.report.tables._format import assumed_notes, customer_list, largest_where

#: Verbs for a direction.
_VERBS = {"up": "rose", "down": "fell", "unchanged": "stayed"}
#: Measures that rest on the margin: marked when cost of goods is assumed, left out when one
#: assumed margin holds for every customer (they cannot move then).
_ON_THE_MARGIN = ("profit", "profit_margin", "loss_making_share")


def _figure(value, kind: str, currency: str) -> str:
    return money(value, currency) if kind == "money" else percent(value) if kind == "share" else count(value)


def change_sentences(summary: dict) -> list[str]:
    """One sentence per headline measure against the previous period, e.g. "Customer profit fell 0.1%
    to USD 6,477,784 (2026-09: USD 6,481,782)." Shares change in points; the verb follows the sign.
    A figure resting on an assumed margin says so; margin and loss-making share are not compared
    when every customer carries the same assumed margin."""
    currency = summary.get("currency", "")
    assumed, same = assumed_notes(summary)
    one_margin = bool(same) and same != assumed
    lines, skipped = [], []
    for row in summary.get("changes") or []:
        kind, measure = row["kind"], row["measure"]
        if one_margin and measure in ("profit_margin", "loss_making_share"):
            skipped.append(row["label"].lower())
            continue
        now, before = _figure(row["now"], kind, currency), _figure(row["before"], kind, currency)
        basis = assumed if measure in _ON_THE_MARGIN else ""
        if row["direction"] == "unchanged":
            lines.append(f"{row['label']} stayed at {now}" + (f" ({basis})." if basis else "."))
            continue
        size = abs(row["change"]) if row["change"] is not None else None
        by = "" if size is None else " " + (points(size) if kind == "share" else change(size)).lstrip("+")
        lines.append(f"{row['label']} {_VERBS[row['direction']]}{by} to {now} ({row['compared_with']}: {before}" + (f"; {basis})." if basis else ")."))
    if skipped:
        lines.append(f"Not compared: {' and '.join(skipped)} ({same}: they cannot move).")
    return lines


def changes_html(summary: dict):
    """The change sentences as a list, or one line saying there is no previous period to compare with."""
    lines = change_sentences(summary)
    if not lines:
        return html.show(html.paragraph("No previous period in the data to compare with.", "custlab-missing"))
    window = summary.get("window_months")
    intro = f"Against the previous period (both over {window} months):" if window else "Against the previous period:"
    return html.show(html.paragraph(intro) + html.bullets(lines))


def actions_table(summary: dict) -> pd.DataFrame:
    """The recommended actions, largest amount at stake first: what to do, for how many customers, worth what."""
    rows = summary.get("actions") or []
    return pd.DataFrame({
        "What to do": [a["title"] for a in rows],
        "Customers": [a["customers"] for a in rows],
        "At stake": [a["amount"] for a in rows],
        "Which is": [a["measure"] for a in rows],
    })  # fmt: skip


def actions_html(summary: dict):
    """The actions table, each action linked to the list of its customers in the report."""
    table = actions_table(summary)
    if table.empty:
        return html.show(html.paragraph("No action stands out this period: no customer carries a flag that calls for one."))
    links = {"What to do": pd.Series([a["link"] for a in summary["actions"]], index=table.index, dtype=object)}
    return html.show(html.table(table, {"Customers": "count", "At stake": "money"}, currency=summary.get("currency", ""), links=links))


def churn_risk_table(customers: pd.DataFrame, limit: int = 25) -> pd.DataFrame:
    """Key and important customers at churn risk, most profit at risk first, with why (the
    probability of still being a customer only where a purchase model was fitted)."""
    at_risk = largest_where(customers, customers["churn_risk"], "value_at_risk", limit)
    columns = {"Tier": "tier", "Value at risk": "value_at_risk", "Months silent": "months_since_purchase",
               "Usually buys every (months)": "months_per_order", "Probability still a customer": "p_alive"}  # fmt: skip
    return customer_list(at_risk, {header: at_risk[c] for header, c in columns.items() if c in at_risk})


def churn_risk_note(summary: dict) -> str:
    """How many are at churn risk in all and what they earned, under the list (which shows the largest)."""
    total = summary.get("churn_risk_count")
    if not total:
        return "No key or important customer is at churn risk this period."
    return (f"{count(total)} key and important customers are at churn risk in all; they earned "
            f"{money(summary.get('value_at_risk'), summary.get('currency', ''))} of profit over the window.")  # fmt: skip
