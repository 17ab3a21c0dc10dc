"""What a stakeholder sees: every published table formatted one way, every chart described by
its finding, and the pages read at 1280 and 390 pixels in Chromium (demo and CDNOW).

The table checks parse the published HTML: no snake_case header, no float with more than two
decimals, no NaN/None/inf, no header row without a label (pandas' index-name row). The browser
checks drive headless Chromium over its DevTools pipe (:mod:`tests.browser`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.browser import CHROMIUM, Browser

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
LONG_FLOAT = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")
NOT_A_NUMBER = {"nan", "none", "inf", "-inf", "+inf", "<na>", "nat", "null"}


class Tables(HTMLParser):
    """Every table of a page: its header rows and body rows, as text cells (nested markup flattened)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row, self._in_head = [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "body": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, ""]

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0], self._cell[1].strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["head" if self._in_head else "body"].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data


def table_problems(page: Path) -> list[str]:
    """Every formatting defect of the tables of ``page``, as "page: problem: text"."""
    parser = Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    problems = []
    for table in parser.tables:
        if not table["head"] and table["body"] and all(tag == "th" for tag, _ in table["body"][0]) and len(table["body"][0]) > 1:
            table["head"], table["body"] = table["body"][:1], table["body"][1:]  # a header row without <thead>
        if len(table["head"]) > 1:
            problems.append(f"{page.name}: {len(table['head'])} header rows (an index-name row): {table['head']}")
        for row in table["head"]:
            for _, text in row:
                if SNAKE.search(text):
                    problems.append(f"{page.name}: snake_case header: {text}")
            if row and row[0][1] == "" and _unlabelled(table):
                problems.append(f"{page.name}: unlabelled index column: {[t for _, t in row]}")
        for row in table["body"]:
            for _, text in row:
                if LONG_FLOAT.search(text):
                    problems.append(f"{page.name}: more than 2 decimals: {text}")
                if text.strip().lower() in NOT_A_NUMBER:
                    problems.append(f"{page.name}: {text!r} shown for a missing value")
    return problems


def _unlabelled(table: dict) -> bool:
    """A first header cell left empty over a column of row labels (``th`` cells) in the body."""
    return any(row and row[0][0] == "th" for row in table["body"])


def published_pages(folder: Path) -> list[Path]:
    """The report, the account index and up to 20 account sheets of a published folder."""
    sheets = sorted((folder / "accounts").glob("*.html"))  # index.html among them
    return [folder / "index.html", *sheets[:20], folder.parent / "index.html"]


def test_the_table_checker_finds_each_defect(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        "<table><thead><tr><th>calinski_harabasz</th><th>Revenue</th></tr><tr><th>name</th><th></th></tr></thead>"
        "<tbody><tr><td>4.000000</td><td>nan</td></tr><tr><td>None</td><td>1.25</td></tr></tbody></table>"
        "<table><tr><th></th><th>Value</th></tr><tr><th>Key</th><td>inf</td></tr></table>",
        encoding="utf-8",
    )
    found = "\n".join(table_problems(page))
    for defect in ("snake_case header: calinski_harabasz", "2 header rows", "more than 2 decimals: 4.000000",
                   "'nan' shown", "'None' shown", "'inf' shown", "unlabelled index column"):  # fmt: skip
        assert defect in found, defect
    assert "1.25" not in found


def test_every_published_table_of_the_demo_reads_cleanly(published):
    _, folder = published
    pages = published_pages(folder)
    assert len(pages) > 10
    assert [p for page in pages for p in table_problems(page)] == []


def test_every_customer_id_with_a_sheet_is_a_link_to_it(published):
    _, folder = published
    page = (folder / "index.html").read_text(encoding="utf-8")
    sheets = {p.stem for p in (folder / "accounts").glob("*.html")} - {"index"}
    bare = [c for c in re.findall(r'<td class="txt">([^<]+)</td>', page) if c in sheets]
    assert bare == [], bare[:5]  # shown as plain text although its sheet exists
    linked = set(re.findall(r'<a href="accounts/([^"]+)\.html">', page))
    assert linked - {"index"} and linked - {"index"} <= sheets and "index" in linked  # the account index is linked too


def test_every_published_table_of_cdnow_reads_cleanly(committed):
    _, _, folder = committed["cdnow"]
    assert [p for page in published_pages(folder) for p in table_problems(page)] == []


# --- in the browser ---------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

FIRST_SCREEN = """(() => {
  const h = [...document.querySelectorAll('h2')].find(e => e.textContent.startsWith('What changed and what to do'));
  return h ? h.getBoundingClientRect().top : null;
})()"""
IMAGES = "[...document.images].map(i => ({alt: i.alt, width: i.getBoundingClientRect().width}))"
SVGS = "[...document.querySelectorAll('svg')].map(s => s.getAttribute('aria-label'))"
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
LINKS = "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"


def check_links(page: Path, links: list[str], ids: set[str]) -> list[str]:
    """Links of ``page`` that do not resolve: a missing anchor or a missing file (any scheme is a failure: pages are offline)."""
    broken = []
    for href in links:
        parsed = urlparse(href)
        if parsed.scheme or parsed.netloc:
            broken.append(f"{page.name}: external link {href}")
            continue
        target = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
        if not target.is_file():
            broken.append(f"{page.name}: no file {href}")
        elif parsed.fragment and target == page and parsed.fragment not in ids:
            broken.append(f"{page.name}: no anchor {href}")
    return broken


