"""Hostile input: payloads in data and config reach the published report only as text.

The corpus (tests/hostile.py) puts script, event-handler, attribute-breaking and
spreadsheet-formula payloads into customer ids and names, regions, products,
channels, quarantined values, the company's name, the currency and the tier
policies. The published pages are parsed: no element, attribute or link that a
payload could have produced may appear. Every published csv cell that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from tests.hostile import FORMULA_PAYLOADS, SCRIPT_PAYLOADS

PERIOD = "2026-10"


class Markup(HTMLParser):
    """Every element and attribute of a page, and its text (style sheets left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def pages(folder: Path) -> list[Path]:
    return [folder / "index.html", *sorted((folder / "accounts").glob("*.html")), folder.parent / "index.html"]


def parse(page: Path) -> Markup:
    markup = Markup()
    markup.feed(page.read_text(encoding="utf-8"))
    return markup


def test_the_corpus_reaches_the_report(hostile_report):
    # Without this the checks below could pass on a report that shows none of the payloads.
    text = " ".join(parse(hostile_report / "index.html").text)
    for payload in SCRIPT_PAYLOADS[:3]:
        assert payload.split("#")[0].strip() in text
    assert len(list((hostile_report / "accounts").glob("*.html"))) > 5  # the sheets and their index


def test_no_payload_becomes_markup(hostile_report):
    for page in pages(hostile_report):
        markup = parse(page)
        for tag, attrs in markup.tags:
            assert tag not in ("script", "iframe", "object", "embed", "details", "base", "form"), (page.name, tag)
            assert not [name for name in attrs if name.startswith("on")], (page.name, tag, attrs)
            if tag == "a":
                href = attrs.get("href", "")
                assert not href.lower().startswith(("javascript:", "data:", "http:", "https:", "//")), (page.name, href)
            if tag == "img":
                assert attrs.get("src", "").startswith("data:image/"), (page.name, attrs)
        policies = [a["content"] for t, a in markup.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert policies and "script-src 'none'" in policies[0] and "default-src 'none'" in policies[0], page.name


def test_published_csv_cells_are_neutralised(hostile_report):
    seen_payloads = 0
    for table in hostile_report.glob("*.csv"):
        with table.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                        float(cell)  # only a number may start so: anything else is a formula
                    seen_payloads += any(cell == "'" + p or cell.startswith("'" + p) for p in FORMULA_PAYLOADS)
    assert seen_payloads > 10


def test_pseudonymised_report_leaks_no_quarantined_value_or_path(hostile_report, tmp_path):
    config = hostile_report.parent.parent / "company" / "custlab.toml"
    done = subprocess.run(
        [sys.executable, "-m", "custlab.cli", "report", "--config", str(config), "--period", PERIOD,
         "--out", str(tmp_path), "--pseudonymise"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "CUSTLAB_PSEUDONYM_SALT": "s3cret"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = tmp_path / PERIOD
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    assert customers["customer_id"].str.fullmatch(r"P-[0-9a-f]{16}").all()
    assert customers["name"].eq("").all()
    quarantine = pd.read_csv(folder / "quarantine.csv", dtype=str, keep_default_na=False)
    assert len(quarantine) >= len(SCRIPT_PAYLOADS) and quarantine["value"].eq("").all()
    assert not quarantine["reason"].str.contains("pwned").any()
    published = "".join(p.read_text(encoding="utf-8") for p in [*folder.glob("*.csv"), *folder.glob("*.json")])
    assert str(tmp_path) not in published and str(config.parent) not in published  # no absolute path of this machine
    pages_text = " ".join(" ".join(parse(page).text) for page in pages(folder))
    assert re.search(r" #\d+", pages_text) is None  # every original customer id ends so
    assert "[quarantined]" not in pages_text + published  # every quarantined value ends so
    plain = " ".join(parse(hostile_report / "index.html").text)
    assert re.search(r" #\d+", plain) and "[quarantined]" in plain  # ... and the plain report shows them
