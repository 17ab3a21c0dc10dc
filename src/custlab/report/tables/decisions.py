"""What changed and what to do: the report's first section, in words computed from the numbers."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.risk import buying_habit
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


def _size(size: float, kind: str) -> str:
    """An unsigned change as shown ("2.4%", "0.6 pts"); one that rounds to nothing reads "less than 0.1 pts"."""
    text = (points(size) if kind == "share" else change(size)).lstrip("+")
    if float(text.split("%")[0].split(" ")[0]) == 0:
        return "less than 0.1 pts" if kind == "share" else "less than 0.1%"
    return text


def _year_clause(row: dict | None, currency: str) -> str:
    """"; a year earlier (2025-10): USD 6,100,000, up 6.2% since" for one measure (empty without that period)."""
    if not row:
        return ""
    before = _figure(row["before"], row["kind"], currency)
    if row["direction"] == "unchanged":
        moved = "the same"
    else:
        way = "up" if row["direction"] == "up" else "down"
        size = None if row["change"] is None else abs(row["change"])
        moved = way if size is None else f"{way} {_size(size, row['kind'])} since"
    return f"; a year earlier ({row['compared_with']}): {before}, {moved}"


def change_sentences(summary: dict) -> list[str]:
    """One sentence per headline measure against the previous period and, where the data reach it,
    the same period a year earlier, e.g. "Customer profit fell 0.1% to USD 6,477,784 (2026-09:
    USD 6,481,782; a year earlier (2025-10): USD 6,100,000, up 6.2%)." Shares change in points; the
    verb follows the sign. A figure resting on an assumed margin says so; margin and loss-making
    share are not compared when every customer carries the same assumed margin."""
    currency = summary.get("currency", "")
    assumed, same = assumed_notes(summary)
    one_margin = bool(same) and same != assumed
    year = {row["measure"]: row for row in summary.get("changes_year") or []}
    lines, skipped = [], []
    for row in summary.get("changes") or list(year.values()):
        kind, measure = row["kind"], row["measure"]
        if one_margin and measure in ("profit_margin", "loss_making_share"):
            skipped.append(row["label"].lower())
            continue
        now, before = _figure(row["now"], kind, currency), _figure(row["before"], kind, currency)
        basis = f"; {assumed}" if assumed and measure in _ON_THE_MARGIN else ""
        a_year = _year_clause(year.get(measure), currency) if year.get(measure) is not row else ""
        if row["direction"] == "unchanged":
            note = f"{a_year}{basis}".removeprefix("; ")
            lines.append(f"{row['label']} stayed at {now}" + (f" ({note})." if note else "."))
            continue
        size = abs(row["change"]) if row["change"] is not None else None
        by = "" if size is None else " " + ("by " if _size(size, kind).startswith("less") else "") + _size(size, kind)
        lines.append(f"{row['label']} {_VERBS[row['direction']]}{by} to {now} ({row['compared_with']}: {before}{a_year}{basis}).")
    if skipped:
        lines.append(f"Not compared: {' and '.join(skipped)} ({same}: they cannot move).")
    return lines


def changes_html(summary: dict):
    """The change sentences as a list, or one line saying there is no previous period to compare with."""
    lines = change_sentences(summary)
    if not lines:
        return html.show(html.paragraph("No previous period in the data to compare with.", "custlab-missing"))
    window = summary.get("window_months")
    against = "the previous period" if summary.get("changes") else "the same period a year earlier"
    if summary.get("changes") and summary.get("changes_year"):
        against += " and the same period a year earlier"
    intro = f"Against {against} (each over {window} months):" if window else f"Against {against}:"
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
               "Probability still a customer": "p_alive"}  # fmt: skip
    shown = {header: at_risk[c] for header, c in columns.items() if c in at_risk}
    if "months_per_order" in at_risk:
        shown = {**dict(list(shown.items())[:3]), "Usually buys": at_risk["months_per_order"].map(buying_habit, na_action="ignore"),
                 **dict(list(shown.items())[3:])}  # fmt: skip
    return customer_list(at_risk, shown)


def churn_risk_note(summary: dict) -> str:
    """How many are at churn risk in all and what they earned, under the list (which shows the largest)."""
    total = summary.get("churn_risk_count")
    if not total:
        return "No key or important customer is at churn risk this period."
    return (f"{count(total)} key and important customers are at churn risk in all; they earned "
            f"{money(summary.get('value_at_risk'), summary.get('currency', ''))} of profit over the window.")  # fmt: skip
