"""Which months a closing unit's lists may be opened, generated, closed and sent for.

A window around today (``TROCAP_MONTH_WINDOW_BEFORE`` months before this month to
``TROCAP_MONTH_WINDOW_AFTER`` after: by default last month to next month), and never before the
system went live (``TROCAP_GO_LIVE_MONTH``, optional) nor before the first list the unit closed
(the register's history before it was paid by an earlier system, and arrears are computed from
the closed lists). Every door (pages, commands, the API, beat) reaches the services, and the
services call `require_month_in_window` first.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import AppError
from core.months import add_months, month_label, month_parse
from org.models import AdministrativeUnit
from payments.errors import PaymentErrorCode
from payments.models import PaymentList

logger = logging.getLogger(__name__)

_suspended: ContextVar[bool] = ContextVar("month_window_suspended", default=False)


@contextmanager
def month_window_suspended() -> Iterator[None]:
    """Inside, `require_month_in_window` checks nothing: for the demo's year of history, made
    month by month as the months would have gone. No officer's door (page, command, API, beat)
    uses it."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def month_window(*, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and last month (both included) of the window around `today` (default: the
    local date)."""
    this_month = (today or timezone.localdate()).replace(day=1)
    return (
        add_months(this_month, -settings.TROCAP_MONTH_WINDOW_BEFORE),
        add_months(this_month, settings.TROCAP_MONTH_WINDOW_AFTER),
    )


def go_live_month() -> datetime.date | None:
    """TROCAP_GO_LIVE_MONTH as a month, or None when it is not set."""
    value = settings.TROCAP_GO_LIVE_MONTH
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    return month_parse(str(value))


def first_closed_month(unit: AdministrativeUnit | int) -> datetime.date | None:
    """The month of the first list `unit` (or the unit of this id) closed, or None if it has
    closed none."""
    unit_id = unit if isinstance(unit, int) else unit.pk
    return PaymentList.objects.filter(period__unit_id=unit_id, closed_at__isnull=False).aggregate(
        first=Min("period__month")
    )["first"]


def require_month_in_window(
    month: datetime.date, unit: AdministrativeUnit | int, *, today: datetime.date | None = None
) -> None:
    """Refuse a month outside the window, before go-live or before the unit's first closed list.
    `unit` is the closing unit or its id (a period's `unit_id`: no query to load it).

    Raises AppError with MONTH_OUT_OF_WINDOW, MONTH_BEFORE_GO_LIVE or MONTH_BEFORE_FIRST_LIST;
    the message names the months that are allowed."""
    if _suspended.get():
        return
    month = month.replace(day=1)
    first, last = month_window(today=today)
    if not first <= month <= last:
        logger.info(
            "month_out_of_window",
            extra={
                "unit_id": getattr(unit, "pk", unit),
                "month": month.isoformat(),
                "first": first.isoformat(),
            },
        )
        raise AppError(
            PaymentErrorCode.MONTH_OUT_OF_WINDOW,
            _(
                "Payment lists can only be opened, generated, closed and sent for the months "
                "from %(first)s to %(last)s; %(month)s is outside that window."
            ),
            params={
                "first": month_label(first),
                "last": month_label(last),
                "month": month_label(month),
            },
        )
    go_live = go_live_month()
    if go_live is not None and month < go_live:
        raise AppError(
            PaymentErrorCode.MONTH_BEFORE_GO_LIVE,
            _(
                "The system pays from %(go_live)s: no list can be made for %(month)s, "
                "an earlier month."
            ),
            params={"go_live": month_label(go_live), "month": month_label(month)},
        )
    first_closed = first_closed_month(unit)
    if first_closed is not None and month < first_closed:
        if isinstance(unit, int):
            unit = AdministrativeUnit.objects.get(pk=unit)
        raise AppError(
            PaymentErrorCode.MONTH_BEFORE_FIRST_LIST,
            _(
                "%(unit)s closed its first list for %(first)s: no list can be made for "
                "%(month)s, an earlier month."
            ),
            params={
                "unit": unit.name,
                "first": month_label(first_closed),
                "month": month_label(month),
            },
        )


def last_closed_month(*, province_code: str | None = None) -> datetime.date | None:
    """The last month of a closed list, in the province of this GSO code (in any version of the
    units) or anywhere. Registered with core.months in PaymentsConfig.ready: the policy tables
    and provider contracts refuse a change that would take effect in that month or before."""
    lists = PaymentList.objects.filter(closed_at__isnull=False)
    if province_code:
        lists = lists.filter(period__unit__path__regex=rf"^[^/]+/{province_code}/")
    return lists.aggregate(last=Max("period__month"))["last"]


def month_due(
    unit: AdministrativeUnit | int, *, today: datetime.date | None = None
) -> datetime.date:
    """The month whose list `unit` should make next: the month after its last closed list, or,
    if it has closed none, the month whose list is due by the coming 25th (next month until the
    25th, the month after from the 26th); kept inside the window (`month_window`), so the page
    proposes a month it will accept."""
    today = today or timezone.localdate()
    first, last = month_window(today=today)
    unit_id = unit if isinstance(unit, int) else unit.pk
    last_closed = PaymentList.objects.filter(
        period__unit_id=unit_id, closed_at__isnull=False
    ).aggregate(last=Max("period__month"))["last"]
    if last_closed is not None:
        due = add_months(last_closed, 1)
    else:
        due = add_months(today.replace(day=1), 1 if today.day <= 25 else 2)
    return min(max(due, first), last)
