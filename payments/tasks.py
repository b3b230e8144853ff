"""Celery tasks of the payment cycle: thin, idempotent, retried while a provider is down.

Generation: one task per closing unit (regenerating a draft replaces it). Dispatch: a batch's
submission and its polling are tasks; so is the reconciliation that follows once every batch is
complete. ``resume_stalled_batches`` (beat, every minute) re-queues what a lost worker left
behind; the tasks themselves are safe to run twice (a re-send is looked up first).

The dispatch tasks were ``providers.tasks.*`` until the payment workflow moved up into
payments; the old names stay registered for one release (see the end of the module) so messages
already queued, and beat schedules not yet updated, still run.
"""

import datetime
import logging
import random
from typing import NoReturn

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.utils import timezone

from core.months import add_months
from org.models import User
from payments.dispatch import batch_poll, batch_submit
from payments.models import PaymentBatch, PaymentPeriod, PeriodStatus
from payments.reconciliation import period_reconcile_if_complete
from payments.services.generation import payment_list_generate
from payments.services.generation_runs import (
    generation_claim,
    generation_mark_queued,
    generations_fail_stalled,
)
from payments.services.periods import closing_units, payment_period_open
from providers.adapters import ProviderUnavailable

logger = logging.getLogger(__name__)

# --- Generation ---------------------------------------------------------------------------------


