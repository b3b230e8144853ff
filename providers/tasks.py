"""Celery tasks of the provider layer: the callback inbox's retries.

(The batch tasks that were here until this release are ``payments.tasks``; their old names are
registered there for one release.)"""

from celery import shared_task

from providers.services import callback_events_retry


@shared_task(acks_late=True)
def retry_callback_events() -> int:
    """Beat, every five minutes: process again the stored callbacks whose processing failed
    (see callback_events_retry for the backoff and the limit). Returns how many were tried."""
    return callback_events_retry()
