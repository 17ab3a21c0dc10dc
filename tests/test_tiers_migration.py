"""Tier rules on hand-made customers; migration recomputed from two periods' files; clusters."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from custlab.analysis.clusters import CustomerSegmenter, segment
from custlab.analysis.migration import migration_states, transition_matrix
from custlab.analysis.pipeline import analyse
from custlab.analysis.tiers import TierRules, assign_tiers, value_band_start


def frame(**columns):
    n = len(next(iter(columns.values())))
    base = {
        "customer_id": [f"c{i}" for i in range(n)],
        "profit": [0.0] * n, "clv": [0.0] * n, "revenue": [100.0] * n, "orders": [1] * n,
        "big": [False] * n, "lean_big": [False] * n, "bulk_one_off": [False] * n,
        "months_since_purchase": [0] * n, "first_purchase_month": [pd.Timestamp("2025-01-01")] * n,
        "last_purchase_month": [pd.Timestamp("2026-10-01")] * n, "months_with_purchases": [20] * n,
        "revenue_recent": [50.0] * n, "revenue_prior": [50.0] * n, "orders_recent": [1] * n, "orders_prior": [1] * n,
    }  # fmt: skip
    base.update(columns)
    return pd.DataFrame(base)


def test_value_bands_guard_and_invalid_rules():
    customers = frame(
        profit=[1000.0, 300.0, 100.0, 10.0, -50.0, -50.0, 0.0, 500.0],
        clv=[3000.0, 900.0, 300.0, 30.0, -100.0, -100.0, 0.0, 0.0],
        first_purchase_month=[pd.Timestamp("2025-01-01")] * 5 + [pd.Timestamp("2026-08-01")] + [pd.Timestamp("2025-01-01")] * 2,
        months_since_purchase=[0, 0, 0, 0, 0, 0, 14, 0],
        bulk_one_off=[False] * 7 + [True],
    )
    rules = TierRules(key_value_share=0.5, important_value_share=0.8, general_value_share=0.95)
    out = assign_tiers(customers, rules, date(2026, 10, 31), horizon_months=36)
    # value = 0.5 x profit + 0.5 x clv / 3: 1000, 300, 100, 10, -41.7, -41.7, 0, 250
    assert out["value"].tolist() == pytest.approx([1000, 300, 100, 10, -50 / 2 - 100 / 6, -50 / 2 - 100 / 6, 0, 250])
    assert out["tier"].tolist() == [
        "key",  # starts the ranking
        "important",  # cumulative share starts at 1000/1410 = 71% (< 80%)
        "general",  # starts at 92%
        "maintenance",  # starts past 95%: small
        "invalid",  # loses money now and is expected to, 22 months of history
        "maintenance",  # same numbers but 3 months of history: the guard protects it
        "invalid",  # silent for 14 months
        "maintenance",  # one-off bulk buyer: kept apart however valuable
    ]
    assert out["tier_reason"].tolist() == [
        "among the customers making the first share of value",
        "high value",
        "profitable",
        "small value",
        "loses money now and is expected to",
        "less than 6 months of history",
        "has stopped buying",
        "one-off bulk buyer: kept apart from key accounts until it buys again",
    ]
    assert out["tier"].dtype == object and out["tier_reason"].dtype == object


def test_lean_big_is_general_and_rising_is_maintenance():
    customers = frame(
        profit=[-500.0, 40.0, 5.0], clv=[-900.0, 200.0, 10.0], big=[True, False, False], lean_big=[True, False, False],
        revenue_recent=[100.0, 600.0, 10.0], revenue_prior=[100.0, 100.0, 10.0], orders_recent=[5, 8, 1], orders_prior=[5, 2, 1],
    )  # fmt: skip
    out = assign_tiers(customers, TierRules(), date(2026, 10, 31), horizon_months=36)
    assert out.loc[0, "tier"] == "general" and "lean big" in out.loc[0, "tier_reason"]
    assert out["rising"].tolist() == [False, True, False]
    assert out.loc[1, "tier"] in ("maintenance", "key", "important")


def test_a_rising_customer_in_the_small_band_is_maintenance_for_that_reason():
    customers = frame(
        profit=[1000.0, 5.0, 5.0], clv=[3000.0, 10.0, 10.0],
        revenue_recent=[100.0, 600.0, 100.0], revenue_prior=[100.0, 100.0, 100.0],
        orders_recent=[5, 8, 8], orders_prior=[5, 2, 8],
    )  # fmt: skip
    out = assign_tiers(customers, TierRules(), date(2026, 10, 31), horizon_months=36)
    assert out["rising"].tolist() == [False, True, False]
    assert out["tier"].tolist() == ["key", "maintenance", "maintenance"]
    assert out["tier_reason"].tolist()[1:] == ["small but growing fast", "small value"]


def test_value_band_start_matches_ranking_by_label_with_ties_and_gaps():
    rng = np.random.default_rng(3)
    values = rng.choice([5.0, 2.5, 1.0, 0.25, np.nan], size=2_000)  # many ties, unranked customers
    ranked = pd.Series(values, index=rng.permutation(np.arange(10_000, 12_000)))  # labels are not positions
    # the band start by label: sort, accumulate, put back by label
    order = ranked.sort_values(ascending=False, na_position="last")
    total = order.sum()
    expected = (order.cumsum() / total).reindex(ranked.index) - ranked.fillna(0) / total
    start = value_band_start(ranked)
    np.testing.assert_array_equal(start, expected.to_numpy())
    assert np.isnan(start[np.isnan(values)]).all()
    assert np.nanmin(start) == 0.0 and np.nanmax(start) < 1.0


def test_migration_matrix_counts_new_and_lost():
    previous = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "tier": ["key", "general", "maintenance", "invalid"]})
    current = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "tier": ["important", "general", "invalid", "invalid", "maintenance"],
            "tier_reason": ["high value", "profitable", "has stopped buying", "has stopped buying", "new"],
        }
    )
    states = migration_states(previous, current)
    matrix = transition_matrix(states)
    assert matrix.loc["key", "important"] == 1
    assert matrix.loc["general", "general"] == 1
    assert matrix.loc["maintenance", "lost"] == 1  # stopped buying
    assert matrix.loc["invalid", "invalid"] == 1  # already invalid: not "lost" again
    assert matrix.loc["new", "maintenance"] == 1
    assert matrix.to_numpy().sum() == 5
    assert transition_matrix(states, shares=True).loc["key"].sum() == pytest.approx(1.0)


def test_migration_on_two_consecutive_periods_matches_their_customer_files(small_demo):
    september = analyse(small_demo / "custlab.toml", "2026-09").customers
    october = analyse(small_demo / "custlab.toml", "2026-10")
    # Recompute the October matrix from the two files alone.
    before = september.set_index("customer_id")["tier"]
    now = october.customers.set_index("customer_id")
    previous_tier = now.index.to_series().map(before).fillna("new")
    lost = now["tier_reason"].eq("has stopped buying") & previous_tier.isin(["key", "important", "general", "maintenance"])
    state = now["tier"].where(~lost, "lost")
    recomputed = pd.crosstab(previous_tier, state)
    published = pd.DataFrame(october.summary["migration"]).T
    for row in recomputed.index:
        for column in recomputed.columns:
            assert published.loc[row, column] == recomputed.loc[row, column], (row, column)
    assert published.to_numpy().sum() == len(now)
    assert (now["previous_tier"].fillna("new") == previous_tier).all()


def test_segmenter_finds_three_blobs_and_is_deterministic():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(center, 0.3, (300, 2)) for center in ([0, 0], [4, 0], [0, 4])])
    first = CustomerSegmenter(k_range=(2, 6), n_bootstrap=4, random_state=3).fit(X)
    second = CustomerSegmenter(k_range=(2, 6), n_bootstrap=4, random_state=3).fit(X)
    assert first.k_ == 3
    assert first.stability_ > 0.9
    assert (first.labels_ == second.labels_).all()
    assert set(first.diagnostics_.columns) == {"silhouette", "calinski_harabasz", "davies_bouldin", "stability", "mean_rank"}


def test_demo_clusters_are_profiled_named_and_reproducible(small_demo):
    customers = analyse(small_demo / "custlab.toml", "2026-10").customers
    labels_a, profile, segmenter = segment(customers, random_state=1)
    labels_b, _, _ = segment(customers, random_state=1)
    assert (labels_a == labels_b).all()
    assert profile["customer_share"].sum() == pytest.approx(1.0)
    assert profile["name"].is_unique
    assert (labels_a[~customers["in_window"]] == -1).all()
    print(f"\nclusters k={segmenter.k_}, stability {segmenter.stability_:.3f}: {', '.join(profile['name'])}")


def test_reason_counts_and_tier_mix():
    from custlab.analysis.clusters import tier_mix
    from custlab.analysis.migration import reason_counts

    customers = pd.DataFrame(
        {"tier": ["key", "invalid", "invalid", "general"], "tier_reason": ["high", "stopped", "stopped", "profitable"]}
    )
    counts = reason_counts(customers)
    assert counts.values.tolist() == [["key", "high", 1], ["general", "profitable", 1], ["invalid", "stopped", 2]]
    mix = tier_mix(customers, pd.Series([0, 1, 1, -1]))
    assert mix.loc[1, "invalid"] == 2 and mix.loc[0, "key"] == 1 and -1 not in mix.index
