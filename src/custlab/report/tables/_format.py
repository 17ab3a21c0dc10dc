"""What every report section shares: sentences, notes and customer lists, rendered through
:mod:`custlab.report.html` (every value escaped) with :mod:`custlab.report.format` (every
number formatted the same way)."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.account_sheets import account_file_name, has_account_sheet
from custlab.analysis.inputs import missing_line
from custlab.report import html
from custlab.report.format import money, percent

__all__ = ["money", "percent", "sentences_html", "notes_html", "largest_where", "style_customer_table", "missing",
           "when_available"]  # fmt: skip


def missing(summary: dict, *needs: str, in_place: bool = False) -> str | None:
    """The line that says what is missing for the first of ``needs`` the data do not meet (None when
    all are met); ``in_place``: the shorter form for a section, where a need has one."""
    met = summary.get("inputs_met") or {}
    return next((line for line in (missing_line(met, need, in_place) for need in needs) if line), None)


def missing_html(line: str):
    """One line saying what is missing and what would enable it, in place of a table or chart."""
    return html.show(html.paragraph(line, "custlab-missing"))


def assumed_notes(summary: dict) -> tuple[str, str]:
    """The notes of a figure resting on assumed cost of goods, and of one resting on every customer
    having the same assumed margin (``""`` where the data give the figure)."""
    met = summary.get("inputs_met") or {}
    assumed = ""
    if summary.get("assumed_gross_margin") is not None:
        assumed = f"assumed: cost of goods {1 - summary['assumed_gross_margin']:.0%} of revenue"
    same = "one assumed margin for every customer" if not met.get("margins_differ", True) else assumed
    return assumed, same


def when_available(summary: dict, needs: str | tuple[str, ...], render, /, *args, **kwargs):
    """``render(*args, **kwargs)`` when the data meet ``needs``; otherwise the one line saying what is
    missing, displayed (and None returned).

    A section never shows zeros, an empty chart or a table of headers for an
    input the company's data do not have (see :mod:`custlab.analysis.inputs`).
    """
    line = missing(summary, *((needs,) if isinstance(needs, str) else needs), in_place=True)
    if not line:
        return render(*args, **kwargs)
    # shown at once, not returned: a chart's cell ends in ";", which would hide a returned line
    from IPython.display import display

    display(missing_html(line))
    return None


def sentences_html(lines: list[str]):
    """Sentences as a bulleted list."""
    return html.show(html.bullets(lines))


def notes_html(notes: list[str]):
    """The assumptions and missing inputs as a bulleted list (or a reassurance)."""
    if not notes:
        return html.show(html.paragraph("Every profit term is computed from the company's own data; nothing is assumed."))
    return html.show(html.bullets(notes))


def largest_where(customers: pd.DataFrame, mask: pd.Series, by: str, limit: int) -> pd.DataFrame:
    """The rows of ``customers`` where ``mask`` holds, largest ``by`` first, at most ``limit``.

    The rows of ``customers[mask].sort_values(by, ascending=False, kind="stable").head(limit)``,
    in the same order, but only ``by`` is filtered and sorted and only the rows kept are
    copied whole: filtering ten million customers' hundred columns to pick 25 rows took
    seconds per table. Ties keep the file's order, so the rows the report lists
    (:mod:`custlab.report.extract`) give the same list as the whole file.
    """
    kept = customers[by][mask.fillna(False).astype(bool)].sort_values(ascending=False, kind="stable").head(limit).index
    return customers.loc[kept]


def sheet_links(frame: pd.DataFrame) -> pd.Series:
    """The account sheet of each customer of ``frame`` (``accounts/<file>.html``), None where it has none."""
    has_sheet = has_account_sheet(frame) if "tier" in frame or "account_sheet" in frame else pd.Series(False, index=frame.index)
    return pd.Series(
        [f"accounts/{account_file_name(c)}" if sheet else None for c, sheet in zip(frame["customer_id"], has_sheet)],
        index=frame.index, dtype=object,
    )  # fmt: skip


def _who(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The ``Customer`` and ``Name`` columns every customer list starts with (names may be absent)."""
    name = frame["name"].fillna("") if "name" in frame else pd.Series("", index=frame.index)
    return {"Customer": frame["customer_id"].astype(str), "Name": name}


def customer_list(frame: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """A customer list: ``Customer`` and ``Name`` first (the id linked to its account
    sheet, where it has one), then ``columns``. A list without a single name drops ``Name``."""
    table = pd.DataFrame({**_who(frame), **columns})
    if not table["Name"].astype(str).str.len().any():
        table = table.drop(columns="Name")
    table.attrs["links"] = {"Customer": sheet_links(frame).set_axis(table.index)}
    return table


#: How the columns of the customer lists read.
CUSTOMER_LIST_KINDS = {
    "Revenue": "money", "Profit": "money", "Order value": "money", "Profit in window": "money",
    "Lifetime revenue": "money", "Value at risk": "money", "Margin": "percent", "Share of revenue": "percent",
    "Revenue rank": "count", "Latest score": "score", "Probability still a customer": "percent0",
    "Months silent": "count", "Usually buys": "text",
}  # fmt: skip


def style_customer_table(table: pd.DataFrame, currency: str = "", empty: str = "None this period."):
    """A customer list for reading (money, percentages, ids linked to account sheets), or a sentence when it is empty."""
    kinds = {c: k for c, k in CUSTOMER_LIST_KINDS.items() if c in table}
    return html.show(html.table(table, kinds, currency=currency, empty=empty))
