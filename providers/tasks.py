"""Celery tasks of the provider layer: thin, idempotent, retried while a provider is down."""

from celery import shared_task

from payments.models import PaymentBatch
from providers.adapters import ProviderUnavailable
from providers.services import batch_poll, batch_submit


@shared_task(
    acks_late=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=20,
)
def submit_batch(batch_id: int) -> str:
    """Send one batch (looked up at the provider first on a retry), then poll its results."""
    batch = batch_submit(batch=PaymentBatch.objects.select_related("provider").get(pk=batch_id))
    poll_batch.apply_async(args=[batch.pk], countdown=1)
    return batch.status


@shared_task(
    acks_late=True,
    autoretry_for=(ProviderUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=50,
)
def poll_batch(batch_id: int) -> str:
    """Take the provider's results; poll again later while lines are not final."""
    batch = PaymentBatch.objects.select_related("provider").get(pk=batch_id)
    batch_poll(batch=batch)
    batch.refresh_from_db()
    if batch.status != PaymentBatch.Status.COMPLETED:
        poll_batch.apply_async(args=[batch.pk], countdown=30)
    return batch.status
