"""Celery tasks of the provider layer: thin, idempotent, retried while a provider is down.

A batch's submission and its polling are tasks; so is the reconciliation that follows once every
batch is complete. ``resume_stalled_batches`` (beat, every minute) re-queues what a lost worker
left behind; the tasks themselves are safe to run twice (a re-send is looked up first)."""

import datetime
import random

from celery import shared_task
from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from payments.models import PaymentBatch, PeriodStatus
from providers.adapters import ProviderUnavailable
from providers.services import batch_poll, batch_submit


def backoff(retries: int) -> float:
    """Seconds before the next attempt: exponential from TROCAP_PROVIDER_RETRY["backoff"],
    capped at its "max", with full jitter on the upper half."""
    policy = settings.TROCAP_PROVIDER_RETRY
    delay = min(policy["backoff"] * (2**retries), policy["max"])
    return delay / 2 + random.uniform(0, delay / 2)


@shared_task(bind=True, acks_late=True, max_retries=None)
def submit_batch(self, batch_id: int) -> str:
    """Send one batch (looked up at the provider first on a retry), then poll its results."""
    try:
        batch = batch_submit(batch=PaymentBatch.objects.select_related("provider").get(pk=batch_id))
    except ProviderUnavailable as exc:
        if self.request.retries >= settings.TROCAP_PROVIDER_RETRY["max_retries"]:
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
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
        if self.request.retries >= settings.TROCAP_PROVIDER_RETRY["max_retries"]:
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    batch.refresh_from_db()
    if batch.status != PaymentBatch.Status.COMPLETED:
        poll_batch.apply_async(args=[batch.pk], countdown=settings.TROCAP_PROVIDER_POLL_SECONDS)
    return batch.status


@shared_task(bind=True, acks_late=True, max_retries=None)
def reconcile_period(self, period_id: int) -> str:
    """Reconcile the period against the providers' statements once every batch is complete."""
    from payments.reconciliation import period_reconcile_if_complete

    try:
        reconciliation = period_reconcile_if_complete(period_id)
    except ProviderUnavailable as exc:
        if self.request.retries >= settings.TROCAP_PROVIDER_RETRY["max_retries"]:
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
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
