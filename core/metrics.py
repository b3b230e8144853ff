"""The application's Prometheus metrics, defined once; the apps record through the functions here.

Exported at /metrics (core/views.py) in Prometheus's text format 0.0.4:

- `trocap_http_request_duration_seconds{method,route,status}`: the latency of every answer, by
  URL name (not the raw path) and status class (`2xx`...), recorded by
  core.middleware.RequestMetricsMiddleware;
- `trocap_payment_lists_generated_total`, `trocap_payment_list_generate_seconds`;
- `trocap_batches_sent_total{provider}`;
- `trocap_provider_errors_total{provider,kind}` (kind: a `ProviderErrorKind`);
- `trocap_callbacks_total{provider,outcome}` (outcome: a `CallbackOutcome`);
- `trocap_celery_task_retries_total{task}`, from Celery's task_retry signal (config/celery.py);
- `trocap_celery_queue_depth{queue}`: read from the broker at each scrape, -1 when the broker
  does not answer.

Several processes on one host (gunicorn's workers, the Celery worker's pool): with
PROMETHEUS_MULTIPROC_DIR set in their environment before they start, each process writes its
values to files in that folder and a scrape of any web process adds them all up
(prometheus_client's multiprocess mode). The folder must be emptied when the stack starts
(run_stack and config/gunicorn.py do).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
from enum import StrEnum
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import redis
from django.conf import settings
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# No *_created series beside each counter and histogram: nothing here reads them.
disable_created_metrics()
if MULTIPROC_DIR:
    # Each process's values go to files here from the first metric on.
    Path(MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)


class ProviderErrorKind(StrEnum):
    """Why a call to a payment provider failed."""

    UNAVAILABLE = "unavailable"  # refused the connection, or answered 5xx
    TIMEOUT = "timeout"  # no answer in time (the provider may have taken the batch)
    REJECTED = "rejected"  # answered and refused the request
    INVALID_RESPONSE = "invalid_response"  # an answer we cannot read or whose signature fails


class CallbackOutcome(StrEnum):
    """What became of a provider's callback at our inbox."""

    RECEIVED = "received"  # stored, before it is trusted
    REFUSED = "refused"  # bad signature or malformed: not processed
    PROCESSED = "processed"
    FAILED = "failed"  # processing raised: kept in the inbox for a replay
    DROPPED = "dropped"  # not stored: over the provider's size or unsigned-rate limit


