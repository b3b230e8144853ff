"""Keeping the coverage snapshots fresh: after a list changes, and every night."""

import datetime

from celery import shared_task
from django.utils import timezone

from org.models import AdministrativeUnit
from reports.coverage import coverage_refresh


@shared_task(acks_late=True)
def refresh_coverage(month: str, unit_id: int | None = None) -> int:
    """Recompute one month's snapshots of a unit's communes (all communes when no unit)."""
    unit = AdministrativeUnit.objects.get(pk=unit_id) if unit_id else None
    return coverage_refresh(month=datetime.date.fromisoformat(month), unit=unit)


@shared_task(acks_late=True)
def refresh_coverage_nightly() -> int:
    """Every night: this month's figures of every commune, register included."""
    return coverage_refresh(month=timezone.localdate().replace(day=1))


def refresh_later(period) -> None:
    """Queue the refresh of a period's month and unit once the transaction commits."""
    from django.conf import settings
    from django.db import transaction

    if not settings.TROCAP_COVERAGE_AUTO_REFRESH:
        return
    month, unit_id = period.month.isoformat(), period.unit_id
    transaction.on_commit(lambda: refresh_coverage.delay(month, unit_id))
