"""Report periods: parse ``"2026-10"`` (a month) or ``"2026-Q3"`` (a quarter).

Periods travel as strings (papermill's ``-p`` would turn ``2026`` into an int);
this module is the one place that parses them. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from custlab.exceptions import InputError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$", re.ASCII)
#: Years a report period may fall in: customer data outside them is a typo, not history.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def add_months(day: date, months: int) -> date:
    """First day of the month ``months`` after the month of ``day`` (negative: before)."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter.

    Attributes
    ----------
    label : str
        Canonical text, ``YYYY-MM`` or ``YYYY-Qn``.
    start : date
        First day of the period.
    end : date
        Last day of the period (inclusive).
    months : int
        1 for a month, 3 for a quarter.
    """

    label: str
    start: date
    end: date
    months: int

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        return period_ending(self.start - timedelta(days=1), self.months)

    def year_before(self) -> "Period":
        """The period of the same kind a year before this one (2026-10 -> 2025-10, 2026-Q3 -> 2025-Q3)."""
        return period_ending(add_months(self.start, -12), self.months)

    def window_start(self, window_months: int) -> date:
        """First day of a trailing window of ``window_months`` ending with this period."""
        return add_months(self.start, self.months - window_months)

    def title(self) -> str:
        """Human label, e.g. ``October 2026`` or ``Q3 2026``."""
        if self.months == 3:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return self.start.strftime("%B %Y")


def period_ending(day: date, months: int = 1) -> Period:
    """The month (``months=1``) or quarter (``months=3``) that contains ``day``."""
    if months == 3:
        quarter = (day.month - 1) // 3
        start = date(day.year, quarter * 3 + 1, 1)
        label = f"{day.year:04d}-Q{quarter + 1}"
    else:
        start = date(day.year, day.month, 1)
        label = f"{day.year:04d}-{day.month:02d}"
    end = add_months(start, months) - timedelta(days=1)
    return Period(label, start, end, months)


def parse_period(text: str) -> Period:
    """Parse ``YYYY-MM`` or ``YYYY-Qn``.

    Raises
    ------
    InputError
        If the text is neither form.
    """
    text = str(text).strip()
    if match := _MONTH.match(text):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
            return period_ending(date(year, month, 1), 1)
    elif match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        if FIRST_YEAR <= year <= LAST_YEAR:
            return period_ending(date(year, quarter * 3, 1), 3)
    raise InputError(
        f"period {text!r} is not YYYY-MM (a month) or YYYY-Qn (a quarter) with a year from {FIRST_YEAR} to {LAST_YEAR}"
    )
