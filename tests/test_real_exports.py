"""Real exports end to end: real data sets and a matrix of messy variants through ``custlab report``.

Every run either publishes or exits 2 with one line; none exits 1 or 3. A
published report shows no zero, empty table or empty chart for an input the
data do not have: the section says what is missing instead.

The grocery log (real, dates only), the apparel log (simulated) and CDNOW are
committed under data/. Complete Journey and the IBM receivables may not be
redistributed: their tests read the shared data folder beside the repository
and skip, saying so, where it is absent.
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from custlab.analysis.inputs import NEEDS
from custlab.report.tables.risk import FLAG_NEEDS
from tests.conftest import COMMITTED, ROOT, read_published, report
from tests.real_exports import VARIANTS, write_demo, write_variant

SHARED = ROOT.parent / "shared" / "data"
#: Variants the data cannot support: the run stops with exit 2 and one line.
REFUSED = {"quarter running past the data"}


def assert_nothing_stands_in_for_absent_inputs(page: str, summary: dict) -> None:
    """Every unmet need is said in words, and nothing that needs it is shown as a zero or an empty table."""
    met = summary["inputs_met"]
    flags = {need: name for name, need in FLAG_NEEDS.items()}
    for need, ok in met.items():
        if ok or need in ("cost", "margins_differ"):  # an assumed cost is shown as assumed, on the tiles
            continue
        if need in flags and met["revenue"] and need not in ("receivables", "service"):
            assert "Not checked, for want of data" in page and flags[need] in page, need
        elif met["revenue"] or need in ("revenue", "surveys"):
            assert NEEDS[need].missing in page, need
    if not met["receivables"]:
        assert "Overdue receivables</div>" not in page and "Big debtors</div>" not in page
    if not met["kind"]:
        assert ">Unknown<" not in page
    assert "<tbody></tbody>" not in page
    assert not re.search(r">(nan|NaN|None|inf)<", page)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("base") / "company")


def test_every_variant_publishes_or_exits_2(base, tmp_path):
    """The matrix: each variant of the demo, as a real export would arrive, through the CLI (two at a time)."""
    runs = {}
    for number, name in enumerate(VARIANTS):
        config, period = write_variant(base, name, tmp_path / f"v{number}")
        runs[name] = (config, period, tmp_path / f"out{number}")
    with ThreadPoolExecutor(2) as pool:
        done = dict(zip(runs, pool.map(lambda r: report(*r), runs.values())))
    outcomes = {name: d.returncode for name, d in done.items()}
    assert all(code in (0, 2) for code in outcomes.values()), {n: done[n].stderr[-2000:] for n, c in outcomes.items() if c not in (0, 2)}
    assert {name for name, code in outcomes.items() if code == 2} == REFUSED, outcomes
    for name, d in done.items():
        assert "Traceback" not in d.stderr, name
        if d.returncode == 2:
            errors = [line for line in d.stderr.splitlines() if line.startswith("custlab: error:")]
            assert len(errors) == 1 and "runs past the data" in errors[0], d.stderr
        else:
            config, period, out = runs[name]
            assert_nothing_stands_in_for_absent_inputs(*read_published(d, out, period))


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_real_data_publish(committed, name):
    page, summary, _ = committed[name]
    assert_nothing_stands_in_for_absent_inputs(page, summary)
    assert summary["purchase_model"]["model"] in page and len(summary["purchase_model"]["comparison"]) == 3


def test_the_grocery_log_has_no_money_anywhere(committed):
    page, summary, folder = committed["btydplus-grocery"]
    assert summary["inputs"]["purchase_log"] and not summary["inputs_met"]["revenue"]
    for key in ("revenue", "profit", "customer_equity", "hhi", "tier_counts", "whale_peak"):
        assert summary[key] is None, key
    assert summary["customers"] > 0 and summary["orders"] > summary["customers"] and summary["retention_rate"] > 0
    customers = pd.read_csv(folder / "customers.csv")
    assert customers[["revenue", "profit", "clv", "tier"]].isna().all().all()
    assert customers["p_alive"].notna().all() and customers["expected_purchases_12m"].notna().all()
    assert not list((folder / "accounts").glob("*.html"))  # an account sheet is figures in money
    text = re.sub(r'src="data:[^"]*"', "", page)  # the charts' bytes are not words
    assert "USD" not in text and "EUR" not in text and "Purchases in the window" in text
    assert NEEDS["revenue"].missing in page and NEEDS["revenue"].in_place in page


def test_cdnow_names_its_assumption_on_the_first_screen_and_says_what_it_lacks(committed):
    page, summary, _ = committed["cdnow"]
    headline = page[: page.index('id="Where-the-profit-comes-from"')]
    assert "assumed: cost of goods 75% of revenue" in headline and "one assumed margin for every customer" in headline
    assert "Cumulative profit rises to 100% of the total and stays there" in page and "rises above 100%" not in page
    assert "give back -" not in page and "Cost to serve (not in the data)" in page
    assert NEEDS["receivables"].missing in page and NEEDS["service"].missing in page and NEEDS["surveys"].missing in page
    assert re.search(r"the model(&#x27;|')s figure is (higher|lower)", page)


def _shared(path: str) -> Path:
    where = SHARED / path
    if not where.exists():
        pytest.skip(f"needs {path} from the shared data folder beside the repository (its licence keeps it out of data/); absent here")
    return where


def test_complete_journey_takes_discounts_from_the_data(tmp_path):
    data = _shared("completejourney-sample/transactions_sample.csv.gz")
    company = tmp_path / "company"
    company.mkdir()
    shutil.copy(ROOT / "data" / "completejourney-sample" / "custlab.toml", company)
    shutil.copy(data, company)
    period = "2017-12"
    page, summary = read_published(report(company / "custlab.toml", period, tmp_path / "out"), tmp_path / "out", period)
    assert summary["terms"]["discount"] == "from data" and summary["terms"]["cogs"] == "assumed"
    assert summary["inputs_met"]["price_terms"]
    waterfall = pd.read_csv(tmp_path / "out" / period / "customers.csv", usecols=["revenue", "discount"]).sum()
    raw = pd.read_csv(data)
    discounts = raw[["retail_disc", "coupon_disc", "coupon_match_disc"]].sum().sum()
    assert waterfall["discount"] == pytest.approx(discounts, rel=1e-9)  # one calendar year: the window is all of it
    assert waterfall["revenue"] == pytest.approx(raw["sales_value"].sum() + discounts, rel=1e-9)
    assert_nothing_stands_in_for_absent_inputs(page, summary)


def test_ibm_receivables_on_a_demo_like_base(tmp_path):
    """The IBM invoices as the receivables of a demo company ending when they do, whose 100 largest
    customers take the invoice customers' ids: the receivables sections come from real-looking invoices."""
    data = _shared("ibm-accounts-receivable/WA_Fn-UseC_-Accounts-Receivable.csv.gz")
    company = tmp_path / "company"
    from custlab.demo import DemoSpec, generate

    generate(company, DemoSpec(customers=400, months=24, end_month="2013-12", seed=5, file_format="csv"), progress=False)
    invoices = pd.read_csv(data, dtype=str)
    tx = pd.read_csv(company / "transactions.csv", dtype=str, keep_default_na=False)
    largest = tx.assign(r=pd.to_numeric(tx["revenue"])).groupby("customer_id")["r"].sum().nlargest(100).index
    renamed = dict(zip(largest, sorted(invoices["customerID"].unique())))
    for table in ("transactions", "customers", "service", "surveys"):
        frame = pd.read_csv(company / f"{table}.csv", dtype=str, keep_default_na=False)
        frame["customer_id"] = frame["customer_id"].replace(renamed)
        frame.to_csv(company / f"{table}.csv", index=False)
    (company / "receivables.csv").unlink()
    shutil.copy(data, company)
    config = (company / "custlab.toml").read_text(encoding="utf-8").replace(
        '[sources.receivables]\npath = "receivables.csv"\n',
        '[sources.receivables]\npath = "WA_Fn-UseC_-Accounts-Receivable.csv.gz"\ndate_format = "%m/%d/%Y"\n'
        '[sources.receivables.columns]\ncustomer_id = "customerID"\ninvoice_id = "invoiceNumber"\n'
        'amount = "InvoiceAmount"\nissued = "InvoiceDate"\ndue = "DueDate"\npaid = "SettledDate"\n',
    )
    (company / "custlab.toml").write_text(config, encoding="utf-8")
    period = "2013-12"
    page, summary = read_published(report(company / "custlab.toml", period, tmp_path / "out"), tmp_path / "out", period)
    quality = pd.read_csv(tmp_path / "out" / period / "quality.csv").set_index("table")
    assert quality.loc["receivables", "rows_read"] == len(invoices) == 2466
    assert summary["inputs_met"]["receivables"] and summary["dso_days"] is not None and summary["dso_days"] > 0
    assert "Days sales outstanding" in page and "Receivables are not in the data" not in page
    assert_nothing_stands_in_for_absent_inputs(page, summary)
