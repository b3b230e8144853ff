"""Generation on a real Celery worker, with the timing made deterministic: the worker's app
(tests/payments/paused_worker.py) pauses each generation after it has read the register and
before it writes, until the test says go.

- An approval landing in that pause is in neither the lines nor (before issue 16) the staleness
  check, and the list closed: now closing refuses it and names the change.
- A worker killed in that pause left the period "generating" for good: now beat fails it, the
  page says so, and trying again on a live worker generates the list.

Run on PostgreSQL and Redis too (DATABASE_URL, REDIS_URL)."""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.services.changes import change_record_approve
from core.errors import error_codes
from payments.errors import PaymentErrorCode
from payments.models import PaymentList, PeriodStatus
from payments.services import payment_list_close, payment_list_generate_async, payment_period_open
from tests.payments.test_generate import DEC, line, person
from tests.payments.test_generation_integrity import suspend
from tests.workers import Workers

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


@pytest.fixture
def workers(tmp_path):
    from config.celery import app
    from tests.helpers import test_database_url

    app.control.purge()  # nothing left over from an earlier, interrupted run
    env = {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop()


def wait_for(condition, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def paused_worker(workers, folder):
    folder.mkdir()
    return workers.start(
        beat=False, app="tests.payments.paused_worker", TROCAP_TEST_PAUSE_DIR=str(folder)
    )


def test_an_approval_while_the_worker_generates_makes_the_list_stale(
    workers, hue_units, officers, tmp_path, checker
):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Võ Thị Mai")
    person(hue_units["commune"], datetime.date(1941, 1, 1), ["K5C"])
    change = suspend(b, officers, approve=False)
    pause = tmp_path / "pause"
    paused_worker(workers, pause)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate_async(period=period, user=officers["district"])
    wait_for(lambda: (pause / "reached").exists(), what="the worker to read the register")

    # The worker has read everything; the district approves the suspension now.
    change_record_approve(
        change=change, approved_by=officers["district"], today=datetime.date(2026, 11, 22)
    )
    (pause / "go").touch()
    plist = wait_for(
        lambda: PaymentList.objects.filter(period=period, generated_at__isnull=False).first(),
        what="the list to be written",
    )
    assert not plist.generating and plist.line_count == 2
    assert line(period, b) is not None  # the suspension is not in the lines...

    with pytest.raises(ValidationError) as refused:  # ...so the list is stale
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.CHANGES_SINCE_GENERATION}
    assert "Võ Thị Mai" in refused.value.messages[0]

    (pause / "reached").unlink()
    payment_list_generate_async(period=period, user=officers["district"])  # take it in
    wait_for(lambda: not PaymentList.objects.get(period=period).generating, what="the new list")
    assert line(period, b) is None
    payment_list_close(period=period, closed_by=checker)
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED


def test_a_worker_killed_while_generating_leaves_a_failed_generation_not_a_spinner(
    workers, hue_units, officers, tmp_path
):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    pause = tmp_path / "pause"
    doomed = paused_worker(workers, pause)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate_async(period=period, user=officers["district"])
    wait_for(lambda: (pause / "reached").exists(), what="the worker to start generating")
    assert PaymentList.objects.get(period=period).generating
    workers.kill(doomed)  # SIGKILL, worker and all

    # A live worker with beat: it finds the generation silent and fails it.
    workers.start(
        beat=True, TROCAP_GENERATION_STALL_SECONDS="3", TROCAP_GENERATION_CHECK_SECONDS="1"
    )
    plist = wait_for(
        lambda: PaymentList.objects.filter(period=period).exclude(generation_error="").first(),
        what="beat to fail the silent generation",
    )
    assert not plist.generating and plist.generated_at is None
    assert "tiến trình xử lý" in plist.generation_error  # "no sign of its worker since ..."

    # Try again: the live worker generates it.
    payment_list_generate_async(period=period, user=officers["district"])
    plist = wait_for(
        lambda: PaymentList.objects.filter(period=period, generated_at__isnull=False).first(),
        what="the list on the live worker",
    )
    assert plist.line_count == 1 and plist.generation_error == "" and not plist.generating
