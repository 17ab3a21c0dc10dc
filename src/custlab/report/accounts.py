"""One page per key account: what a key-account manager takes into a meeting.

For key and important customers (up to ``settings.max_account_pages``, the
risk-flagged first, see :func:`select_account_sheets`) a compact, self-contained HTML page:
revenue and profit month by month, the profit waterfall of the window, tier
history, receivables ageing, risk flags with reasons, satisfaction if known.
Every text from the data is escaped; the chart is inline SVG (no scripts).
"""

from __future__ import annotations

import html

import pandas as pd

from custlab.analysis.account_sheets import account_file_name, has_account_sheet
from custlab.analysis.profit import COST_TERMS
from custlab.report.format import money, percent
from custlab.report.html import csp_meta

def monthly_history(months: pd.DataFrame, through: str | None = None) -> pd.DataFrame:
    """Revenue and contribution (before credit) per month of one customer, every month from its
    first to ``through`` (the report's last day; its silent months show as empty months)."""
    frame = months.copy()
    if not frame.empty:
        frame["month"] = pd.to_datetime(frame["month"])
        last = frame["month"].max() if through is None else max(frame["month"].max(), pd.Timestamp(through).to_period("M").to_timestamp())
        every = pd.date_range(frame["month"].min(), last, freq="MS")
        frame = frame.set_index("month").reindex(every).rename_axis("month").reset_index()
        # months without a row bought nothing: their amounts are 0 (text columns such as the id stay empty)
        amounts = frame.select_dtypes("number").columns
        frame[amounts] = frame[amounts].fillna(0.0)
    frame["contribution"] = (
        frame["revenue"] - frame["cogs"].fillna(0) - frame["discount"] - frame["channel_fee"] - frame["cost_to_serve"]
    )
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return frame[["month", "revenue", "contribution", "orders", "open_receivables", "overdue_receivables"]]


