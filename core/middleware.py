"""Middleware of the logs and metrics: every request is timed and carries a request id."""

from __future__ import annotations

import re
import time

from django_structlog.middlewares import RequestMiddleware

from core import metrics

# An X-Request-ID from outside is kept only when it looks like an id (a proxy's UUID or hex):
# anything else would go into every log line of the request as it is.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def route_of(request) -> str:
    """The URL's name (`payments:review`), never the path with its ids: one series per page."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestMetricsMiddleware:
    """Records each answer in trocap_http_request_duration_seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe_request(
            method=request.method,
            route=route_of(request),
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's RequestMiddleware: a request_id (the incoming X-Request-ID when it is
    an id), the user and the address bound to every line logged while the request runs, and to
    the Celery tasks it queues; request_started / request_finished lines.

    The lines name the path without its query string: a search there may be a person's ID
    number or name."""

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID")
        if given is not None and not REQUEST_ID.fullmatch(given):
            del request.META["HTTP_X_REQUEST_ID"]
            request.__dict__.pop("headers", None)  # read again from META
        return super().__call__(request)

    @staticmethod
    def format_request(request) -> str:
        return f"{request.method} {request.path}"
