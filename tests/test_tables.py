"""Report tables: the customer lists pick the same rows, in the same order, however large the file."""

import numpy as np
import pandas as pd

from custlab.report.tables import bulk_one_off_table, lean_big_table, rising_table, satisfied_defectors_table
from custlab.report.tables._format import largest_where


def customer_file(n: int = 4000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "name": [f"Customer {i}" for i in range(n)],
        # few distinct values: many ties, which the order must break as the full sort does
        "revenue": rng.integers(0, 40, n).astype(float),
        "revenue_recent": rng.integers(0, 40, n).astype(float),
        "revenue_prior": rng.integers(0, 5, n).astype(float),
        "lifetime_gross_sales": rng.integers(0, 40, n).astype(float),
        "lifetime_revenue": rng.integers(0, 40, n).astype(float),
        "profit": rng.normal(0, 10, n),
        "profit_margin": rng.random(n),
        "revenue_rank": np.arange(1, n + 1),
        "lean_big": rng.random(n) < 0.2,
        "lean_big_reason": "discount",
        "bulk_one_off": rng.random(n) < 0.2,
        "first_purchase_month": pd.Timestamp("2026-01-01"),
        "satisfied_defector": rng.random(n) < 0.2,
        "last_satisfaction": rng.integers(1, 6, n).astype(float),
        "last_survey_date": pd.Timestamp("2026-05-04"),
        "last_purchase_month": pd.Timestamp("2026-02-01"),
        "tier": rng.choice(["key", "general", "maintenance"], n),
        "rising": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
    })
    frame.loc[::37, "revenue"] = np.nan
    return frame


def test_largest_where_is_filter_then_sort_then_head():
    customers = customer_file()
    for mask, by in [(customers["lean_big"], "revenue"), (customers["tier"] == "key", "lifetime_revenue")]:
        for limit in (1, 25, 10_000):
            expected = customers[mask].sort_values(by, ascending=False).head(limit)
            pd.testing.assert_frame_equal(largest_where(customers, mask, by, limit), expected)
    # a mask with missing values keeps only the rows where it is True
    kept = largest_where(customers, customers["rising"] == True, "revenue_recent", 10_000)  # noqa: E712
    assert len(kept) == int((customers["rising"] == True).sum())  # noqa: E712
    assert kept["rising"].eq(True).all()


def test_customer_lists_match_the_full_sort():
    customers = customer_file()

    def who(frame):
        return frame["customer_id"].tolist()

    assert who(lean_big_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["lean_big"]].sort_values("revenue", ascending=False).head(25))
    assert who(bulk_one_off_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["bulk_one_off"]].sort_values("lifetime_gross_sales", ascending=False).head(25))
    assert who(satisfied_defectors_table(customers).rename(columns={"Customer": "customer_id"})) == who(
        customers[customers["satisfied_defector"]].sort_values("lifetime_revenue", ascending=False).head(25))
    rising = customers[customers["rising"].fillna(False).astype(bool)].sort_values("revenue_recent", ascending=False).head(25)
    table = rising_table(customers)
    assert table["Customer"].tolist() == rising["customer_id"].tolist()
    prior = rising["revenue_prior"].to_numpy()
    growth = rising["revenue_recent"].to_numpy() / np.maximum(prior, 1.0)
    assert table["Revenue growth"].tolist() == ["from nothing" if p <= 0 else f"x{g:,.1f}" for p, g in zip(prior, growth)]
