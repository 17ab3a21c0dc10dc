"""Property-based tests of the loaders and validators (hypothesis), and determinism.

For any generated table: rows read = accepted + quarantined, every quarantined
row has a reason, and the revenue of the accepted rows reaches the customer x
month facts unchanged.
"""

import csv
import io as text_io
import json
import threading
from datetime import date

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custlab.aggregate import facts
from custlab.analysis import customer_file, pipeline
from custlab.engine import session
from custlab.sources import validation
from custlab.sources.config import Settings, load_config
from custlab.analysis.pipeline import analyse

EXAMPLES = {"count": 0}
ids = st.sampled_from(["A", "B", "c-1", "17850.0", "17850", "", "  ", "Ünïcode", 'quo"te', "x,y"])
dates = st.one_of(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)).map(lambda d: d.isoformat()),
    st.sampled_from(["", "2026-02-30", "05/01/2026", "yesterday", "2026-1-5"]),
)
amounts = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: repr(round(v, 2))),
    st.integers(min_value=-1000, max_value=10**7).map(str),
    st.sampled_from(["", "nan", "inf", "-inf", "ten", "1,234.5", " 12 ", "1e3"]),
)
rows = st.lists(st.tuples(ids, dates, amounts, amounts), min_size=0, max_size=40)


def write_csv(path, records):
    buffer = text_io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["customer_id", "date", "revenue", "discount"])
    writer.writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=rows)
def test_rows_are_conserved_and_totals_preserved(tmp_path, records):
    EXAMPLES["count"] += 1
    write_csv(tmp_path / "tx.csv", records)
    (tmp_path / "custlab.toml").write_text('[sources.transactions]\npath = "tx.csv"\n')
    config = load_config(tmp_path / "custlab.toml")
    con = session.connect()
    checked = validation.validate(con, config, as_of=date(2026, 11, 15))
    quality = checked.quality.set_index("table").loc["transactions"]
    assert quality.rows_read == len(records)
    assert quality.rows_read == quality.accepted + quality.quarantined
    quarantine = validation.quarantine_frame(con)
    assert quarantine["reason"].notna().all() and (quarantine["reason"] != "").all()
    assert sorted(quarantine["row"]) == sorted(set(quarantine["row"]))  # one reason per row
    facts.prepare_inputs(con)
    first, last = facts.data_months(con)
    accepted_total = con.execute("SELECT coalesce(sum(revenue), 0) FROM transactions").fetchall()[0][0]
    if first is not None:
        facts.build_customer_month(con, first, last, Settings())
        month_total = con.execute("SELECT coalesce(sum(revenue), 0) FROM customer_month").fetchall()[0][0]
        assert abs(month_total - accepted_total) <= 1e-6 * max(1.0, abs(accepted_total))
    con.close()


def test_hypothesis_examples_ran():
    # Runs after the property test in file order; the closing note quotes this count.
    print(f"\nhypothesis examples run: {EXAMPLES['count']}")
    assert EXAMPLES["count"] >= 100


def test_same_inputs_same_outputs(small_demo, tmp_path):
    first = analyse(small_demo / "custlab.toml", "2026-10")
    second = analyse(small_demo / "custlab.toml", "2026-10")
    first.customers.to_csv(tmp_path / "a.csv", index=False)
    second.customers.to_csv(tmp_path / "b.csv", index=False)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert json.dumps(first.summary, sort_keys=True) == json.dumps(second.summary, sort_keys=True)
    pd.testing.assert_frame_equal(first.cluster_profile, second.cluster_profile)


def test_customer_window_in_bucket_passes_gives_the_same_analysis(small_demo, monkeypatch):
    # Millions of customers are aggregated a few hash buckets at a time; the demo in one pass.
    one_pass = analyse(small_demo / "custlab.toml", "2026-10")
    monkeypatch.setattr(facts, "ROWS_PER_PASS", 2_000)
    passes = []
    real_ranges = facts.bucket_ranges

    def recorded_ranges(con):
        passes.append(real_ranges(con))
        return passes[-1]

    monkeypatch.setattr(facts, "bucket_ranges", recorded_ranges)
    many = analyse(small_demo / "custlab.toml", "2026-10")
    ranges = passes[0]
    assert len(ranges) > 5 and ranges[0][0] == 0 and ranges[-1][1] == facts.CUSTOMER_BUCKETS
    assert all(high == low for (_, high), (low, _) in zip(ranges, ranges[1:]))  # contiguous, no bucket twice
    assert len(passes) == 6  # the report period, its prior window (margin trends), three earlier periods and the year before
    pd.testing.assert_frame_equal(one_pass.customers, many.customers)
    pd.testing.assert_frame_equal(one_pass.tier_history, many.tier_history)
    pd.testing.assert_frame_equal(one_pass.concentration_history, many.concentration_history)
    assert json.dumps(one_pass.summary, sort_keys=True) == json.dumps(many.summary, sort_keys=True)


