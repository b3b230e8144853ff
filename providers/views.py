"""The callback inbox: providers post results here; they are stored raw before being trusted."""

import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.metrics import CallbackOutcome, record_callback
from providers.models import Provider
from providers.services import NoAdapter, callback_receive

logger = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024


@csrf_exempt  # a provider, not a browser: the HMAC signature is the authentication
@require_POST
def callback(request, code: str):
    if not Provider.objects.filter(code=code).exists():
        return HttpResponse(status=404)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # The declared length first: a huge body is refused without being read.
    if declared > MAX_CALLBACK_BYTES or len(request.body) > MAX_CALLBACK_BYTES:
        logger.warning(
            "callback_refused",
            extra={"provider": code, "code": "TOO_LARGE", "body_bytes": declared},
        )
        record_callback(provider=code, outcome=CallbackOutcome.REFUSED)
        return JsonResponse({"error": "too_large"}, status=413)
    try:
        event = callback_receive(
            provider_code=code,
            headers=dict(request.headers),
            body=request.body,
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
    except NoAdapter:
        return JsonResponse({"error": "no_adapter"}, status=404)
    if not event.signature_valid:
        return JsonResponse({"error": "invalid_callback", "event": event.pk}, status=400)
    if event.processed_at is None:
        # Stored and verified, but applying it failed: ours to process again, not the provider's
        # to resend (providers.tasks.retry_callback_events).
        return JsonResponse({"status": "accepted", "event": event.pk}, status=202)
    return JsonResponse({"status": "ok", "event": event.pk})
