"""/metrics: the Prometheus scrape, for the monitoring system only (never an officer)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache

from core import metrics


@never_cache
def metrics_view(request):
    """The metrics in Prometheus's text format (core.metrics.scrape_allowed says who may read
    them); a 404 for anyone else, signed in or not, so that the page does not show it exists."""
    if not metrics.scrape_allowed(request.META):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