def test_periods_read_ahead_on_a_second_connection_give_the_same_analysis(small_demo, monkeypatch):
    # Each period's SQL runs on a BackgroundReader while the period before is computed.
    reads = []
    real_stage = customer_file.stage_reads

    def recorded_stage(con, config, period, first_month, history=False):
        reads.append((period.label, history, threading.current_thread().name))
        return real_stage(con, config, period, first_month, history)

    real_report_stage = pipeline.stage_report_reads

    def recorded_report_stage(con, config, period, *args):
        reads.append((period.label, "report", threading.current_thread().name))
        return real_report_stage(con, config, period, *args)

    monkeypatch.setattr(customer_file, "stage_reads", recorded_stage)
    monkeypatch.setattr(pipeline, "stage_report_reads", recorded_report_stage)
    ahead = analyse(small_demo / "custlab.toml", "2026-10")
    assert [(label, history) for label, history, _ in reads] == [
        ("2025-10", True), ("2026-09", True), ("2026-08", True), ("2026-07", True), ("2026-10", False), ("2026-10", "report")
    ]  # the same month a year before first (its headline only), then the tier history
    assert all(thread.startswith("custlab-reader") for _, _, thread in reads)

    class ReadsInline:  # the same SQL on the analysis' own connection, when it is asked for
        def __init__(self, con):
            self.con = con

        def start(self, read, *args):
            self.pending = (read, args)

        def take(self):
            read, args = self.pending
            return read(self.con, *args)

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            pass

    monkeypatch.setattr(session, "BackgroundReader", ReadsInline)
    reads.clear()
    inline = analyse(small_demo / "custlab.toml", "2026-10")
    assert len(reads) == 6 and all(thread == threading.main_thread().name for _, _, thread in reads)
    pd.testing.assert_frame_equal(ahead.customers, inline.customers)
    pd.testing.assert_frame_equal(ahead.tier_history, inline.tier_history)
    pd.testing.assert_frame_equal(ahead.movers, inline.movers)
    pd.testing.assert_frame_equal(ahead.cohorts, inline.cohorts)
    pd.testing.assert_frame_equal(ahead.holdout, inline.holdout)
    assert json.dumps(ahead.summary, sort_keys=True) == json.dumps(inline.summary, sort_keys=True)


def test_staged_query_is_fetched_in_its_order_and_dropped(small_demo):
    # customer_window and the RFM summary are held in tables until fetched: the frame must be
    # the query's, row for row, with the same customer order the direct query gives.
    config = load_config(small_demo / "custlab.toml")
    with session.scratch_connection() as con:
        validation.validate(con, config)
        facts.prepare_inputs(con)
        facts.build_customer_month(con, date(2024, 11, 1), date(2026, 10, 1), config.settings)
        facts.build_purchase_days(con)
        parameters = {"period_end": date(2026, 10, 31)}
        direct = con.execute(facts.read_sql("customer_rfm"), parameters).df()
        session.stage(con, "rfm_ahead", facts.read_sql("customer_rfm"), parameters)
        staged = session.fetch_table(con, "rfm_ahead")
        window = facts.customer_window(con, date(2025, 11, 1), date(2026, 10, 1))
        described = con.execute("SELECT customer_id, region FROM customers").df()
        # past one row group (122,880 rows), scanned by both threads: still in the stored order
        session.stage(con, "shuffled", "SELECT hash(range) AS key, range AS n FROM range(600000) ORDER BY key")
        many = session.fetch_table(con, "shuffled")
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert len(direct) == 1_500
    assert len(many) == 600_000 and many["key"].is_monotonic_increasing and not many["n"].is_monotonic_increasing
    pd.testing.assert_frame_equal(staged, direct)
    assert window["customer_id"].is_monotonic_increasing and window["customer_id"].is_unique
    regions = described.set_index("customer_id")["region"].reindex(window["customer_id"]).to_numpy()
    assert (window["region"].to_numpy() == regions).all()  # the descriptive columns joined to the right rows
    assert not {"rfm_ahead", "shuffled", "customer_window", "customer_window_parts"} & tables