@shared_task(bind=True, acks_late=True)
def generate_payment_list(self, period_id: int, user_id: int | None = None) -> dict:
    """Generate one closing unit's list (one task per unit: workers fan out across units).

    Skips a generation another request superseded or beat already declared dead. Any error ends
    it as failed, with the reason on the list (the service records it): the task itself ends
    normally, there is nothing to retry without the officer."""
    if not generation_claim(period_id=period_id, task_id=self.request.id):
        log = {"period_id": period_id, "task": self.request.id}
        logger.info("payment_list_generation_skipped", extra=log)
        return {"period": period_id, "skipped": True}
    period = PaymentPeriod.objects.get(pk=period_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        # A month the window no longer holds (queued before it moved) is refused there too,
        # and the reason recorded: the page says why and offers a retry.
        payment_list = payment_list_generate(period=period, generated_by=user)
    except ValidationError as exc:
        return {"period": period_id, "error": " ".join(exc.messages)}
    except Exception as exc:
        logger.exception("payment_list_generation_error", extra={"period_id": period_id})
        return {"period": period_id, "error": type(exc).__name__}
    return {
        "period": period_id,
        "lines": payment_list.line_count,
        "total": payment_list.total_amount,
    }


@shared_task(acks_late=True)
def fail_stalled_generations() -> int:
    """Beat, every minute: fail the generations whose worker stopped beating (killed, lost), so
    that the page offers to try again instead of "generating" forever."""
    return len(generations_fail_stalled())


@shared_task(acks_late=True)
def open_next_periods() -> int:
    """On the configured day: open next month's period of every closing unit and generate its
    draft. Periods already generated or closed are left alone."""
    month = add_months(timezone.localdate().replace(day=1), 1)
    queued = 0
    for unit in closing_units():
        try:
            period = payment_period_open(unit=unit, month=month)
        except ValidationError as exc:  # next month outside the window (TROCAP_MONTH_WINDOW_*)
            logger.warning(
                "period_not_opened",
                extra={"unit_id": unit.pk, "month": month.isoformat(), "code": exc.code},
            )
            continue
        if period.status == PeriodStatus.DRAFT:
            task_id = generation_mark_queued(period=period)
            generate_payment_list.apply_async(args=[period.pk], task_id=task_id)
            queued += 1
    return queued


# --- Dispatch -----------------------------------------------------------------------------------


def backoff(retries: int) -> float:
    """Seconds before the next attempt: exponential from TROCAP_PROVIDER_RETRY["backoff"],
    capped at its "max", with full jitter on the upper half."""
    policy = settings.TROCAP_PROVIDER_RETRY
    delay = min(policy["backoff"] * (2**retries), policy["max"])
    return delay / 2 + random.uniform(0, delay / 2)


def _retry(task, exc: Exception) -> NoReturn:
    """Raise the retry of a task whose provider is down, with backoff, or the error itself once
    TROCAP_PROVIDER_RETRY["max_retries"] is reached. Logged either way."""
    retries = task.request.retries
    log = {"task": task.name, "task_args": list(task.request.args or ()), "retries": retries}
    if retries >= settings.TROCAP_PROVIDER_RETRY["max_retries"]:
        logger.error("provider_retries_exhausted", extra={**log, "error": str(exc)[:200]})
        raise exc
    countdown = backoff(retries)
    logger.warning("provider_retry", extra={**log, "countdown": round(countdown, 1)})
    raise task.retry(exc=exc, countdown=countdown)


@shared_task(bind=True, acks_late=True, max_retries=None)
def submit_batch(self, batch_id: int) -> str:
    """Send one batch (looked up at the provider first on a retry), then poll its results."""
    try:
        batch = batch_submit(batch=PaymentBatch.objects.select_related("provider").get(pk=batch_id))
    except ProviderUnavailable as exc:
        _retry(self, exc)
    if batch.status in (PaymentBatch.Status.ACKNOWLEDGED, PaymentBatch.Status.COMPLETED):
        poll_batch.apply_async(args=[batch.pk], countdown=settings.TROCAP_PROVIDER_POLL_SECONDS)
    return batch.status


@shared_task(bind=True, acks_late=True, max_retries=None)
def poll_batch(self, batch_id: int) -> str:
    """Take the provider's results (when callbacks are late or lost); poll again later while
    lines are not final. A completed batch may complete its period: see reconcile_period."""
    batch = PaymentBatch.objects.select_related("provider").get(pk=batch_id)
    if batch.status == PaymentBatch.Status.COMPLETED:
        return batch.status
    try:
        batch_poll(batch=batch)
    except ProviderUnavailable as exc:
        _retry(self, exc)
    batch.refresh_from_db()
    if batch.status != PaymentBatch.Status.COMPLETED:
        poll_batch.apply_async(args=[batch.pk], countdown=settings.TROCAP_PROVIDER_POLL_SECONDS)
    return batch.status


@shared_task(bind=True, acks_late=True, max_retries=None)
def reconcile_period(self, period_id: int) -> str:
    """Reconcile the period against the providers' statements once every batch is complete."""
    try:
        reconciliation = period_reconcile_if_complete(period_id)
    except ProviderUnavailable as exc:
        _retry(self, exc)
    return reconciliation.status if reconciliation else "waiting"


@shared_task(acks_late=True)
def resume_stalled_batches() -> int:
    """Re-queue the batches of sent lists that nothing has touched for a while: not yet
    acknowledged (a worker died mid-submit) or not yet complete (a poll was lost). Safe to run
    any time: submit_batch looks a batch up before sending it again."""
    stalled_before = timezone.now() - datetime.timedelta(
        seconds=settings.TROCAP_BATCH_STALL_SECONDS
    )
    sent = PaymentBatch.objects.filter(payment_list__period__status=PeriodStatus.SUBMITTED)
    queued = 0
    for batch_id in sent.filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=stalled_before),
        status__in=[PaymentBatch.Status.READY, PaymentBatch.Status.SUBMITTING],
    ).values_list("id", flat=True):
        submit_batch.delay(batch_id)
        queued += 1
    for batch_id in sent.filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=stalled_before),
        status=PaymentBatch.Status.ACKNOWLEDGED,
        acknowledged_at__lt=stalled_before,
    ).values_list("id", flat=True):
        poll_batch.delay(batch_id)
        queued += 1
    complete = (
        sent.values("payment_list__period_id")
        .annotate(
            open=Count("id", filter=~Q(status=PaymentBatch.Status.COMPLETED)),
            last=Max("completed_at"),
        )
        .filter(open=0, last__lt=stalled_before)
    )
    for row in complete:
        reconcile_period.delay(row["payment_list__period_id"])
        queued += 1
    return queued


# --- The old names, for one release -------------------------------------------------------------
# Messages queued under the old names before a deploy, and beat schedules not yet updated, still
# run: each alias queues the task under its new name with the same arguments. Remove them in the
# release after this one.

OLD_TASK_NAMES = {
    "providers.tasks.submit_batch": submit_batch,
    "providers.tasks.poll_batch": poll_batch,
    "providers.tasks.reconcile_period": reconcile_period,
    "providers.tasks.resume_stalled_batches": resume_stalled_batches,
}


def _alias(old_name: str, task):
    @shared_task(name=old_name, acks_late=True)
    def alias(*args, **kwargs) -> str:
        return task.delay(*args, **kwargs).id

    alias.__doc__ = f"Deprecated: queues {task.name} (the task's name until this release)."
    return alias


OLD_TASKS = {old: _alias(old, task) for old, task in OLD_TASK_NAMES.items()}
