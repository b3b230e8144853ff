"""The Celery application.

With no REDIS_URL the broker is a local filesystem queue under var/ (a real worker process
consumes it, no server needed); with REDIS_URL it is Redis. See config/settings/base.py.

A worker logs like the web processes (core/logs.py: Django's LOGGING, not Celery's own format),
each task's lines carry its task_id and the request_id of the request that queued it
(django-structlog's worker step), and each retry counts in trocap_celery_task_retries_total.
"""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, task_retry, worker_init
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

from core.metrics import count_task_retry, start_exporter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("trocap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(DjangoStructLogInitStep)
task_retry.connect(count_task_retry, weak=False)


@setup_logging.connect(weak=False)
def configure_worker_logging(loglevel=None, **_kwargs):
    """Django's LOGGING instead of Celery's handlers. The root level is LOG_LEVEL when set,
    else the worker's --loglevel."""
    logging.config.dictConfig(settings.LOGGING)
    if loglevel and "LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(loglevel)


@worker_init.connect(weak=False)
def serve_worker_metrics(**_kwargs):
    """With TROCAP_WORKER_METRICS_PORT, the worker serves its own /metrics (its pool's
    processes added up through PROMETHEUS_MULTIPROC_DIR): for a worker in a container of its
    own, whose counts the web's /metrics cannot see."""
    if settings.TROCAP_WORKER_METRICS_PORT:
        start_exporter(port=settings.TROCAP_WORKER_METRICS_PORT)
