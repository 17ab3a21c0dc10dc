"""One page per key account: what a key-account manager takes into a meeting.

For key and important customers (up to ``settings.max_account_pages``, the
risk-flagged first, see :func:`select_account_sheets`) a compact, self-contained HTML page:
revenue and profit month by month, the profit waterfall of the window, tier
history, receivables ageing, risk flags with reasons, satisfaction if known.
Every text from the data is escaped; the chart is inline SVG (no scripts).
"""

from __future__ import annotations

import html
import math

import pandas as pd

from custlab.analysis.account_sheets import PEER_MEASURES, account_file_name, has_account_sheet, peer_measures
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


def _nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (an axis's last tick)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def svg_bars(history: pd.DataFrame, currency: str = "", width: int = 640, height: int = 180) -> str:
    """Inline SVG: revenue bars with contribution bars inside, one pair per month, with a money
    axis (0, the top and, when a month lost money, the bottom) and the months labelled (every
    January and the first and last month; every month when there are few). Scales to its box."""
    if history.empty:
        return "<p>No monthly history.</p>"
    left, top_pad, bottom_pad, right_pad = 70, 8, 22, 4
    top = _nice_top(max(float(history["revenue"].max()), float(history["contribution"].max()), 0.0))
    low = -_nice_top(-min(float(history["contribution"].min()), 0.0)) if float(history["contribution"].min()) < 0 else 0.0
    span = top - low
    plot_width = width - left - right_pad
    step = plot_width / len(history)

    def y(value: float) -> float:
        return top_pad + (height - top_pad) * (top - value) / span

    label = f"Revenue and contribution per month, {history['month'].iloc[0]} to {history['month'].iloc[-1]}"
    parts = [f'<svg viewBox="0 0 {width} {height + bottom_pad}" width="100%" style="max-width:{width}px" role="img" aria-label="{html.escape(label)}">']
    for tick in sorted({top, 0.0, low}):
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ccc" stroke-width="0.5"/>')
        parts.append(f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{html.escape(money(tick, currency))}</text>')
    for i, row in enumerate(history.itertuples()):
        x = left + i * step
        for value, color, inset in ((row.revenue, "#9aa5b1", 1), (row.contribution, "#0072b2" if row.contribution >= 0 else "#d55e00", step * 0.25)):
            top_edge, h = (y(value), y(0) - y(value)) if value >= 0 else (y(0), y(value) - y(0))
            parts.append(f'<rect x="{x + inset:.1f}" y="{top_edge:.1f}" width="{max(step - 2 * inset, 1):.1f}" height="{h:.1f}" fill="{color}"/>')
    parts.append(f'<line x1="{left}" x2="{width}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="black" stroke-width="0.7"/>')
    months = list(history["month"])
    every = len(months) <= 8
    labelled = [i for i, m in enumerate(months) if every or m.endswith("-01") or i in (0, len(months) - 1)]
    next_x = 1e9
    for i in reversed(labelled):  # from the report's month back: the latest months keep their labels
        x = min(left + (i + 0.5) * step, width - 22)  # the last month's label stays inside the picture
        if next_x - x < 48:  # a label needs about 48 px: skip one that would touch the next
            continue
        parts.append(f'<text x="{x:.1f}" y="{height + 15}" font-size="11" text-anchor="middle">{html.escape(months[i])}</text>')
        next_x = x
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[tuple[str, ...]], head: tuple[str, ...] = ()) -> str:
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" if head else ""
    body = "".join("<tr><th>" + html.escape(row[0]) + "</th>" + "".join(f"<td>{html.escape(v)}</td>" for v in row[1:]) + "</tr>" for row in rows)
    return f"<table>{header}{body}</table>"


def _peer_figure(value, kind: str) -> str:
    if kind == "days":
        return "n/a" if value is None or pd.isna(value) else f"{value:.0f} days"
    return percent(value)


def peer_rows(customer: pd.Series, peers: dict) -> list[tuple[str, str, str]]:
    """(measure, this customer, median of its tier) for each of the tier-peer measures the data have."""
    own = peer_measures(customer.to_frame().T).iloc[0]
    tier = peers.get(str(customer["tier"])) or {}
    rows = []
    for key, (label, kind, _) in PEER_MEASURES.items():
        if tier.get(key) is None:  # not in the data (or no peer has it)
            continue
        rows.append((label, _peer_figure(own[key], kind), _peer_figure(tier[key], kind)))
    return rows


def previous_rows(tiers: pd.DataFrame, period: str, previous: str | None, currency: str) -> list[tuple[str, str, str]]:
    """(measure, now, the previous period) of tier, revenue, profit and overdue receivables."""
    by_period = tiers.set_index("period")
    now = by_period.loc[period] if period in by_period.index else None
    before = by_period.loc[previous] if previous and previous in by_period.index else None
    if now is None:
        return []
    rows = [("Tier", str(now["tier"]), "not a customer yet" if before is None else str(before["tier"]))]
    for column, label in (("revenue", "Revenue"), ("profit", "Customer profit"), ("overdue_receivables", "Overdue receivables")):
        if column in by_period and not pd.isna(now.get(column)):
            rows.append((label, money(now[column], currency), "n/a" if before is None else money(before.get(column), currency)))
    return rows


def render_account_page(customer: pd.Series, months: pd.DataFrame, tiers: pd.DataFrame, summary: dict) -> str:
    """The HTML page of one account: next step, risks, the customer against its tier's peers and the
    previous period, profit, the monthly chart to the report's last day, receivables and tier history."""
    company, currency = summary["company"], summary["currency"]
    name = customer.get("name")
    label = f"{customer['customer_id']}" + (f" — {name}" if isinstance(name, str) and name else "")
    history = monthly_history(months, summary.get("window_end"))
    waterfall = [("Revenue", money(customer["revenue"], currency))] + [
        (text, money(-customer[term], currency)) for term, text in COST_TERMS.items()
    ] + [("Customer profit", money(customer["profit"], currency)), ("Profit margin", percent(customer.get("profit_margin")))]
    tier_rows = [(str(r.period), str(r.tier)) for r in tiers.sort_values("period").itertuples()]
    ageing = [
        ("Current", customer.get("ar_current")), ("1-30 days", customer.get("ar_1_30")),
        ("31-60 days", customer.get("ar_31_60")), ("61-90 days", customer.get("ar_61_90")),
        ("Over 90 days", customer.get("ar_over_90")),
    ]  # fmt: skip
    facts = [
        ("Tier", f"{customer['tier']} ({customer.get('tier_reason', '')})"),
        ("Kind", str(customer.get("kind", "") or "unknown")),
        ("Lifetime value", money(customer.get("clv"), currency)),
        ("Probability still a customer", percent(customer.get("p_alive"))),
        ("Months since last purchase", "n/a" if pd.isna(customer.get("months_since_purchase")) else f"{customer['months_since_purchase']:.0f}"),
        ("DSO", "n/a" if pd.isna(customer.get("dso_days")) else f"{customer['dso_days']:.0f} days"),
        ("Expected credit loss", money(customer.get("expected_credit_loss"), currency)),
        ("Latest satisfaction", "not surveyed" if pd.isna(customer.get("last_satisfaction")) else f"{customer['last_satisfaction']:g}"),
    ]
    risks = str(customer.get("risk_reasons") or "") or "No risk flag."
    step = str(customer.get("next_step") or "") or f"No flag calls for action: serve them as the {customer['tier']} tier's policy says."
    at_risk = customer.get("money_at_risk")
    stake = f" Money at risk: {money(at_risk, currency)}." if not pd.isna(at_risk) and at_risk > 0 else ""
    peers = peer_rows(customer, summary.get("tier_peers") or {})
    previous = previous_rows(tiers, summary["period"], summary.get("previous_period"), currency) if "revenue" in tiers else []
    receivables_known = (summary.get("inputs_met") or {}).get("receivables", True)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{csp_meta()}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(label)} — {html.escape(company)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:900px;margin:1.5em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:.5em 0}}th,td{{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}}