REQUEST_SECONDS = Histogram(
    "trocap_http_request_duration_seconds",
    "Time to answer a request, by method, URL name and status class.",
    ["method", "route", "status"],
)
PAYMENT_LISTS_GENERATED = Counter(
    "trocap_payment_lists_generated",
    "Payment lists generated (a draft computed for a period).",
)
PAYMENT_LIST_GENERATE_SECONDS = Histogram(
    "trocap_payment_list_generate_seconds",
    "Time to generate one payment list.",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
BATCHES_SENT = Counter(
    "trocap_batches_sent",
    "Payment batches a provider accepted.",
    ["provider"],
)
PROVIDER_ERRORS = Counter(
    "trocap_provider_errors",
    "Failed calls to a payment provider, by kind.",
    ["provider", "kind"],
)
CALLBACKS = Counter(
    "trocap_callbacks",
    "Provider callbacks at the inbox, by outcome.",
    ["provider", "outcome"],
)
TASK_RETRIES = Counter(
    "trocap_celery_task_retries",
    "Celery task retries, by task name.",
    ["task"],
)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _provider(provider: str) -> str:
    """A provider's code as a label: only the configured ones, so that a forged callback
    address cannot add series without end."""
    code = str(provider)
    return code if code in settings.TROCAP_PROVIDERS else "other"


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """One answered request (the middleware's)."""
    REQUEST_SECONDS.labels(
        method=method if method in HTTP_METHODS else "other",
        route=route,
        status=f"{status // 100}xx",
    ).observe(seconds)


def record_payment_list_generated(*, seconds: float) -> None:
    """A payment list was generated in `seconds`."""
    PAYMENT_LISTS_GENERATED.inc()
    PAYMENT_LIST_GENERATE_SECONDS.observe(seconds)


def record_batch_sent(*, provider: str) -> None:
    """A provider accepted a batch."""
    BATCHES_SENT.labels(provider=_provider(provider)).inc()


def record_provider_error(*, provider: str, kind: ProviderErrorKind) -> None:
    """A call to a provider failed."""
    PROVIDER_ERRORS.labels(provider=_provider(provider), kind=ProviderErrorKind(kind)).inc()


def record_callback(*, provider: str, outcome: CallbackOutcome) -> None:
    """A provider's callback reached the inbox, or was refused, processed, failed or dropped
    there."""
    CALLBACKS.labels(provider=_provider(provider), outcome=CallbackOutcome(outcome)).inc()


def record_task_retry(*, task: str) -> None:
    """A Celery task is to be retried."""
    TASK_RETRIES.labels(task=task).inc()


def count_task_retry(sender=None, **_kwargs) -> None:
    """Receiver of Celery's task_retry signal (the sender is the task)."""
    record_task_retry(task=getattr(sender, "name", None) or "unknown")


# --- The Celery queues, read at scrape time --------------------------------------------------
# kombu's Redis transport keeps a queue's prioritised messages in lists named with this
# separator and the priority step (0 is the queue's own name).
_REDIS_PRIORITY_SEP = "\x06\x16"
_REDIS_PRIORITY_STEPS = (3, 6, 9)


def _redis_depths(queues: list[str]) -> dict[str, int]:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in queues:
                pipe.llen(queue)
                for step in _REDIS_PRIORITY_STEPS:
                    pipe.llen(f"{queue}{_REDIS_PRIORITY_SEP}{step}")
            lengths = pipe.execute()
    finally:
        client.close()
    per_queue = 1 + len(_REDIS_PRIORITY_STEPS)
    return {
        queue: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, queue in enumerate(queues)
    }


def _filesystem_depths(queues: list[str]) -> dict[str, int]:
    # kombu's filesystem transport: one file a message, named <time>_<uuid>.<queue>.msg.
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    counts = dict.fromkeys(queues, 0)
    wanted = {f"{queue}.msg": queue for queue in queues}
    with os.scandir(folder) as entries:
        for entry in entries:
            queue = wanted.get(entry.name.partition(".")[2])
            if queue is not None:
                counts[queue] += 1
    return counts


def queue_depths() -> dict[str, int]:
    """Tasks waiting in each of TROCAP_METRICS_QUEUES: -1 for all when the broker cannot be
    read (a scrape must still answer while Redis is down)."""
    queues = list(settings.TROCAP_METRICS_QUEUES)
    try:
        return _redis_depths(queues) if settings.REDIS_URL else _filesystem_depths(queues)
    except Exception:
        logger.warning(
            "celery queue depth unreadable",
            extra={"broker": "redis" if settings.REDIS_URL else "filesystem"},
            exc_info=True,
        )
        return dict.fromkeys(queues, -1)


class QueueDepthCollector:
    """trocap_celery_queue_depth{queue}, read from the broker when scraped."""

    NAME = "trocap_celery_queue_depth"
    HELP = "Celery tasks waiting in the broker's queue (-1: the broker did not answer)."

    def describe(self):
        # Registering must not read the broker (the default registry would collect to learn
        # the names).
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["queue"])

    def collect(self):
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["queue"])
        for queue, depth in queue_depths().items():
            family.add_metric([queue], depth)
        yield family


QUEUE_DEPTH = QueueDepthCollector()
if not MULTIPROC_DIR:
    REGISTRY.register(QUEUE_DEPTH)


def render() -> bytes:
    """The scrape's body: this process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of
    every process that wrote to the folder; and the queues' depths."""
    if not MULTIPROC_DIR:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=MULTIPROC_DIR)
    registry.register(QUEUE_DEPTH)
    return generate_latest(registry)


# --- Who may scrape ----------------------------------------------------------------------------
# Headers a reverse proxy adds: a request that came through one is not from this machine,
# whatever address it arrives from.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def scrape_allowed(meta: dict) -> bool:
    """With TROCAP_METRICS_TOKEN, a request sending `Authorization: Bearer <token>` (compared in
    constant time); without one, only a request made on this machine and forwarded by no proxy.
    `meta` is a WSGI environ (Django's request.META)."""
    token = settings.TROCAP_METRICS_TOKEN
    if token:
        scheme, _, given = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    if any(header in meta for header in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(meta.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


# --- A worker's own endpoint -----------------------------------------------------------------
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass  # no access line on stderr for every scrape


def _exporter_app(environ, start_response):
    if environ.get("PATH_INFO") != "/metrics" or not scrape_allowed(environ):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    body = render()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Cache-Control", "no-cache")])
    return [body]


def start_exporter(*, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """Serve /metrics from a thread of this process, with the web's rules (scrape_allowed):
    for a Celery worker that does not share the web's multiprocess folder (its own container).
    Returns the server (its `server_port`, `shutdown()`)."""
    server = make_server(host, port, _exporter_app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    logger.info("metrics exporter listening", extra={"port": server.server_port})
    return server
