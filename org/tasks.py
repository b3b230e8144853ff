"""Celery tasks of org: thin, idempotent."""

from celery import shared_task

from org.models import AdministrativeUnit, UnitLevel


@shared_task(acks_late=True)
def units_summary() -> dict[str, int]:
    """Count the units per level: the worker's proof that it reads the application's database."""
    counts = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 0, UnitLevel.COMMUNE: 0}
    for level in counts:
        counts[level] = AdministrativeUnit.objects.filter(level=level, active=True).count()
    return counts
