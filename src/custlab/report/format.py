"""How every number in a report reads: money, percentages, counts, scores, dates.

Pure functions from a value to text, used by every table, tile and sentence so
that one figure reads the same everywhere. A missing value (None, NaN, NA) is
``n/a``, never 0; infinities are ``n/a`` too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

#: What a missing value reads as, everywhere.
MISSING = "n/a"


def is_missing(value) -> bool:
    """None, NaN, NA, NaT and infinities: values a report shows as ``n/a``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(value, currency: str = "") -> str:
    """``1234567.8`` -> ``"EUR 1,234,568"``; missing -> ``"n/a"``."""
    if is_missing(value):
        return MISSING
    text = f"{0.0 if abs(value) < 0.5 else float(value):,.0f}"
    return f"{currency} {text}".strip()


def percent(value, digits: int = 1) -> str:
    """``0.2345`` -> ``"23.5%"``; missing -> ``"n/a"``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):.{digits}%}"


def change(value, digits: int = 1) -> str:
    """A relative change, signed: ``0.024`` -> ``"+2.4%"``, ``-0.1`` -> ``"-10.0%"``."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):+.{digits}%}"
    return text[1:] if float(text[1:-1]) == 0 else text  # no sign on a change that rounds to nothing


def points(value, digits: int = 1) -> str:
    """A change of a share in percentage points: ``0.021`` -> ``"+2.1 pts"``."""
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:+.{digits}f} pts"


def count(value) -> str:
    """``12345`` -> ``"12,345"``; missing -> ``"n/a"``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.0f}"


def number(value, digits: int = 2) -> str:
    """A plain number with thousands separators and at most ``digits`` decimals (trailing zeros dropped)."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def score(value) -> str:
    """A survey score: ``4.0`` -> ``"4"``, ``7.5`` -> ``"7.5"``."""
    return number(value, 1)


def day(value) -> str:
    """A date as ``YYYY-MM-DD``."""
    if is_missing(value):
        return MISSING
    return pd.Timestamp(value).strftime("%Y-%m-%d") if isinstance(value, (str, date, datetime, pd.Timestamp)) else str(value)


def month(value) -> str:
    """A month as ``YYYY-MM``."""
    if is_missing(value):
        return MISSING
    return pd.Timestamp(value).strftime("%Y-%m")


def text(value) -> str:
    """Any value as text (missing -> ``n/a``); booleans read ``yes``/``no``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_missing(value):
        return MISSING
    return str(value)


def formatter(kind: str | Callable, currency: str = "") -> Callable[[object], str]:
    """The formatting function of a column kind: ``money``, ``percent``, ``change``, ``points``,
    ``count``, ``number``, ``score``, ``day``, ``month`` or ``text`` (or a function)."""
    if callable(kind):
        return kind
    kinds: dict[str, Callable[[object], str]] = {
        "money": lambda v: money(v, currency),
        "percent": percent,
        "percent0": lambda v: percent(v, 0),
        "change": change,
        "points": points,
        "count": count,
        "number": number,
        "score": score,
        "day": day,
        "month": month,
        "text": text,
    }
    if kind not in kinds:
        raise ValueError(f"unknown column kind {kind!r}; one of {', '.join(kinds)}")
    return kinds[kind]


#: Column kinds whose cells are numbers (right-aligned).
NUMERIC_KINDS = {"money", "percent", "percent0", "change", "points", "count", "number", "score"}


def default_kind(values: pd.Series) -> str:
    """The kind a column is shown as when its table does not say: counts for whole
    numbers, numbers for other numbers, text for the rest."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "count"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return "day"
    return "text"
