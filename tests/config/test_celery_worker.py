"""A real Celery worker process runs tasks from the configured broker against our database:
the local filesystem broker when nothing is configured, Redis when REDIS_URL is set."""

import pytest

from org.tasks import units_summary

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_a_worker_process_runs_a_task_against_our_database(celery_worker_process, hue_units):
    result = units_summary.delay()
    counts = result.get(timeout=60)
    assert counts == {"province": 1, "district": 9, "commune": 134}
    assert celery_worker_process.poll() is None, "the worker died"
