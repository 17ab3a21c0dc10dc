"""Cohorts, Kaplan-Meier survival and satisfaction versus loyalty on hand-made data."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from custlab.analysis.loyalty import loyalty_flags, months_between, retention_by_satisfaction, satisfaction_vs_loyalty
from custlab.analysis.retention import cohort_matrix, kaplan_meier, lapse_survival, retention_rate


def test_kaplan_meier_by_hand():
    # Durations 1, 2, 2, 3+ (censored), 4: S(1) = 4/5, S(2) = 4/5 * 2/4, S(3) = same (censored), S(4) = 0.
    table = kaplan_meier(np.array([1, 2, 2, 3, 4]), np.array([True, True, True, False, True]))
    got = dict(zip(table["time"], table["survival"]))
    assert got[0] == 1.0
    assert got[1] == pytest.approx(0.8)
    assert got[2] == pytest.approx(0.4)
    assert got[3] == pytest.approx(0.4)
    assert got[4] == pytest.approx(0.0)
    assert table.loc[table["time"] == 4, "at_risk"].item() == 1


def test_cohort_matrix_shares():
    long = pd.DataFrame(
        {
            "cohort": pd.to_datetime(["2026-01-01"] * 3 + ["2026-02-01"] * 2),
            "months_since": [0, 1, 2, 0, 1],
            "active": [10, 5, 2, 4, 1],
        }
    )
    matrix = cohort_matrix(long)
    assert matrix.loc["2026-01", 1] == 0.5 and matrix.loc["2026-01", 2] == 0.2
    assert matrix.loc["2026-02", 1] == 0.25 and np.isnan(matrix.loc["2026-02", 2])
    assert cohort_matrix(long, as_share=False).loc["2026-01", 0] == 10


def customers():
    return pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "kind": ["consumer"] * 3 + ["business"] * 3,
            "first_purchase_month": pd.to_datetime(["2025-01-01"] * 6),
            "last_purchase_month": pd.to_datetime(
                ["2026-10-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-09-01", "2025-01-01"]
            ),
            "last_satisfaction": [5, 5, 2, np.nan, 4, 1],
        }
    )


def test_loyalty_flags_and_figures():
    frame = customers()
    flags = loyalty_flags(frame, date(2026, 10, 31), lapse_months=6, satisfied_min=4)
    # months since the last purchase: 0, 7, 6, 5, 1, 21 -> left: b, c, f
    assert flags["months_since_purchase"].tolist() == [0, 7, 6, 5, 1, 21]
    assert flags["left"].tolist() == [False, True, True, False, False, True]
    assert flags["satisfied_defector"].tolist() == [False, True, False, False, False, False]
    frame = frame.join(flags)
    figures = satisfaction_vs_loyalty(frame, satisfied_min=4)
    assert figures["surveyed_leavers"] == 3  # b, c, f
    assert figures["satisfied_defector_share"] == pytest.approx(1 / 3)
    assert figures["retention_satisfied"] == pytest.approx(2 / 3)  # a, e stay; b left
    assert figures["retention_not_satisfied"] == pytest.approx(0.0)  # c, f left
    table = retention_by_satisfaction(frame).set_index("score")
    assert table.loc[5, "customers"] == 2 and table.loc[5, "still_buying"] == 0.5


def test_lapse_survival_groups():
    frame = customers()
    curves = lapse_survival(frame, "kind", lapse_months=6, period_end=date(2026, 10, 31))
    assert set(curves) == {"business", "consumer"}
    # consumers: a censored at 22 months, b lapsed after 15, c lapsed after 16 -> S(15) = 2/3, S(16) = 1/3.
    consumer = dict(zip(curves["consumer"]["time"], curves["consumer"]["survival"]))
    assert consumer[15] == pytest.approx(2 / 3) and consumer[16] == pytest.approx(1 / 3)
    assert curves["consumer"]["survival"].iloc[0] == 1.0
    # groups come sorted; a customer without a kind is "unknown"; without `by`, one group
    frame["kind"] = frame["kind"].astype(object)
    frame.loc[frame.index[0], "kind"] = None
    curves = lapse_survival(frame, "kind", lapse_months=6, period_end=date(2026, 10, 31))
    assert list(curves) == sorted(curves) and "unknown" in curves
    assert sum(int(c["at_risk"].iloc[1]) for c in curves.values()) == frame["first_purchase_month"].notna().sum()
    everyone = lapse_survival(frame, None, lapse_months=6, period_end=date(2026, 10, 31))
    assert list(everyone) == ["all customers"] and int(everyone["all customers"]["at_risk"].iloc[1]) == frame["first_purchase_month"].notna().sum()


def test_retention_rate_and_months_between():
    assert retention_rate(200, 150) == 0.75
    assert np.isnan(retention_rate(0, 0))
    assert months_between(pd.Series(pd.to_datetime(["2025-11-01"])), "2026-10-31").item() == 11


def test_latest_survey_score_is_the_same_whatever_the_row_order():
    from custlab.engine import session
    from custlab.aggregate.facts import survey_scores

    rows = [("A", date(2026, 1, 5), 5.0), ("A", date(2026, 3, 1), 4.0), ("A", date(2026, 3, 1), 2.0), ("B", date(2026, 2, 1), 3.0)]
    picks = []
    for ordered in (rows, rows[::-1]):
        con = session.connect()
        session.run_sql(con, "CREATE TABLE surveys (customer_id VARCHAR, date DATE, satisfaction DOUBLE)")
        con.executemany("INSERT INTO surveys VALUES (?, ?, ?)", ordered)
        picks.append(survey_scores(con, date(2026, 10, 31)))
        con.close()
    assert picks[0].equals(picks[1])
    assert picks[0].set_index("customer_id")["last_satisfaction"].to_dict() == {"A": 2.0, "B": 3.0}  # same day: the lower