td{{text-align:right;white-space:nowrap}}.grid{{display:flex;gap:2em;flex-wrap:wrap}}
.risk{{background:#fff4e5;padding:.5em 1em;border-left:4px solid #e69f00}}.step{{background:#e8f1fa;padding:.5em 1em;border-left:4px solid #0072b2}}</style>
</head><body>
<p><a href="../index.html">&larr; Back to the report</a> · <a href="index.html">All account sheets</a></p>
<h1>{html.escape(label)}</h1>
<p>{html.escape(company)} — account sheet, {html.escape(summary["period_title"])}</p>
<h2>Next step</h2><p class="step">{html.escape(step + stake)}</p>
<h2>Risks</h2><p class="risk">{html.escape(risks)}</p>
<div class="grid"><div><h2>Against its tier</h2>{_table(peers, ("Measure", "This customer", f"Median {customer['tier']} customer")) if peers else "<p>No figure to compare.</p>"}</div>
<div><h2>Against the previous period</h2>{_table(previous, ("Measure", summary["period"], str(summary.get("previous_period") or ""))) if previous else "<p>No previous period in the data.</p>"}</div></div>
<div class="grid"><div><h2>Key facts</h2>{_table(facts)}</div><div><h2>Profit over the window</h2>{_table(waterfall)}</div></div>
<h2>Revenue (grey) and contribution before credit (blue; orange when negative), month by month</h2>
{svg_bars(history, currency)}
<div class="grid"><div><h2>Receivables ageing</h2>{_table([(k, money(v, currency)) for k, v in ageing]) if receivables_known else "<p>Receivables are not in the data.</p>"}</div>
<div><h2>Tier history</h2>{_table(tier_rows) if tier_rows else "<p>No history.</p>"}</div></div>
</body></html>
"""


def write_account_pages(result, folder) -> dict[str, str]:
    """Write one page per customer with ``account_sheet`` into ``folder``, and ``index.html`` listing
    them (when there is any); return id -> file name.

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
            customer, by_months.get(cid, empty_months), by_tiers.get(cid, pd.DataFrame(columns=["period", "tier"])), summary
        )
        name = account_file_name(cid)
        (folder / name).write_text(page, encoding="utf-8")
        written[cid] = name
    if written:
        (folder / "index.html").write_text(render_account_index(accounts, summary), encoding="utf-8")
    return written


#: The flags the account index filters by: column -> label.
INDEX_FLAGS = {
    "churn_risk": "May have gone", "lean_big": "Lean big", "big_debtor": "Big debtor", "price_pressure": "Price pressure",
    "cost_to_serve_rising": "Rising cost to serve", "dependence_risk": "Dependence", "territory_breach": "Outside territory",
}  # fmt: skip


def _filters(name: str, options: list[tuple[str, str]]) -> tuple[str, str]:
    """Radio buttons of one filter (markup) and the CSS that hides the rows they exclude: a row
    shows when it has the class of the checked option. CSS only, so the page runs no script."""
    inputs, rules = [], []
    for i, (css_class, label) in enumerate([("", "All"), *options]):
        ident = f"{name}-{i}"
        checked = " checked" if i == 0 else ""
        inputs.append(f'<input type="radio" name="{name}" id="{ident}"{checked}><label for="{ident}">{html.escape(label)}</label>')
        if css_class:
            rules.append(f"body:has(#{ident}:checked) tbody tr:not(.{css_class}){{display:none}}")
    return "".join(inputs), "".join(rules)


def render_account_index(accounts: pd.DataFrame, summary: dict) -> str:
    """``accounts/index.html``: every account sheet with tier, money at risk, profit, flags and next
    step, most money at risk first, filtered by tier and flag (radio buttons and CSS, no script)."""
    currency = summary["currency"]
    flags = [c for c in INDEX_FLAGS if c in accounts and accounts[c].notna().any()]
    at_risk = accounts["money_at_risk"] if "money_at_risk" in accounts else pd.Series(0.0, index=accounts.index)
    ordered = accounts.assign(_at_risk=at_risk.fillna(0.0)).sort_values(["_at_risk", "revenue"], ascending=False)
    tiers = [t for t in ("key", "important", "maintenance", "general", "invalid") if t in set(ordered["tier"].astype(str))]
    rows = []
    for _, c in ordered.iterrows():
        on = [f for f in flags if bool(c.get(f)) and not pd.isna(c.get(f))]
        classes = " ".join([f"t-{tiers.index(str(c['tier']))}", *(f"f-{flags.index(f)}" for f in on), "flagged" if on else "unflagged"])
        name = c.get("name")
        rows.append(
            f'<tr class="{classes}"><td class="txt"><a href="{html.escape(account_file_name(c["customer_id"]))}">{html.escape(str(c["customer_id"]))}</a></td>'
            f'<td class="txt">{html.escape(name if isinstance(name, str) else "")}</td><td class="txt">{html.escape(str(c["tier"]))}</td>'
            f'<td class="num">{html.escape(money(c["_at_risk"], currency))}</td><td class="num">{html.escape(money(c["revenue"], currency))}</td>'
            f'<td class="num">{html.escape(money(c["profit"], currency))}</td><td class="txt">{html.escape(", ".join(INDEX_FLAGS[f] for f in on) or "none")}</td>'
            f'<td class="txt">{html.escape(str(c.get("next_step") or ""))}</td></tr>'
        )
    tier_inputs, tier_css = _filters("tier", [(f"t-{i}", t.capitalize()) for i, t in enumerate(tiers)])
    flag_inputs, flag_css = _filters("flag", [("flagged", "Any flag"), *((f"f-{i}", INDEX_FLAGS[f]) for i, f in enumerate(flags)), ("unflagged", "No flag")])
    title = f"{summary['company']} — account sheets, {summary['period_title']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{csp_meta()}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;counter-reset:shown}}
.scroll{{overflow-x:auto}}table{{border-collapse:collapse;width:100%}}th,td{{padding:3px 8px;border-bottom:1px solid #eee;vertical-align:top}}
.num{{text-align:right;white-space:nowrap}}.txt{{text-align:left}}fieldset{{border:0;padding:0;margin:.4em 0}}
legend{{font-weight:600;float:left;margin-right:.6em}}label{{margin:0 .8em 0 .2em}}
tbody tr{{counter-increment:shown}}.shown::after{{content:counter(shown)}}{tier_css}{flag_css}</style>
</head><body>
<p><a href="../index.html">&larr; Back to the report</a></p>
<h1>{html.escape(title)}</h1>
<p>Every account with a sheet: key and important customers, the lean big ones and those who may have gone. Most money at risk first: the largest of the profit that leaves if the customer has gone, the margin to recover and the overdue receivables.</p>
<fieldset><legend>Tier</legend>{tier_inputs}</fieldset>
<fieldset><legend>Flag</legend>{flag_inputs}</fieldset>
<div class="scroll"><table><thead><tr><th class="txt">Customer</th><th class="txt">Name</th><th class="txt">Tier</th><th class="num">Money at risk</th>
<th class="num">Revenue</th><th class="num">Customer profit</th><th class="txt">Flags</th><th class="txt">Next step</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>
<p>Accounts shown: <span class="shown" id="shown"></span> of {len(rows):,}.</p>
</body></html>
"""