def test_customer_month_in_bucket_passes_equals_one_pass(small_demo, monkeypatch):
    # At ten million customers the aggregate runs over a few hash buckets at a time; the
    # small demo runs in one pass unless the lines per pass are made tiny.
    config = load_config(small_demo / "custlab.toml")
    first, last = date(2024, 11, 1), date(2026, 10, 1)

    real_split = facts.split_buckets
    splits = []

    def recorded_split(rows, per_pass):
        splits.append(real_split(rows, per_pass))
        return splits[-1]

    monkeypatch.setattr(facts, "split_buckets", recorded_split)

    def build(lines_per_pass: int) -> tuple[pd.DataFrame, list[int]]:
        monkeypatch.setattr(facts, "LINES_PER_PASS", lines_per_pass)
        with session.scratch_connection() as con:
            validation.validate(con, config)
            facts.prepare_inputs(con)
            facts.build_customer_month(con, first, last, config.settings)
            stored = con.execute("SELECT bucket, customer_id, month FROM customer_month ORDER BY rowid").df()
            table = con.execute("SELECT * FROM customer_month ORDER BY customer_id, month").df()
        return table, stored

    one, one_order = build(facts.LINES_PER_PASS)
    many, many_order = build(3_000)
    assert len(splits[0]) == 1 and len(splits[1]) > 5
    assert len(one) > 10_000
    pd.testing.assert_frame_equal(one, many)
    # stored in bucket order either way, so customer_window's bucket passes skip row groups,
    # and within a bucket in customer order, so its per-customer sums find their group warm
    for stored in (one_order, many_order):
        in_order = stored.sort_values(["bucket", "customer_id", "month"], ignore_index=True)
        pd.testing.assert_frame_equal(stored, in_order)
    assert set(one["bucket"]) == set(range(facts.CUSTOMER_BUCKETS))


def test_purchase_days_stored_in_customer_order(small_demo):
    config = load_config(small_demo / "custlab.toml")
    with session.scratch_connection() as con:
        validation.validate(con, config)
        facts.prepare_inputs(con)
        facts.build_purchase_days(con)
        stored = con.execute("SELECT customer_id, date FROM purchase_days ORDER BY rowid").df()
        positive = con.execute("SELECT bool_and(value > 0), count(*) FROM purchase_days").fetchall()[0]
    assert len(stored) > 10_000 and positive == (True, len(stored))
    assert not stored.duplicated().any()
    pd.testing.assert_frame_equal(stored, stored.sort_values(["customer_id", "date"], ignore_index=True))


def test_split_buckets_covers_every_bucket_once():
    for rows, per_pass in [(0, 10), (5, 10), (95, 10), (10**9, 10), (640, 10)]:
        ranges = facts.split_buckets(rows, per_pass)
        assert ranges[0][0] == 0 and ranges[-1][1] == facts.CUSTOMER_BUCKETS
        assert all(high == low for (_, high), (low, _) in zip(ranges, ranges[1:]))
        assert all(low < high for low, high in ranges)
        assert len(ranges) == max(1, min(facts.CUSTOMER_BUCKETS, -(-rows // per_pass)))


def test_earlier_files_held_in_the_database_give_migration_and_tier_lines_of_those_files(small_demo):
    # What the tier history keeps of each earlier period waits in the database while the
    # report period's file is built: migration and the account sheets' tier lines read it back.
    from custlab.analysis import profit
    from custlab.frames import is_in
    from custlab.periods import parse_period

    result = analyse(small_demo / "custlab.toml", "2026-10")
    config = load_config(small_demo / "custlab.toml")
    account_ids = result.customers.loc[result.customers["account_sheet"], "customer_id"]
    assert len(account_ids) > 0
    with session.scratch_connection() as con:
        validation.validate(con, config)
        inputs = facts.prepare_inputs(con)
        first_month = pipeline.aggregate_facts(con, config, parse_period("2026-10"), pipeline._Stages(None))
        profit_inputs = profit.ProfitInputs(default_gross_margin=config.settings.default_gross_margin, **inputs)
        for label, columns in [("2026-09", pipeline.ACCOUNT_TIER_COLUMNS), ("2026-08", ["customer_id", "tier"]),
                               ("2026-07", ["customer_id", "tier"])]:  # fmt: skip
            built = customer_file.build(con, config, parse_period(label), first_month, profit_inputs, history=True,
                                        purchase_model=result.summary["purchase_model"]["chosen"]).customers  # fmt: skip
            shown = result.account_tiers[result.account_tiers["period"] == label].dropna(axis=1, how="all")
            expected = built.loc[is_in(built["customer_id"], account_ids), columns].assign(period=label)
            pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True)
            if label == "2026-09":  # the period before: every customer's previous tier
                before = built.set_index("customer_id")["tier"]
                previous = result.customers["customer_id"].map(before).fillna("new")
                assert (result.customers["previous_tier"] == previous).all()
