"""/metrics: the Prometheus scrape, for the monitoring system only (never an officer)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache

from core import metrics

# Headers a reverse proxy adds: a request that came through one is not from this machine,
# whatever address it arrives from.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def from_loopback(request) -> bool:
    """The request was made on this machine, not forwarded by a proxy that runs here."""
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def has_token(request, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def scrape_allowed(request) -> bool:
    """With TROCAP_METRICS_TOKEN, whoever sends it; without, only this machine."""
    token = settings.TROCAP_METRICS_TOKEN
    return has_token(request, token) if token else from_loopback(request)


@never_cache
def metrics_view(request):
    """The metrics in Prometheus's text format; a 404 for anyone who may not scrape, signed in
    or not, so that the page does not show it exists."""
    if not scrape_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
