"""How far back and ahead a registration may start and a change take effect: one rule for the
registration page, every change kind, the import and the portal (see checks.py)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.months import MONTH_MIN, add_months, month_label

# A change decided in advance (a resumption on a known date) takes effect within a year.
MAX_CHANGE_MONTHS_AHEAD = 12


def month_bounds(
    *, today: datetime.date, initial_load: bool = False, change: bool = False
) -> tuple[datetime.date, datetime.date]:
    """The first and last month a start or effective month may be: at most
    TROCAP_BACKDATE_MONTHS before this month (default MAX_ARREARS_MONTHS, the arrears a change
    can make owed); a start month at most next month, a change's effective month at most
    MAX_CHANGE_MONTHS_AHEAD months ahead. An initial load migrates people an earlier system
    paid: their start month may be older (from 1900)."""
    this_month = today.replace(day=1)
    back = settings.TROCAP_BACKDATE_MONTHS
    first = MONTH_MIN if initial_load else add_months(this_month, -back)
    return first, add_months(this_month, MAX_CHANGE_MONTHS_AHEAD if change else 1)


def check_month_bounds(
    month: datetime.date | None,
    *,
    today: datetime.date,
    code,
    initial_load: bool = False,
    change: bool = False,
) -> list[ValidationError]:
    """A start or effective month outside `month_bounds`, with the rule in the message."""
    if month is None:
        return []
    first, last = month_bounds(today=today, initial_load=initial_load, change=change)
    if first <= month <= last:
        return []
    if initial_load:
        message = _(
            "The start month must be from %(first)s to %(last)s (next month at the latest)."
        )
    elif change:
        message = _(
            "The change must take effect from %(first)s to %(last)s: at most %(n)s months back "
            "(arrears are paid for %(n)s months at most) and %(ahead)s months ahead at most."
        )
    else:
        message = _(
            "The start month must be from %(first)s to %(last)s: at most %(n)s months back "
            "(arrears are paid for %(n)s months at most) and next month at the latest."
        )
    params = {
        "first": month_label(first),
        "last": month_label(last),
        "n": settings.TROCAP_BACKDATE_MONTHS,
        "ahead": MAX_CHANGE_MONTHS_AHEAD,
    }
    return [ValidationError(message % params, code=str(code))]
