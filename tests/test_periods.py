from datetime import date

import pytest

from custlab.exceptions import InputError
from custlab.periods import parse_period


def test_month_bounds_and_previous():
    period = parse_period("2026-10")
    assert (period.start, period.end, period.months) == (date(2026, 10, 1), date(2026, 10, 31), 1)
    assert period.previous().label == "2026-09"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert period.title() == "October 2026"


def test_quarter_bounds_and_previous():
    period = parse_period("2026-Q3")
    assert (period.start, period.end, period.months) == (date(2026, 7, 1), date(2026, 9, 30), 3)
    assert period.previous().label == "2026-Q2"
    assert parse_period("2026-q1").previous().label == "2025-Q4"
    assert period.title() == "Q3 2026"


def test_trailing_window_start():
    assert parse_period("2026-10").window_start(12) == date(2025, 11, 1)
    assert parse_period("2026-Q3").window_start(12) == date(2025, 10, 1)
    assert parse_period("2026-10").window_start(1) == date(2026, 10, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026/10", "2026", "Oct 2026", "2026-Q5", ""])
def test_bad_periods_are_input_errors(text):
    with pytest.raises(InputError, match="YYYY-MM"):
        parse_period(text)


def test_the_history_plan_adds_the_same_period_a_year_before_when_the_data_reach_it():
    from datetime import date
    from types import SimpleNamespace

    from custlab.analysis.pipeline import history_plan

    config = SimpleNamespace(tiers=SimpleNamespace(history_periods=4), settings=SimpleNamespace(window_months=12))
    plan = history_plan(config, parse_period("2026-10"), date(2024, 11, 1))
    assert [(p.label, role) for p, role in plan] == [
        ("2025-10", "year"), ("2026-09", "history"), ("2026-08", "history"), ("2026-07", "history"), ("2026-10", "report")]
    # the year before's window would start before the data: no year-earlier comparison
    assert "year" not in {role for _, role in history_plan(config, parse_period("2026-10"), date(2024, 12, 1))}
    # quarters: four back is a year; with five periods of history it is in the history already
    longer = SimpleNamespace(tiers=SimpleNamespace(history_periods=5), settings=SimpleNamespace(window_months=12))
    quarters = history_plan(longer, parse_period("2026-Q3"), date(2020, 1, 1))
    assert [role for _, role in quarters].count("year") == 0 and quarters[-2][0].label == "2025-Q3"
