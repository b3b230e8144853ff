"""Sending the portal its decisions: each webhook until the portal answers 2xx."""

import logging

from celery import shared_task
from django.conf import settings

from api.models import WebhookDelivery
from api.portal import webhook_send, webhooks_due

logger = logging.getLogger(__name__)

MAX_COUNTDOWN = 6 * 3600  # the longest wait between two attempts


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> bool:
    """One attempt now; if it fails, another after an exponential backoff, up to
    TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS attempts (the admin shows what is left undelivered)."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at is not None:
        return True
    if webhook_send(delivery):
        return True
    attempts = delivery.attempts + 1
    if attempts >= settings.TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS:
        logger.error(
            "portal webhook given up",
            extra={
                "delivery_id": delivery_id,
                "dossier_id": delivery.payload.get("dossier_id"),
                "attempts": attempts,
            },
        )
        return False
    backoff = settings.TROCAP_PORTAL_WEBHOOK_BACKOFF * 2 ** (attempts - 1)
    raise self.retry(countdown=min(backoff, MAX_COUNTDOWN))


@shared_task(acks_late=True)
def resend_webhooks() -> int:
    """Queue again the deliveries whose retry was lost (a worker died between attempts)."""
    # Longer than any scheduled retry waits: what is older than this has no retry coming.
    backoff = settings.TROCAP_PORTAL_WEBHOOK_BACKOFF
    longest = backoff * 2**settings.TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS
    due = webhooks_due(stale_seconds=min(longest, MAX_COUNTDOWN) + backoff + 60)
    for pk in due:
        deliver_webhook.delay(pk)
    if due:
        logger.info("portal webhooks queued again", extra={"deliveries": len(due)})
    return len(due)
