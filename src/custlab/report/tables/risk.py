"""Key-account risk: concentration tiles, receivables ageing, flagged accounts."""

from __future__ import annotations

import pandas as pd

from custlab.analysis.account_sheets import has_account_sheet, risk_flagged, sheet_candidates
from custlab.analysis.tiers import TIERS
from custlab.report import html
from custlab.report.format import count, money, percent
from custlab.report.tables._format import customer_list, missing


def tiles_html(tiles: list[tuple[str, ...]]) -> str:
    """Tiles of (label, formatted value) or (label, formatted value, note), escaped; a note says what
    the figure rests on (an assumption) or why it is missing."""
    body = []
    for label, value, *rest in tiles:
        note = f'<div class="note">{html.escape(rest[0])}</div>' if rest and rest[0] else ""
        body.append(f'<div class="custlab-tile"><div class="value">{html.escape(value)}</div>'
                    f'<div class="label">{html.escape(label)}</div>{note}</div>')  # fmt: skip
    return f'<div class="custlab-tiles">{"".join(body)}</div>'


def concentration_tiles_html(summary: dict):
    """Concentration and credit figures as tiles; without receivables, one line says what is missing."""
    currency = summary.get("currency", "")
    tiles = [
        ("Largest customer: share of revenue", percent(summary.get("top1_revenue_share"))),
        ("Top 10 customers: share of revenue", percent(summary.get("top10_revenue_share"))),
        ("Top 20 customers: share of profit", percent(summary.get("top20_customers_profit_share"))),
        ("HHI of customer revenue", count(summary.get("hhi"))),
        ("Effective number of customers", count(summary.get("effective_customers"))),
        ("Customers at 10%+ of revenue", count(summary.get("dependence_count"))),
    ]
    line = missing(summary, "receivables")
    if not line:
        dso = summary.get("dso_days")
        tiles += [
            ("Days sales outstanding", "n/a" if dso is None else f"{dso:.0f} days"),
            ("Overdue receivables", money(summary.get("overdue_receivables"), currency)),
            ("Expected credit loss", money(summary.get("expected_credit_loss"), currency)),
            ("Big debtors", count(summary.get("big_debtor_count"))),
        ]
    return html.show(tiles_html(tiles) + (html.paragraph(line, "custlab-missing") if line else ""))


#: The ageing buckets' columns and their headers.
AGEING_COLUMNS = {"ar_current": "Current", "ar_1_30": "1-30 days", "ar_31_60": "31-60 days", "ar_61_90": "61-90 days", "ar_over_90": "Over 90 days"}


def ageing_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Open receivables per ageing bucket and tier, with the expected credit loss."""
    columns = AGEING_COLUMNS
    table = customers.groupby("tier")[[*columns, "expected_credit_loss"]].sum().rename(columns={**columns, "expected_credit_loss": "Expected credit loss"})
    table = table.reindex([t for t in TIERS if t in table.index])
    table.loc["all"] = table.sum()
    return table


def style_ageing(table: pd.DataFrame, currency: str = ""):
    """:func:`ageing_table` for reading."""
    shown = table.set_axis([str(t).capitalize() for t in table.index], axis="index")
    return html.show(html.table(shown, {c: "money" for c in shown.columns}, currency=currency, index="Tier"))


#: The risk flags that need more than transactions, with the need (see :mod:`custlab.analysis.inputs`).
FLAG_NEEDS = {"big debtors": "receivables", "rising cost to serve": "service", "price pressure": "price_terms",
              "purchases outside the territory": "regions"}  # fmt: skip


def unchecked_flags(summary: dict | None) -> str:
    """A sentence naming the risk flags the data could not check (empty when every flag was checked)."""
    if not summary:
        return ""
    names = [name for name, need in FLAG_NEEDS.items() if missing(summary, need)]
    return f"Not checked, for want of data: {', '.join(names)}." if names else ""


#: Columns of the flagged accounts table, when present.
FLAGGED_COLUMNS = ("customer_id", "name", "tier", "revenue", "profit", "risk_reasons", "account_sheet", "money_at_risk", "next_step",
                   "lean_big", "churn_risk")  # fmt: skip


def _candidates(customers: pd.DataFrame) -> pd.DataFrame:
    """The sheet candidates, with the flagged table's columns only (rows filtered in 11 columns, not 80)."""
    return customers[[c for c in FLAGGED_COLUMNS if c in customers]][sheet_candidates(customers)]


