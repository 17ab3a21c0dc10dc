"""The report's kernel reads an extract of the customer file: every list, table and chart
it gives must be the one the whole file gives."""

import json

import pandas as pd
import pytest

from custlab.analysis import curves, loyalty, migration, retention
from custlab.exceptions import InputError
from custlab.report import plots, tables
from custlab.report.data import report_data
from custlab.report.extract import LIST_ROWS, load_extract
from custlab.result import load_result

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def saved(published):
    """(the whole saved result, its extract as the kernel reads it, the results folder)."""
    _, folder = published
    run = json.loads((folder / "run.json").read_text())
    results = folder.parent / "_runs" / PERIOD / run["run_id"] / "results"
    return load_result(results), load_extract(results), results


def test_the_kernel_reads_the_extract_and_no_customer_row(saved):
    whole, extract, results = saved
    kernel = report_data(results_dir=str(results))
    assert kernel.customers.empty and list(kernel.customers.columns) == list(whole.customers.columns)
    assert 0 < len(kernel.extract.listed) < len(whole.customers)
    pd.testing.assert_frame_equal(kernel.extract.listed, extract.listed)
    sheets = whole.customers[whole.customers["account_sheet"]]["customer_id"]
    assert set(sheets) <= set(extract.listed["customer_id"])  # every linked customer is there


@pytest.mark.parametrize("top_n", [5, 20, LIST_ROWS])
def test_every_list_of_the_extract_is_the_list_of_the_whole_file(saved, top_n):
    whole, extract, _ = saved
    customers, listed = whole.customers, extract.lists_of(top_n)
    for make in (tables.lean_big_table, tables.bulk_one_off_table, tables.rising_table, tables.top_customers_table,
                 tables.churn_risk_table, tables.satisfied_defectors_table):  # fmt: skip
        expected, got = make(customers, top_n), make(listed, top_n)
        assert len(expected) > 0 or make is tables.satisfied_defectors_table, make.__name__
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True)
        assert list(got.attrs["links"]["Customer"]) == list(expected.attrs["links"]["Customer"]), make.__name__
    flagged = tables.flagged_accounts_html(customers, limit=top_n, currency="EUR", summary=whole.summary).data
    assert "flagged accounts shown" in flagged
    assert tables.flagged_accounts_html(listed, limit=top_n, currency="EUR", summary=whole.summary, totals=extract.counts).data == flagged
    movers = tables.style_movers(whole.movers, "EUR", whole.summary, customers).data
    assert tables.style_movers(whole.movers, "EUR", whole.summary, listed).data == movers


def test_every_figure_of_the_extract_is_that_of_the_whole_file(saved):
    whole, extract, _ = saved
    customers, summary = whole.customers, whole.summary
    pd.testing.assert_frame_equal(extract.whale, curves.whale_points(customers), check_exact=True)
    pd.testing.assert_frame_equal(extract.scatter, plots.revenue_profit_points(customers).reset_index(drop=True), check_exact=True)
    pd.testing.assert_frame_equal(extract.tiers, migration.tier_summary(customers, summary["tier_policies"]), check_exact=True)
    pd.testing.assert_frame_equal(extract.ageing, tables.ageing_table(customers), check_exact=True)
    pd.testing.assert_frame_equal(extract.value_by_kind, tables.value_by(customers, "kind"), check_exact=True)
    pd.testing.assert_frame_equal(extract.retention_by_satisfaction, loyalty.retention_by_satisfaction(customers), check_exact=True)
    glance = tables.risk_glance_table(customers, summary)
    assert tables.risk_glance_html(extract.risk_glance, summary).data == tables.risk_glance_html(glance, summary).data
    expected = retention.lapse_survival(customers, "kind", summary["lapse_months"], summary["window_end"])
    got = extract.survival_curves()
    assert list(got) == list(expected)
    for group, curve in expected.items():
        pd.testing.assert_frame_equal(got[group], curve.reset_index(drop=True), check_exact=True)
    points, accounts = plots.cost_to_serve_points(customers)
    pd.testing.assert_frame_equal(extract.cost_to_serve, points.reset_index(drop=True), check_exact=True)
    key = customers[customers["tier"].isin(("key", "important"))]
    assert extract.counts["accounts"] == accounts == len(key) > 0
    assert extract.counts["cost_to_serve_rising"] == int(key["cost_to_serve_rising"].fillna(False).astype(bool).sum())
    assert extract.counts["flagged"] == tables.flagged_totals(customers)["flagged"] > 0


def test_a_list_longer_than_the_extract_keeps_is_refused(saved):
    _, extract, _ = saved
    assert len(extract.lists_of(LIST_ROWS)) == len(extract.listed)
    with pytest.raises(InputError, match=f"top_n = {LIST_ROWS + 1} is more rows than the report's extract keeps per list"):
        extract.lists_of(LIST_ROWS + 1)
