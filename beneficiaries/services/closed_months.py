"""Which months of a commune are already closed for money, asked of payments without importing
it: payments registers the finder in its AppConfig.ready (`closed_month_finder_register`).

A change that would take effect in a month whose list is already closed can no longer reach that
list: the kinds in `MOVES_PAST_CLOSED` are moved to the first month still open, and the change
keeps the month asked for and why (`ChangeRecord.requested_month`, `month_moved`). A change that
adds money (a resumption, a new category or level, a care arrangement set) keeps its month: the
next list pays the months before as arrears. A death keeps its month: the law dates it. Ending a
care arrangement moves like a stop.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from beneficiaries.models import ChangeKind, ChangeReason
from core.months import add_months

CommuneClosedMonthFinder = Callable[[int], "datetime.date | None"]
"""``finder(commune_id) -> the last month whose list for that commune is closed, or None``."""

_finder: CommuneClosedMonthFinder | None = None

MOVES_PAST_CLOSED = frozenset(
    {
        ChangeKind.STOP,
        ChangeKind.SUSPEND,
        ChangeKind.MOVE,
        ChangeKind.SET_RECIPIENT,
        ChangeKind.REMOVE_RECIPIENT,
        ChangeKind.SET_ACCOUNT,
        ChangeKind.CLOSE_ACCOUNT,
        ChangeKind.END_CARE,
    }
)


def closed_month_finder_register(finder: CommuneClosedMonthFinder) -> None:
    """Set the one function that knows the last closed month of a commune's list."""
    global _finder
    _finder = finder


def last_closed_month(commune_id: int) -> datetime.date | None:
    """The last month whose payment list for this commune is closed (None: none, or no payments
    app installed)."""
    return _finder(commune_id) if _finder is not None else None


def first_open_month(
    *, kind: str, reason: str, commune_id: int, month: datetime.date
) -> datetime.date:
    """`month`, or the first month after the commune's last closed list when `month` is closed
    and the kind cannot reach a closed list (see the module's docstring)."""
    if kind not in MOVES_PAST_CLOSED or reason == ChangeReason.DEATH:
        return month
    closed = last_closed_month(commune_id)
    if closed is None or month > closed:
        return month
    return add_months(closed, 1)