def flagged_accounts(customers: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The ``limit`` risk-flagged sheet candidates with the most money at risk (then revenue), ties
    in file order; only the table's columns."""
    accounts = _candidates(customers)
    order = [c for c in ("money_at_risk", "revenue") if c in accounts]
    return accounts[risk_flagged(accounts)].sort_values(order, ascending=False, kind="stable").head(limit)


def flagged_totals(customers: pd.DataFrame) -> dict[str, int]:
    """How many sheet candidates carry a risk flag (``flagged``) and how many have a sheet (``sheets``)."""
    accounts = _candidates(customers)
    return {"flagged": int(risk_flagged(accounts).sum()), "sheets": int(has_account_sheet(accounts).sum())}


def flagged_accounts_html(customers: pd.DataFrame, account_pages: bool = True, limit: int = 40, currency: str = "",
                          summary: dict | None = None, totals: dict | None = None):  # fmt: skip
    """The accounts with a risk flag (key and important customers, and the lean big ones and those
    who may have gone whatever their tier), most money at risk first, with the next step each calls
    for, linked to their account sheets.

    A customer is linked when it has a sheet (``account_sheet``; results
    without that column link every row); the note under the table says how
    many flagged accounts there are in all, how many have a sheet, and which
    flags the data could not check (``summary``). ``customers`` may hold only the
    rows the report lists (see :mod:`custlab.report.extract`), with ``totals``
    (:func:`flagged_totals` of the whole file) for the note.
    """
    flagged = flagged_accounts(customers, limit)
    totals = totals or flagged_totals(customers)
    unchecked = unchecked_flags(summary)
    if flagged.empty:
        checked = "No key or important account carries a risk flag among those the data allow us to check." if unchecked else "No key or important account carries a risk flag."
        return html.show(html.paragraph(f"{checked} {unchecked}".strip()))
    columns = {"Tier": flagged["tier"], "Money at risk": flagged.get("money_at_risk"), "Profit": flagged["profit"],
               "Next step": flagged.get("next_step"), "Risks": flagged["risk_reasons"]}  # fmt: skip
    table = customer_list(flagged, {k: v for k, v in columns.items() if v is not None})
    if not account_pages:
        table.attrs["links"] = {}
    note = f"{len(flagged):,} of the {totals['flagged']:,} flagged accounts shown, most money at risk first."
    if account_pages:
        note += (
            f" {totals['sheets']:,} accounts have a sheet, listed with filters by tier and flag in "
            "accounts/index.html (risk-flagged first, then by money at risk and revenue)."
        )
    markup = html.table(table, {"Money at risk": "money", "Profit": "money"}, currency=currency)
    index = '<p><a href="accounts/index.html">All account sheets, with filters by tier and flag</a></p>' if account_pages else ""
    return html.show(markup + html.paragraph(f"{note} {unchecked}".strip()) + index)


#: The key-account risks at a glance: flag -> (risk, what its amount is, the need it has beyond revenue).
RISK_GLANCE = {
    "dependence_risk": ("Dependence: a customer of 10%+ of revenue", "their revenue in the window", None),
    "big_debtor": ("Big debtors", "overdue receivables they owe", "receivables"),
    "price_pressure": ("Price pressure: discounts and fees up, margin down", "the rise in discounts and fees' share, times this window's revenue", "price_terms"),
    "cost_to_serve_rising": ("Cost to serve rising faster than revenue", "cost to serve added since the window before", "service"),
    "territory_breach": ("Buying outside their territory", "revenue delivered outside their region", "regions"),
    "churn_risk": ("Key and important customers who may have gone", "their profit in the window", None),
}  # fmt: skip


def _risk_amount(flag: str, flagged: pd.DataFrame) -> float:
    """What a risk puts at stake, summed over its flagged customers (see :data:`RISK_GLANCE`)."""
    if flag == "dependence_risk":
        return float(flagged["revenue"].sum())
    if flag == "big_debtor":
        return float(flagged["overdue_receivables"].sum())
    if flag == "price_pressure":
        return float((flagged["discount_fee_change"].clip(lower=0) * flagged["revenue"].clip(lower=0)).sum())
    if flag == "cost_to_serve_rising":
        growth = flagged["cost_to_serve_growth"]
        added = flagged["cost_to_serve"] * (growth / (1 + growth)).where(growth.notna() & (growth > -1), 1.0)  # undefined growth: from nothing
        return float(added.sum())
    if flag == "territory_breach":
        return float((flagged["outside_territory_share"].fillna(0) * flagged["revenue"]).sum())
    return float(flagged["value_at_risk"].sum())


def risk_glance_table(customers: pd.DataFrame, summary: dict) -> pd.DataFrame:
    """Every key-account risk flag with how many customers carry it and what it puts at stake;
    a flag whose input is not in the data says so instead of showing 0."""
    rows = []
    for flag, (risk, measure, need) in RISK_GLANCE.items():
        line = missing(summary, need) if need else None
        if line or flag not in customers or customers[flag].isna().all():
            rows.append({"Risk": risk, "Customers": None, "At stake": None, "Which is": "not checked: " + (line or "not in the data")})
            continue
        flagged = customers[customers[flag].fillna(False).astype(bool)]
        rows.append({"Risk": risk, "Customers": len(flagged), "At stake": _risk_amount(flag, flagged), "Which is": measure})
    return pd.DataFrame(rows)


def risk_glance_html(table: pd.DataFrame, summary: dict):
    """:func:`risk_glance_table` for reading ("n/a" where a flag could not be checked)."""
    return html.show(html.table(table, {"Customers": "count", "At stake": "money"}, currency=summary.get("currency", "")))


def style_concentration_history(history: pd.DataFrame):
    """Concentration per recent period: top 1, 10 and 20 customers' revenue share, HHI, effective customers."""
    columns = {
        "period": "Period",
        "top1_revenue_share": "Largest customer",
        "top10_revenue_share": "Top 10 customers",
        "top20_customers_revenue_share": "Top 20 customers",
        "hhi": "HHI",
        "effective_customers": "Effective customers",
    }
    table = history[[c for c in columns if c in history]].rename(columns=columns)
    kinds = {"Largest customer": "percent", "Top 10 customers": "percent", "Top 20 customers": "percent",
             "HHI": "count", "Effective customers": "count"}  # fmt: skip
    return html.show(html.table(table, kinds))
