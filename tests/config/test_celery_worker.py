"""A real Celery worker process runs tasks from the configured broker against our database:
the local filesystem broker when nothing is configured, Redis when REDIS_URL is set."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from org.tasks import units_summary
from tests.helpers import test_database_url

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


@pytest.fixture
def worker():
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier, interrupted run
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    process = subprocess.Popen(
        [
            celery,
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_worker_process_runs_a_task_against_our_database(worker, hue_units):
    result = units_summary.delay()
    counts = result.get(timeout=60)
    assert counts == {"province": 1, "district": 9, "commune": 134}
    assert worker.poll() is None, "the worker died"
