"""Months are the first day of the month (`datetime.date`): one arithmetic for every app."""

from __future__ import annotations

import datetime
from collections.abc import Callable


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


# --- The months whose lists are closed -----------------------------------------------------------
# payments (above every app that keeps reference data) registers, in its AppConfig.ready, how to
# find the last month whose list is closed; the policy tables (beneficiaries) and the provider
# contracts (providers) ask it before a change, so that no rate changes under a closed list.

ClosedMonthFinder = Callable[..., "datetime.date | None"]
_closed_month_finder: ClosedMonthFinder | None = None


def last_closed_month_register(finder: ClosedMonthFinder) -> None:
    """Set the function that answers `last_closed_month` (called with `province_code=`)."""
    global _closed_month_finder
    _closed_month_finder = finder


def last_closed_month(*, province_code: str | None = None) -> datetime.date | None:
    """The last month for which a list is closed: in the province of this code, or anywhere
    when it is None. None when no list is closed (or nobody registered a finder)."""
    if _closed_month_finder is None:
        return None
    return _closed_month_finder(province_code=province_code)


def closed_month_conflict(
    months: list[datetime.date | None], *, province_code: str | None = None
) -> datetime.date | None:
    """The last closed month if any of `months` (the first months a change of reference data
    affects) is that month or earlier, else None."""
    last = last_closed_month(province_code=province_code)
    if last is None or not any(m is not None and m <= last for m in months):
        return None
    return last
