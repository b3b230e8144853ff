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


# A province's register is the longest export (about a minute); the soft limit ends a runaway.
@shared_task(bind=True, acks_late=True, soft_time_limit=900, time_limit=960)
def run_export_job(self, job_id: int) -> str:
    """Write an export job's file."""
    from org.exports import export_job_run

    return export_job_run(job_id=job_id, task_id=self.request.id)


@shared_task(acks_late=True)
def fail_stalled_export_jobs() -> list[int]:
    """Every minute: an export job whose worker stopped beating ends as failed."""
    from org.exports import export_jobs_fail_stalled

    return export_jobs_fail_stalled()


@shared_task(acks_late=True)
def clean_export_jobs() -> int:
    """Hourly: remove the files of export jobs finished more than a day ago."""
    from org.exports import export_jobs_clean

    return export_jobs_clean()
