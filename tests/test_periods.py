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
