"""HTML export helpers and table formatting."""

import pandas as pd

from custlab.report import tables
from custlab.report.export import external_references, table_of_contents


def test_table_of_contents_links_every_section():
    body = '<h2 id="Headline-figures">Headline figures<a class="anchor-link" href="#Headline-figures">¶</a></h2>' \
           '<h2 id="R&amp;D">R&amp;D</h2>'
    toc = table_of_contents(body)
    assert '<a href="#Headline-figures">Headline figures</a>' in toc
    assert '<a href="#R&amp;D">R&amp;D</a>' in toc
    assert table_of_contents("<p>none</p>") == ""


def test_external_references_are_found():
    assert external_references('<script src="https://cdn.example/x.js"></script>')
    assert external_references('<link href="//fonts.example/css">')
    assert external_references('<img src="data:image/png;base64,AAA">') == []


def test_money_and_percent():
    assert tables.money(1234567.4, "EUR") == "EUR 1,234,567"
    assert tables.money(-5.5) == "-6"
    assert tables.money(float("nan")) == "n/a"
    assert tables.percent(0.2345) == "23.4%" or tables.percent(0.2345) == "23.5%"
    assert tables.percent(None) == "n/a"


def test_kpi_tiles_are_escaped():
    summary = {"currency": "<b>", "customers": 1200, "revenue": 10.0, "profit": -2.0, "profit_margin": -0.2,
               "loss_making_share": 0.5, "loss_making_customers": 600, "rows_quarantined": 3,
               "window_start": "2026-01-01", "window_end": "2026-12-31", "window_months": 12}
    assert ("Active customers", "1,200", "") in tables.kpi_tiles(summary)
    html = tables.kpi_tiles_html(summary).data
    assert "<b>" not in html and "&lt;b&gt; 10" in html


def test_kpi_tiles_name_their_assumption_and_drop_money_for_a_purchase_log():
    summary = {"currency": "EUR", "customers": 10, "revenue": 100.0, "profit": 25.0, "profit_margin": 0.25,
               "loss_making_share": 0.0, "loss_making_customers": 0, "rows_quarantined": 0, "orders": 31,
               "retention_rate": 0.4, "assumed_gross_margin": 0.25, "top20_profit_share": 0.5, "whale_peak": 1.0,
               "inputs_met": {"revenue": True, "margins_differ": False}}  # fmt: skip
    tiles = {label: (value, note) for label, value, note in tables.kpi_tiles(summary)}
    assert tiles["Customer profit"] == ("EUR 25", "assumed: cost of goods 75% of revenue")
    assert tiles["Loss-making customers"][1] == "one assumed margin for every customer"
    assert tiles["Revenue"][1] == "" and tiles["Active customers"][1] == ""
    log = {**summary, "inputs_met": {"revenue": False}, "revenue": None, "profit": None}
    shown = tables.kpi_tiles(log)
    assert [label for label, _, _ in shown] == ["Active customers", "Purchases in the window", "Bought again (retention)", "Rows quarantined"]
    assert ("Purchases in the window", "31", "") in shown and "EUR" not in str(shown)


def test_quarantine_summary_groups_alike_reasons():
    q = pd.DataFrame(
        {
            "table": ["transactions"] * 3,
            "file": ["tx.csv"] * 3,
            "row": [9, 4, 5],
            "column": ["revenue"] * 3,
            "value": ["x", "ten", "abc"],
            "reason": ["not a number"] * 3,  # the value is in its own column, never in the reason
        }
    )
    summary = tables.quarantine_summary(q)
    assert len(summary) == 1
    row = summary.iloc[0]
    assert (row["Rows"], row["First row"], row["Problem"], row["Example value"]) == (3, 4, "not a number", "ten")
    assert tables.quarantine_summary(q.iloc[0:0]).empty


def test_csv_written_by_duckdb_is_the_text_pandas_writes(tmp_path):
    from datetime import date

    import numpy as np

    from custlab import io

    frame = pd.DataFrame({
        "customer_id": ["C1", "C,2", 'C "3"', "", None, " lead", "multi\nline", "é ünï"],
        "profit": [1e16, 1e-5, 0.1 + 0.2, -0.0, np.nan, np.inf, -np.inf, 123456789.123],
        "orders": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        "rows": np.arange(8, dtype="int64"),
        "flag": [True, False, True, True, False, True, False, True],
        "maybe": pd.array([True, False, None, True, False, True, False, True], dtype="boolean"),
        "month": pd.to_datetime(["2026-01-01", None, "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01"]),
        "stamp": pd.to_datetime(["2026-01-01 10:30", None, "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"], format="ISO8601"),
        "day": [date(2026, 1, 1), None, date(2026, 2, 28), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)],
        "tier": pd.Categorical(["key", "general", None, "key", "invalid", "key", "key", "key"]),
        "mixed": ["x", 1, 2.5, None, "y", "z", "w", "v"],
    })  # fmt: skip
    assert io._written_by_duckdb(frame)
    for part in (frame, frame.iloc[:0], frame[["customer_id", "orders"]]):
        io.write_csv(part, tmp_path / "duckdb.csv")
        part.to_csv(tmp_path / "pandas.csv", index=False)
        assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    # what DuckDB would write differently goes to pandas
    assert not io._written_by_duckdb(frame[["customer_id"]])
    assert not io._written_by_duckdb(frame.assign(stamp=frame["stamp"].dt.tz_localize("UTC")))
    zoned = frame[["customer_id", "stamp"]].assign(stamp=frame["stamp"].dt.tz_localize("Europe/Berlin"))
    io.write_csv(zoned, tmp_path / "zoned.csv")
    assert (tmp_path / "zoned.csv").read_text() == zoned.to_csv(index=False)
