"""The callback inbox: providers post results here; they are stored raw before being trusted."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from providers.models import Provider
from providers.services import NoAdapter, callback_receive

MAX_CALLBACK_BYTES = 1024 * 1024


@csrf_exempt  # a provider, not a browser: the HMAC signature is the authentication
@require_POST
def callback(request, code: str):
    if not Provider.objects.filter(code=code).exists():
        return HttpResponse(status=404)
    if len(request.body) > MAX_CALLBACK_BYTES:
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
    return JsonResponse({"status": "ok", "event": event.pk})
