"""Months are the first day of the month (`datetime.date`): one arithmetic for every app."""

from __future__ import annotations

import datetime


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after (before, if negative) `month`'s."""
    total = month.year * 12 + (month.month - 1) + n
    return datetime.date(total // 12, total % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from `first` to `last`, both included."""
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


# The months a typed month may be: anything else is a typing error, not a month to compute with
# (year 0 or 10000 would make `add_months` raise).
MONTH_MIN = datetime.date(1900, 1, 1)
MONTH_MAX = datetime.date(2199, 12, 1)


def month_parse(value: str) -> datetime.date:
    """'YYYY-MM' (a day after it is ignored) as the month's first day. Raises ValueError for
    anything else, including a month before MONTH_MIN or after MONTH_MAX."""
    parts = (value or "").strip().split("-")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        raise ValueError(f"not a month: {value!r}")
    month = datetime.date(int(parts[0]), int(parts[1]), 1)
    if not MONTH_MIN <= month <= MONTH_MAX:
        raise ValueError(f"month out of range: {value!r}")
    return month


def month_label(month: datetime.date) -> str:
    """MM/YYYY, with four digits for any year (strftime's %Y does not pad year 1)."""
    return f"{month.month:02d}/{month.year:04d}"
