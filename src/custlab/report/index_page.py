"""The index page of all published reports: ``<out>/index.html``, newest first.

Built from each published folder's ``summary.json``; rewritten (atomically)
after every publication. Self-contained: no script, no external file.
"""

from __future__ import annotations

import json
from pathlib import Path

from custlab import io
from custlab.periods import parse_period
from custlab.report.format import count, money, percent
from custlab.report.html import csp_meta, escape


def published_reports(out: Path) -> list[dict]:
    """Summaries of every published report under ``out``, newest period first."""
    found = []
    for summary_path in Path(out).glob("*/summary.json"):
        folder = summary_path.parent
        if folder.name.startswith(("_", ".")):
            continue
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            period = parse_period(summary["period"])
        except (OSError, ValueError, KeyError):
            continue
        found.append({"folder": folder.name, "period": period, "summary": summary})
    return sorted(found, key=lambda r: (r["period"].end, r["period"].months, r["folder"]), reverse=True)


def render_index(reports: list[dict]) -> str:
    """The HTML of the index page."""
    rows = []
    for report in reports:
        s = report["summary"]
        currency = s.get("currency", "")
        kind = s.get("kind", "all")
        rows.append(
            "<tr>"
            f'<td><a href="{escape(report["folder"])}/index.html">{escape(report["period"].title())}</a></td>'
            f"<td>{escape('month' if report['period'].months == 1 else 'quarter')}</td>"
            f"<td>{escape('all customers' if kind in ('all', '', None) else f'{kind} customers')}</td>"
            f"<td>{escape(count(s.get('customers')))}</td>"
            f"<td>{escape(money(s.get('revenue'), currency))}</td>"
            f"<td>{escape(money(s.get('profit'), currency))}</td>"
            f"<td>{escape(percent(s.get('loss_making_share')))}</td>"
            f"<td>{escape(percent(s.get('top20_profit_share'), 0))}</td>"
            f"<td>{escape(percent(s.get('retention_rate')))}</td>"
            "</tr>"
        )
    company = escape(reports[0]["summary"].get("company", "")) if reports else ""
    body = "".join(rows) or '<tr><td colspan="9">No report published yet.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{csp_meta()}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{company} — customer reports</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;width:100%}}th,td{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2),th:nth-child(3),td:nth-child(3){{text-align:left}}</style>
</head><body><h1>{company} — customer reports</h1>
<p>Every published period, newest first, with its headline figures.</p>
<table><tr><th>Period</th><th>Length</th><th>Scope</th><th>Active customers</th><th>Revenue</th>
<th>Customer profit</th><th>Loss-making</th><th>Top 20% share of profit</th><th>Retention</th></tr>
{body}</table></body></html>
"""


def write_index(out: Path) -> Path:
    """Rewrite ``<out>/index.html`` from the published folders, atomically."""
    target = Path(out) / "index.html"
    io.write_text_atomically(target, render_index(published_reports(Path(out))))
    return target
