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
