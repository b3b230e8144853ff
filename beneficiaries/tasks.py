"""Celery tasks of the register: thin, idempotent."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from beneficiaries.models import Beneficiary
from beneficiaries.population import (
    PopulationUnavailable,
    beneficiaries_verify,
    client,
    due_for_check,
)
from beneficiaries.services.changes import changes_apply_due
from beneficiaries.services.import_jobs import (
    import_job_check,
    import_job_run,
    import_jobs_clean,
    import_jobs_fail_stalled,
)
from beneficiaries.services.proposals import age_changes_propose
from core.months import add_months

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def propose_age_changes(month: str | None = None) -> int:
    """Monthly: propose the changes age brings by next month (or by `month`, YYYY-MM-DD)."""
    if month:
        target = datetime.date.fromisoformat(month)
    else:
        target = add_months(timezone.localdate().replace(day=1), 1)
    return age_changes_propose(month=target)


@shared_task(acks_late=True)
def apply_due_changes() -> int:
    """Daily: apply the approved changes whose effective month has come."""
    return changes_apply_due()


@shared_task(acks_late=True)
def verify_population_nightly(recheck_days: int | None = None) -> dict:
    """Nightly: the beneficiaries due for a check (not checked for `recheck_days`, by default
    TROCAP_POPULATION_RECHECK_DAYS), batch after batch; if the service stops answering, what
    is left waits for the next night (or the next run)."""
    api, totals, size, last = client(), {}, settings.TROCAP_POPULATION_BATCH, 0
    while True:
        # By id, a batch at a time: memory follows a batch, not the register.
        batch = list(
            due_for_check(recheck_days=recheck_days)
            .filter(pk__gt=last)
            .select_related("commune")[:size]
        )
        if not batch:
            break
        try:
            summary = beneficiaries_verify(batch, api=api)
        except PopulationUnavailable as exc:
            totals["stopped"] = f"service unavailable after {totals.get('checked', 0)}: {exc}"
            logger.warning(
                "nightly population check stopped",
                extra={"checked": totals.get("checked", 0), "error": str(exc)},
            )
            break
        last = batch[-1].pk
        for name, value in vars(summary).items():
            totals[name] = totals.get(name, 0) + value
    return totals


@shared_task(bind=True, acks_late=True, max_retries=None)
def verify_beneficiary(self, beneficiary_id: int) -> str:
    """A new registration the service could not check at once: again until it answers
    (backoff up to an hour)."""
    person = Beneficiary.objects.filter(pk=beneficiary_id).first()
    if person is None or not person.id_number:
        return "nothing to check"
    try:
        beneficiaries_verify([person])
    except PopulationUnavailable as exc:
        countdown = min(60 * 2**self.request.retries, 3600)
        logger.info(
            "population check retry",
            extra={
                "beneficiary_id": beneficiary_id,
                "retries": self.request.retries,
                "countdown": countdown,
            },
        )
        raise self.retry(countdown=countdown) from exc
    return "checked"


# An import's check and write within a time budget: the reader checks its own deadline
# (TROCAP_IMPORT_READ_SECONDS); the soft limit ends anything else that runs away (prefork pool).
@shared_task(bind=True, acks_late=True, soft_time_limit=900, time_limit=960)
def check_import_job(self, job_id: int) -> str:
    """Check an uploaded file (a dry run): the job page then shows every bad row, or the
    confirmation."""
    return import_job_check(job_id=job_id, task_id=self.request.id)


@shared_task(bind=True, acks_late=True, soft_time_limit=1800, time_limit=1860)
def run_import_job(self, job_id: int) -> str:
    """Import a confirmed job's file, all or nothing."""
    return import_job_run(job_id=job_id, task_id=self.request.id)


@shared_task(acks_late=True)
def fail_stalled_import_jobs() -> list[int]:
    """Every minute: a job whose worker stopped beating ends as failed."""
    return import_jobs_fail_stalled()


@shared_task(acks_late=True)
def clean_import_jobs() -> int:
    """Hourly: remove the stored files of finished or expired import jobs."""
    return import_jobs_clean()
