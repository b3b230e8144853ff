"""Celery tasks of the register: thin, idempotent."""

import datetime

from celery import shared_task
from django.utils import timezone

from beneficiaries.services import add_months, age_changes_propose, changes_apply_due


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
