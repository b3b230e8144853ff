"""Pages for the logging tests only: one logs a domain event, one queues a task."""

import logging

from django.http import JsonResponse
from django.urls import path

from org.tasks import units_summary

logger = logging.getLogger("payments.services")


def log_an_event(request):
    logger.info("payment list generated", extra={"period_id": 7, "batch_reference": "B-1"})
    return JsonResponse({})


def queue_a_task(request):
    return JsonResponse({"task_id": units_summary.apply_async(queue=request.GET["queue"]).id})


urlpatterns = [
    path("log/", log_an_event, name="log_an_event"),
    path("queue/", queue_a_task, name="queue_a_task"),
]
