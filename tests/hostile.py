"""A hostile-input corpus: a small demo company whose data and config carry attack payloads.

Script, event-handler and attribute-breaking payloads go into every text that
reaches the published report from data or config: customer ids and names,
regions, products, channels, quarantined cell values, the company name, the
currency and the tier policies. Spreadsheet-formula payloads go into the same
text columns, so the published csv files can be checked cell by cell.

Each script payload, if it ever ran, would set ``data-pwned`` on the page's
``<body>``: a browser test checks that the attribute stays unset.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from custlab.demo import DemoSpec, generate

#: Markup payloads: each would mark the page if the browser ran it.
SCRIPT_PAYLOADS = [
    "<script>document.body.dataset.pwned='script'</script>",
    "<img src=x onerror=\"document.body.dataset.pwned='img'\">",
    "\"><svg onload=\"document.body.dataset.pwned='svg'\">",
    "'><details open ontoggle=\"document.body.dataset.pwned='details'\">",
    "</td></tr></table><iframe srcdoc=\"<script>parent.document.body.dataset.pwned='iframe'</script>\"></iframe>",
    "javascript:document.body.dataset.pwned='href'",
]
#: Spreadsheet formula payloads (OWASP CSV injection).
FORMULA_PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(1+1)", "\tTAB", "\rCR"]
#: Text that is harmless in HTML but was not in charts: matplotlib read "$...$" as a formula.
ODD_PAYLOADS = ["$\\frac{1}{$ and $x^{", "a\u202eb (right-to-left override)"]
PAYLOADS = SCRIPT_PAYLOADS + FORMULA_PAYLOADS + ODD_PAYLOADS
SPEC = DemoSpec(customers=400, months=24, end_month="2026-10", seed=3, file_format="csv")


def _cycle(values: list[str], n: int) -> list[str]:
    return [values[i % len(values)] for i in range(n)]


def write_hostile_company(folder: Path) -> Path:
    """Write the hostile demo company to ``folder``; return its custlab.toml."""
    generate(folder, SPEC, progress=False)
    tx = pd.read_csv(folder / "transactions.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    revenue = tx.assign(r=pd.to_numeric(tx["revenue"])).groupby("customer_id")["r"].sum().sort_values(ascending=False)
    # The largest customers appear in every customer list and get account sheets:
    # their ids become payloads (one per payload), everybody's name too.
    renamed = dict(zip(revenue.index[: len(PAYLOADS)], [f"{p} #{i}" for i, p in enumerate(PAYLOADS)]))
    for table in (tx, customers):
        table["customer_id"] = table["customer_id"].replace(renamed)
    for name in ("service", "receivables", "surveys"):
        other = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        other["customer_id"] = other["customer_id"].replace(renamed)
        other.to_csv(folder / f"{name}.csv", index=False, quoting=csv.QUOTE_ALL)
    customers["name"] = _cycle(PAYLOADS, len(customers))
    customers["region"] = _cycle(PAYLOADS, len(customers))
    for column in ("product", "channel", "region"):
        if column in tx:
            tx[column] = _cycle(PAYLOADS, len(tx))
    # Rows that are quarantined with the payload as their bad value.
    bad = tx.head(len(PAYLOADS)).copy()
    bad["date"] = [f"{p} [quarantined]" for p in PAYLOADS]
    bad["order_id"] = [f"bad-{i}" for i in range(len(bad))]
    tx = pd.concat([tx, bad], ignore_index=True)
    tx.to_csv(folder / "transactions.csv", index=False, quoting=csv.QUOTE_ALL)  # a CR in a field is quoted
    customers.to_csv(folder / "customers.csv", index=False, quoting=csv.QUOTE_ALL)
    config = (folder / "custlab.toml").read_text(encoding="utf-8")
    payload = SCRIPT_PAYLOADS[1].replace('"', '\\"')
    config = config.replace('name = "Demo Company"', f'name = "Evil {payload} Ltd"')
    config = config.replace('currency = "EUR"', f'currency = "{SCRIPT_PAYLOADS[0]}"')
    policies = "\n".join(f'{tier} = "{p.replace(chr(34), chr(92) + chr(34))}"' for tier, p in
                         zip(("key", "important", "general", "maintenance", "invalid"), SCRIPT_PAYLOADS))
    config += f"\n[tiers.policies]\n{policies}\n"
    (folder / "custlab.toml").write_text(config, encoding="utf-8")
    return folder / "custlab.toml"