def read_page(browser: Browser, page: Path, width: int, height: int) -> dict:
    browser.open(page, width, height)
    return {
        "first_screen": browser.evaluate(FIRST_SCREEN), "images": browser.evaluate(IMAGES), "svgs": browser.evaluate(SVGS),
        "overflow": browser.evaluate(OVERFLOW), "links": browser.evaluate(LINKS),
        "ids": set(browser.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")), "height": height,
    }  # fmt: skip


def assert_reads_well(page: Path, seen: dict, report: bool) -> None:
    if report:
        assert seen["first_screen"] is not None and 0 <= seen["first_screen"] < seen["height"] - 150, seen["first_screen"]
    for image in seen["images"]:
        assert image["alt"] and "No description" not in image["alt"] and len(image["alt"].split()) >= 6, image["alt"]
        assert re.search(r"\d", image["alt"]), image["alt"]  # a finding carries its figure
    assert all(seen["svgs"]), seen["svgs"]
    assert seen["overflow"] <= 0, f"{page.name} scrolls sideways by {seen['overflow']} px"
    assert check_links(page, seen["links"], seen["ids"]) == []


@needs_chromium
@pytest.mark.parametrize("screen", WIDTHS)
def test_demo_report_reads_on_a_desktop_and_a_phone(published, tmp_path, screen):
    _, folder = published
    width, height = WIDTHS[screen]
    sheets = sorted((folder / "accounts").glob("C*.html"))
    with Browser(tmp_path / "profile") as browser:
        report = read_page(browser, folder / "index.html", width, height)
        assert len(report["images"]) >= 6
        assert_reads_well(folder / "index.html", report, report=True)
        browser.screenshot(tmp_path / f"first-screen-{screen}.png")
        for page in (folder / "accounts" / "index.html", sheets[0], folder.parent / "index.html"):
            assert_reads_well(page, read_page(browser, page, width, height), report=False)


@needs_chromium
@pytest.mark.parametrize("screen", WIDTHS)
def test_cdnow_report_reads_on_a_desktop_and_a_phone(committed, tmp_path, screen):
    _, _, folder = committed["cdnow"]
    width, height = WIDTHS[screen]
    with Browser(tmp_path / "profile") as browser:
        report = read_page(browser, folder / "index.html", width, height)
        assert_reads_well(folder / "index.html", report, report=True)
        assert_reads_well(folder / "accounts" / "index.html", read_page(browser, folder / "accounts" / "index.html", width, height), report=False)


def shown_count(browser: Browser) -> int:
    """The number the page prints after "Accounts shown:" (a CSS counter of the rows displayed)."""
    text = browser.rendered_text()
    return int(text[text.index("Accounts shown: ") + 1])


VISIBLE_ROWS = "[...document.querySelectorAll('tbody tr')].filter(r => r.offsetParent !== null).map(r => r.className)"


@needs_chromium
def test_the_account_index_filters_by_tier_and_flag(published, tmp_path):
    _, folder = published
    page = folder / "accounts" / "index.html"
    with Browser(tmp_path / "profile") as browser:
        browser.open(page, 1280, 800)
        every = browser.evaluate(VISIBLE_ROWS)
        assert len(every) == len(list((folder / "accounts").glob("*.html"))) - 1  # one row per sheet
        assert shown_count(browser) == len(every)
        labels = dict(browser.evaluate("[...document.querySelectorAll('label')].map(l => [l.textContent, l.htmlFor])"))
        churn_radio = labels["May have gone"]
        churn_class = f"f-{int(churn_radio.split('-')[1]) - 2}"  # flag radios: "All", "Any flag", then one per flag
        # a tier some churn-risk account has, and its radio ("All" first, then one per tier)
        tier_class = next(c for row in every for c in row.split() if churn_class in row.split() and c.startswith("t-"))
        tier_radio = f"tier-{int(tier_class.split('-')[1]) + 1}"
        browser.evaluate(f"document.querySelector('label[for=\"{tier_radio}\"]').click()")
        in_tier = browser.evaluate(VISIBLE_ROWS)
        assert 0 < len(in_tier) < len(every) and all(tier_class in c.split() for c in in_tier)
        assert len(in_tier) == sum(tier_class in c.split() for c in every)
        assert shown_count(browser) == len(in_tier)  # the count under the table follows the filter
        browser.evaluate(f"document.querySelector('label[for=\"{churn_radio}\"]').click()")
        both = browser.evaluate(VISIBLE_ROWS)
        assert len(both) == sum(tier_class in c.split() and churn_class in c.split() for c in every) > 0
        browser.evaluate("document.querySelector('label[for=\"tier-0\"]').click()")  # tier: all again
        churned = browser.evaluate(VISIBLE_ROWS)
        assert len(churned) == sum(churn_class in c.split() for c in every) >= len(both)
        assert shown_count(browser) == len(churned)
        browser.screenshot(tmp_path / "accounts-filtered.png")