def svg_bars(history: pd.DataFrame, width: int = 640, height: int = 160) -> str:
    """Inline SVG: revenue bars with contribution bars inside, one pair per month."""
    if history.empty:
        return "<p>No monthly history.</p>"
    top = max(float(history["revenue"].max()), float(history["contribution"].max()), 1.0)
    bottom = min(float(history["contribution"].min()), 0.0)
    span = top - bottom
    step = width / len(history)
    zero = height * top / span
    parts = [f'<svg width="{width}" height="{height + 18}" role="img" aria-label="Revenue and contribution per month">']
    for i, row in enumerate(history.itertuples()):
        x = i * step
        for value, color, inset in ((row.revenue, "#9aa5b1", 1), (row.contribution, "#30638e" if row.contribution >= 0 else "#d1495b", step * 0.25)):
            h = abs(value) / span * height
            y = zero - h if value >= 0 else zero
            parts.append(f'<rect x="{x + inset:.1f}" y="{y:.1f}" width="{max(step - 2 * inset, 1):.1f}" height="{h:.1f}" fill="{color}"/>')
    parts.append(f'<line x1="0" x2="{width}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="black" stroke-width="0.5"/>')
    parts.append(f'<text x="0" y="{height + 14}" font-size="10">{html.escape(history["month"].iloc[0])}</text>')
    parts.append(f'<text x="{width}" y="{height + 14}" font-size="10" text-anchor="end">{html.escape(history["month"].iloc[-1])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows) + "</table>"


def render_account_page(customer: pd.Series, months: pd.DataFrame, tiers: pd.DataFrame, company: str, period_title: str, currency: str,
                        through: str | None = None) -> str:  # fmt: skip
    """The HTML page of one account; its monthly chart runs to ``through`` (the report's last day)."""
    name = customer.get("name")
    label = f"{customer['customer_id']}" + (f" — {name}" if isinstance(name, str) and name else "")
    history = monthly_history(months, through)
    waterfall = [("Revenue", money(customer["revenue"], currency))] + [
        (text, money(-customer[term], currency)) for term, text in COST_TERMS.items()
    ] + [("Customer profit", money(customer["profit"], currency)), ("Profit margin", percent(customer.get("profit_margin")))]
    tier_rows = [(str(r.period), str(r.tier)) for r in tiers.sort_values("period").itertuples()]
    ageing = [
        ("Current", customer.get("ar_current", 0.0)), ("1-30 days", customer.get("ar_1_30", 0.0)),
        ("31-60 days", customer.get("ar_31_60", 0.0)), ("61-90 days", customer.get("ar_61_90", 0.0)),
        ("Over 90 days", customer.get("ar_over_90", 0.0)),
    ]  # fmt: skip
    facts = [
        ("Tier", f"{customer['tier']} ({customer.get('tier_reason', '')})"),
        ("Kind", str(customer.get("kind", "") or "unknown")),
        ("Lifetime value", money(customer.get("clv"), currency)),
        ("Probability still a customer", percent(customer.get("p_alive"))),
        ("DSO", "n/a" if pd.isna(customer.get("dso_days")) else f"{customer['dso_days']:.0f} days"),
        ("Expected credit loss", money(customer.get("expected_credit_loss"), currency)),
        ("Latest satisfaction", "not surveyed" if pd.isna(customer.get("last_satisfaction")) else f"{customer['last_satisfaction']:g}"),
    ]
    risks = str(customer.get("risk_reasons") or "") or "No risk flag."
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{csp_meta()}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(label)} — {html.escape(company)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:900px;margin:1.5em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:.5em 0}}th,td{{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}}
td{{text-align:right}}.grid{{display:flex;gap:2em;flex-wrap:wrap}}.risk{{background:#fff4e5;padding:.5em 1em;border-left:4px solid #edae49}}</style>
</head><body>
<p><a href="../index.html">&larr; Back to the report</a></p>
<h1>{html.escape(label)}</h1>
<p>{html.escape(company)} — account sheet, {html.escape(period_title)}</p>
<h2>Risks</h2><p class="risk">{html.escape(risks)}</p>
<div class="grid"><div><h2>Key facts</h2>{_table(facts)}</div><div><h2>Profit over the window</h2>{_table(waterfall)}</div></div>
<h2>Revenue (grey) and contribution before credit (blue; red when negative), month by month</h2>
{svg_bars(history)}
<div class="grid"><div><h2>Receivables ageing</h2>{_table([(k, money(v, currency)) for k, v in ageing])}</div>
<div><h2>Tier history</h2>{_table(tier_rows) if tier_rows else "<p>No history.</p>"}</div></div>
</body></html>
"""


def write_account_pages(result, folder) -> dict[str, str]:
    """Write one page per customer with ``account_sheet`` into ``folder``; return id -> file name.

    Results without that column (saved by older versions) get a page for every
    key and important customer.
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = result.summary
    customers = result.customers
    accounts = customers[has_account_sheet(customers)]
    months = result.account_months.astype({"customer_id": str}) if not result.account_months.empty else result.account_months
    tiers = result.account_tiers.astype({"customer_id": str}) if not result.account_tiers.empty else result.account_tiers
    by_months = dict(tuple(months.groupby("customer_id"))) if not months.empty else {}
    by_tiers = dict(tuple(tiers.groupby("customer_id"))) if not tiers.empty else {}
    empty_months = pd.DataFrame(columns=["month", "revenue", "cogs", "discount", "channel_fee", "cost_to_serve", "orders", "open_receivables", "overdue_receivables"])
    written = {}
    for _, customer in accounts.iterrows():
        cid = str(customer["customer_id"])
        page = render_account_page(
            customer, by_months.get(cid, empty_months), by_tiers.get(cid, pd.DataFrame(columns=["period", "tier"])),
            summary["company"], summary["period_title"], summary["currency"], summary.get("window_end"),
        )  # fmt: skip
        name = account_file_name(cid)
        (folder / name).write_text(page, encoding="utf-8")
        written[cid] = name
    return written
