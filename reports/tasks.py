"""Keeping the coverage snapshots fresh: after a list changes, and every night."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from org.models import AdministrativeUnit
from reports.coverage import coverage_refresh
from reports.models import CoverageRefreshRequest


@shared_task(acks_late=True)
def refresh_coverage(month: str, unit_id: int | None = None) -> int:
    """Recompute one month's snapshots of a unit's communes (all communes when no unit).

    The pending request is cleared before anything is read, so a change committed while this
    runs queues a refresh of its own; one committed before is in what this reads."""
    month_date = datetime.date.fromisoformat(month)
    if unit_id:
        CoverageRefreshRequest.objects.filter(month=month_date, unit_id=unit_id).delete()
    unit = AdministrativeUnit.objects.get(pk=unit_id) if unit_id else None
    return coverage_refresh(month=month_date, unit=unit)


@shared_task(acks_late=True)
def refresh_coverage_nightly() -> int:
    """Every night: this month's figures of every commune, register included."""
    return coverage_refresh(month=timezone.localdate().replace(day=1))


_paused: ContextVar[bool] = ContextVar("coverage_auto_refresh_paused", default=False)


@contextmanager
def auto_refresh_paused() -> Iterator[None]:
    """No refresh is queued for the lists generated, closed or reconciled in the block, in
    this context only (a ContextVar: requests and threads beside it still queue theirs). For a
    caller that refreshes the figures itself when it is done, as the demo's history does once
    a month; the same as TROCAP_COVERAGE_AUTO_REFRESH off, for the block."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def refresh_request(*, month: datetime.date, unit_id: int) -> None:
    """Queue the refresh of a month and unit, to run TROCAP_COVERAGE_REFRESH_DELAY seconds
    later; none when one is already waiting (a list generated twenty times in two minutes is
    refreshed a few times, not twenty). A request left waiting for ten times the delay (at least
    ten minutes: its task was lost) is queued again; none inside `auto_refresh_paused`. Call
    it once the change is committed."""
    if not settings.TROCAP_COVERAGE_AUTO_REFRESH or _paused.get():
        return
    delay = settings.TROCAP_COVERAGE_REFRESH_DELAY
    now = timezone.now()
    request, created = CoverageRefreshRequest.objects.get_or_create(
        month=month, unit_id=unit_id, defaults={"requested_at": now}
    )
    lost = now - request.requested_at > datetime.timedelta(seconds=max(600, 10 * delay))
    if not (created or lost):
        return
    if lost:
        CoverageRefreshRequest.objects.filter(pk=request.pk).update(requested_at=now)
    refresh_coverage.apply_async((month.isoformat(), unit_id), countdown=delay)


def refresh_later(period) -> None:
    """``refresh_request`` for a period's month and unit, once the transaction commits (none
    when asked inside `auto_refresh_paused`, whenever the commit comes)."""
    if _paused.get():
        return
    month, unit_id = period.month, period.unit_id
    transaction.on_commit(lambda: refresh_request(month=month, unit_id=unit_id))


def period_figures_changed_receiver(sender, *, month, unit_id, **kwargs) -> None:
    """payments.signals.period_figures_changed (sent after the commit): refresh that month."""
    refresh_request(month=month, unit_id=unit_id)
