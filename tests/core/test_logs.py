"""Log lines carry the request id and the event's fields; production writes them as JSON, one
object a line; a task queued by a request logs with that request's id (in a real worker)."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from config.celery import app
from core.logs import formatter
from tests.helpers import test_database_url


@pytest.fixture
def json_lines():
    """Every line logged while the test runs, rendered as production renders it (at the
    moment it is logged, as the real handler does: the request's context is bound then)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(json=True))
    root = logging.getLogger()
    quiet = logging.getLogger("django_structlog.middlewares")
    levels = root.level, quiet.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    quiet.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(levels[0])
    quiet.setLevel(levels[1])


@pytest.mark.urls("tests.core.urls")
def test_a_requests_lines_carry_its_request_id_and_the_events_fields(client, json_lines, db):
    client.get("/log/", HTTP_X_REQUEST_ID="req-abc-1")
    client.get("/log/")
    lines = json_lines()
    event = next(line for line in lines if line["event"] == "payment list generated")
    assert event["request_id"] == "req-abc-1"
    assert event["level"] == "info"
    assert event["logger"] == "payments.services"
    assert event["period_id"] == 7 and event["batch_reference"] == "B-1"
    assert "timestamp" in event
    finished = [line for line in lines if line["event"] == "request_finished"]
    assert [line["code"] for line in finished] == [200, 200]
    assert finished[0]["request_id"] == "req-abc-1"
    # Without a header the request gets an id of its own.
    assert finished[1]["request_id"] not in ("", None, "req-abc-1")


@pytest.mark.urls("tests.core.urls")
def test_the_query_string_and_an_odd_request_id_stay_out_of_the_lines(client, json_lines, db):
    client.get("/log/", {"q": "046123456789"}, HTTP_X_REQUEST_ID="x\ny" + "z" * 200)
    lines = json_lines()
    started = next(line for line in lines if line["event"] == "request_started")
    assert started["request"] == "GET /log/"
    assert "046123456789" not in json.dumps(lines)
    assert "\n" not in started["request_id"] and len(started["request_id"]) == 36  # a uuid


def test_production_writes_one_json_object_a_line(tmp_path):
    """config.settings.production as docker-compose runs it: every line on stderr is JSON."""
    script = (
        "import django, logging, structlog; django.setup()\n"
        "from django.test import Client\n"
        "Client().get('/healthz/', HTTP_X_REQUEST_ID='req-prod-1')\n"
        "with structlog.contextvars.bound_contextvars(request_id='req-prod-2'):\n"
        "    logging.getLogger('providers.tasks').warning(\n"
        "        'provider unavailable', extra={'provider': 'VNPOST', 'period_id': 3})\n"
    )
    unset = {"DATABASE_URL", "REDIS_URL", "LOG_JSON", "LOG_LEVEL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="s" * 50,
        TROCAP_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines()]  # each one JSON
    finished = next(line for line in lines if line["event"] == "request_finished")
    assert finished["request_id"] == "req-prod-1"
    assert finished["level"] == "info" and finished["code"] == 200
    event = next(line for line in lines if line["event"] == "provider unavailable")
    assert event["request_id"] == "req-prod-2"
    assert event["level"] == "warning" and event["logger"] == "providers.tasks"
    assert event["provider"] == "VNPOST" and event["period_id"] == 3


@pytest.mark.slow
@pytest.mark.urls("tests.core.urls")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_queued_by_a_request_logs_with_its_request_id(client, tmp_path):
    """A real worker process (solo pool) on the run's broker, its lines in JSON. It takes only
    a queue of its own, so that it runs no other test's task (nor they its)."""
    queue = f"test-logs-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "celery"),
            *("-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"),
            *("--without-gossip", "--without-mingle", "--hostname", f"{queue}@%h", "-Q", queue),
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "LOG_LEVEL": "INFO",  # over the worker's --loglevel
            "LOG_JSON": "1",
        },
        stdout=open(log, "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        answer = client.get("/queue/", {"queue": queue}, HTTP_X_REQUEST_ID="req-celery-1")
        task_id = answer.json()["task_id"]
        app.AsyncResult(task_id).get(timeout=60)
        lines: list[dict] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = log.read_text()
            lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
            if any(line["event"] == "task_succeeded" for line in lines):
                break
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    task_lines = [line for line in lines if line.get("task_id") == task_id]
    events = {line["event"] for line in task_lines}
    assert {"task_started", "task_succeeded"} <= events, text
    assert {line["request_id"] for line in task_lines} == {"req-celery-1"}
