"""The callback inbox: providers post results here; they are stored before being trusted."""

import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.metrics import CallbackOutcome, record_callback
from providers.models import Provider
from providers.services import NoAdapter, callback_max_bytes, callback_receive

logger = logging.getLogger(__name__)


def _too_large(code: str, size: int) -> JsonResponse:
    logger.warning(
        "callback_dropped", extra={"provider": code, "code": "TOO_LARGE", "body_bytes": size}
    )
    record_callback(provider=code, outcome=CallbackOutcome.DROPPED)
    return JsonResponse({"error": "too_large"}, status=413)


@csrf_exempt  # a provider, not a browser: the HMAC signature is the authentication
@require_POST
def callback(request, code: str):
    if not Provider.objects.filter(code=code).exists():
        return HttpResponse(status=404)
    limit = callback_max_bytes(code)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # The declared length first: a larger body is refused without being read; then at most
    # one byte more than the limit is read, whatever was declared.
    if declared > limit:
        return _too_large(code, declared)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _too_large(code, len(body))
    try:
        event = callback_receive(
            provider_code=code,
            headers=dict(request.headers),
            body=body,
            remote_addr=request.META.get("REMOTE_ADDR"),
        )
    except NoAdapter:
        return JsonResponse({"error": "no_adapter"}, status=404)
    if event is None:  # refused and not stored: over the provider's limit of refused ones
        return JsonResponse({"error": "invalid_callback"}, status=400)
    if not event.signature_valid:
        return JsonResponse({"error": "invalid_callback", "event": event.pk}, status=400)
    if event.processed_at is None:
        # Stored and verified, but applying it failed: ours to process again, not the provider's
        # to resend (providers.tasks.retry_callback_events).
        return JsonResponse({"status": "accepted", "event": event.pk}, status=202)
    return JsonResponse({"status": "ok", "event": event.pk})
