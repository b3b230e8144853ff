"""Issue 16, generation integrity: a list reflects one point in the register's history (a
decision after it makes the list stale, and closing names it); a generation that dies is seen
(failed, with its reason and a button to try again); nobody is silently priced at zero.

The real worker cases (an approval landing while a worker generates, a worker killed during a
generation) are in test_generation_worker.py."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import ChangeRecord, StandardLevel
from beneficiaries.services.changes import change_record_approve, change_record_create
from beneficiaries.services.inputs import ChangeInput
from core.errors import error_codes
from payments.errors import PaymentErrorCode
from payments.models import PaymentList, PaymentPeriod
from payments.services import (
    payment_list_close,
    payment_list_generate,
    payment_list_generate_async,
    payment_period_open,
)
from payments.tasks import fail_stalled_generations, generate_payment_list
from tests.payments.test_generate import DEC, line, person

pytestmark = pytest.mark.django_db


def suspend(b, officers, *, approve=True) -> ChangeRecord:
    change = change_record_create(
        beneficiary=b,
        data=ChangeInput(kind="suspend", reason="other", effective_month=DEC),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 21),
    )
    if approve:
        change = change_record_approve(
            change=change, approved_by=officers["district"], today=datetime.date(2026, 11, 22)
        )
    return change


# --- 1. Generation is consistent with approval ---------------------------------------------------


def test_an_approval_between_the_read_and_the_write_makes_the_list_stale(
    hue_units, officers, checker
):
    """The progress report of 0/n comes once the register has been read: an approval landing
    there is in neither the lines nor (before the fix) the staleness check."""
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Lê Thị Hoa")
    change = suspend(b, officers, approve=False)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    approved = []

    def progress(done, total):
        if not approved:
            approved.append(
                change_record_approve(
                    change=change,
                    approved_by=officers["district"],
                    today=datetime.date(2026, 11, 22),
                )
            )

    # A change waiting for a decision holds up closing, not generation.
    payment_list_generate(period=period, generated_by=officers["district"], progress=progress)
    assert approved
    assert line(period, b) is not None  # the read did not see the suspension
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.CHANGES_SINCE_GENERATION}
    assert "Lê Thị Hoa" in refused.value.messages[0]  # says which change to take in
    assert f"{change.pk}" in refused.value.messages[0]
    payment_list_generate(period=period, generated_by=officers["district"])
    assert line(period, b) is None
    payment_list_close(period=period, closed_by=checker)


def test_a_decision_stamped_before_the_read_but_committed_after_it_is_caught(
    hue_units, officers, checker
):
    """An approval stamps decided_at when its transaction starts: one that committed after the
    read began carries a time before the list's snapshot, and must still make it stale."""
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Phan Văn Tư")
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, generated_by=officers["district"])
    plist = PaymentList.objects.get(period=period)
    change = suspend(b, officers)
    # As the read never saw it: decided a second before the snapshot (and after the old
    # generated_at check's horizon, generated_at being later still).
    ChangeRecord.objects.filter(pk=change.pk).update(
        decided_at=plist.snapshot_at - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.CHANGES_SINCE_GENERATION}
    assert "Phan Văn Tư" in refused.value.messages[0]


def test_a_recent_decision_the_read_saw_is_not_stale(hue_units, officers, checker):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    change = suspend(b, officers)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, generated_by=officers["district"])
    assert PaymentList.objects.get(period=period).changes_seen == [change.pk]
    payment_list_close(period=period, closed_by=checker)


def test_the_review_names_the_changes_to_take_in(client, hue_units, officers):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Đỗ Văn Năm")
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, generated_by=officers["district"])
    suspend(b, officers)
    client.force_login(officers["district"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert "data-stale" in html and "Đỗ Văn Năm" in html
    assert reverse("payments:close", args=[period.pk]) not in html


# --- 2. A generation that dies is seen ------------------------------------------------------------


def test_any_error_ends_the_generation_as_failed_with_its_reason(
    client,
    hue_units,
    officers,
    eager_celery,
    django_capture_on_commit_callbacks,
    monkeypatch,
    checker,
):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = payment_period_open(unit=hue_units["district"], month=DEC)

    def broken():
        raise RuntimeError("policy tables unreadable")

    monkeypatch.setattr("payments.services.generation.load_policy_tables", broken)
    with django_capture_on_commit_callbacks(execute=True):
        payment_list_generate_async(period=period, user=officers["district"])
    plist = PaymentList.objects.get(period=period)
    assert not plist.generating and plist.generation_failed
    assert "RuntimeError: policy tables unreadable" in plist.generation_error
    client.force_login(officers["district"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert 'data-generation="failed"' in html and "policy tables unreadable" in html
    assert 'hx-trigger="every 1s"' not in html  # no spinner
    assert "Thử lại" in html  # the button to try again
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.NOT_GENERATED}
    # Trying again once the cause is gone generates the list.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:generate", args=[period.pk]))
    plist.refresh_from_db()
    assert plist.generation_error == "" and plist.line_count == 1 and not plist.generating


def test_an_absurd_standard_level_fails_the_generation(hue_units, officers):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL refuses to store such a level in the first place")
    person(hue_units["commune"], datetime.date(2025, 1, 1), ["K1"])  # coefficient 2.5
    StandardLevel.objects.create(
        effective_month=datetime.date(2026, 11, 1),
        amount=9_223_372_036_854_775_807,
        legal_basis="absurd",
    )
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    with pytest.raises(OverflowError):
        payment_list_generate(period=period)
    plist = PaymentList.objects.get(period=period)
    assert plist.generation_failed and "OverflowError" in plist.generation_error


def test_a_list_whose_regeneration_failed_does_not_close(hue_units, officers, monkeypatch, checker):
    """The lines of the attempt before stay on the page, but the officer asked for new ones."""
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    monkeypatch.setattr("payments.services.generation._states", None)  # TypeError when called
    with pytest.raises(TypeError):
        payment_list_generate(period=period)
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.GENERATION_FAILED}
    monkeypatch.undo()
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=checker)


def test_a_month_out_of_the_calendar_fails_the_generation(hue_units, officers):
    """9999-12 once stayed "generating" for good (the worker raised ValueError: year 10000).
    The month window refuses it now; either way the generation ends, failed, with the reason."""
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = PaymentPeriod.objects.create(
        unit=hue_units["district"], month=datetime.date(9999, 12, 1)
    )
    PaymentList.objects.create(period=period, task_id="queued", heartbeat_at=timezone.now())
    result = generate_payment_list.apply(args=[period.pk], task_id="queued").get()
    assert "12/9999" in result["error"]
    plist = PaymentList.objects.get(period=period)
    assert plist.generation_failed and not plist.generating
    assert "12/9999" in plist.generation_error


def test_beat_fails_a_generation_that_stopped_beating(client, hue_units, officers, settings):
    settings.TROCAP_GENERATION_STALL_SECONDS = 300
    stuck = payment_period_open(unit=hue_units["district"], month=DEC)
    alive = payment_period_open(unit=hue_units["other_district"], month=DEC)
    now = timezone.now()
    PaymentList.objects.filter(period=stuck).update(
        task_id="dead",
        heartbeat_at=now - datetime.timedelta(minutes=6),
        claimed_at=now - datetime.timedelta(minutes=7),
    )
    PaymentList.objects.filter(period=alive).update(
        task_id="alive",
        heartbeat_at=now - datetime.timedelta(minutes=4),
        claimed_at=now - datetime.timedelta(minutes=7),
    )
    assert fail_stalled_generations() == 1
    stuck_list = PaymentList.objects.get(period=stuck)
    assert stuck_list.generation_failed and not stuck_list.generating
    assert stuck_list.heartbeat_at is None and stuck_list.generation_error  # the reason
    assert PaymentList.objects.get(period=alive).generating
    client.force_login(officers["district"])
    html = client.get(reverse("payments:progress", args=[stuck.pk])).content.decode()
    assert 'data-generation="failed"' in html and "Thử lại" in html
    assert fail_stalled_generations() == 0  # failed once


def test_a_generation_waiting_its_turn_in_the_queue_is_not_a_stalled_one(hue_units, settings):
    """Beat queues a province's communes at once (3,321 lists in the country's run): one still
    waiting behind the others after the stall time has not stopped, it has not started. Only
    one that no worker took up within TROCAP_GENERATION_QUEUE_SECONDS is failed, and says so."""
    settings.TROCAP_GENERATION_STALL_SECONDS = 300
    settings.TROCAP_GENERATION_QUEUE_SECONDS = 3600
    waiting = payment_period_open(unit=hue_units["district"], month=DEC)
    forgotten = payment_period_open(unit=hue_units["other_district"], month=DEC)
    now = timezone.now()
    PaymentList.objects.filter(period=waiting).update(
        task_id="waiting", heartbeat_at=now - datetime.timedelta(minutes=20), claimed_at=None
    )
    PaymentList.objects.filter(period=forgotten).update(
        task_id="forgotten", heartbeat_at=now - datetime.timedelta(minutes=61), claimed_at=None
    )
    assert fail_stalled_generations() == 1
    assert PaymentList.objects.get(period=waiting).generating
    failed = PaymentList.objects.get(period=forgotten)
    assert failed.generation_failed
    assert "nhận việc lập danh sách" in failed.generation_error  # not "stopped": never started


def test_a_queued_generation_is_claimed_when_a_worker_takes_it_up(hue_units, eager_celery):
    from payments.services.generation_runs import generation_claim, generation_mark_queued

    period = payment_period_open(unit=hue_units["district"], month=DEC)
    task_id = generation_mark_queued(period=period)
    plist = PaymentList.objects.get(period=period)
    assert plist.claimed_at is None and plist.heartbeat_at is not None
    assert generation_claim(period_id=period.pk, task_id=task_id)
    assert PaymentList.objects.get(period=period).claimed_at is not None


def test_a_generation_declared_dead_does_not_run_when_its_message_comes_back(
    hue_units, officers, eager_celery
):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    PaymentList.objects.filter(period=period).update(task_id="t1", generation_error="stopped")
    assert generate_payment_list.apply(args=[period.pk], task_id="t1").get()["skipped"]
    # Superseded by a later request: the older message does nothing either.
    PaymentList.objects.filter(period=period).update(task_id="t2", generation_error="")
    assert generate_payment_list.apply(args=[period.pk], task_id="t1").get()["skipped"]
    assert PaymentList.objects.get(period=period).line_count == 0
    result = generate_payment_list.apply(args=[period.pk], task_id="t2").get()
    assert result["lines"] == 1


def test_the_beat_opened_generations_are_followed_too(hue_units, eager_celery):
    from payments.tasks import open_next_periods

    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    open_next_periods()
    assert not any(p.generating for p in PaymentList.objects.all())
    assert PaymentPeriod.objects.filter(status="generated").count() == 9


# --- 3. No silent zero ----------------------------------------------------------------------------


def test_a_person_the_rules_cannot_price_gets_a_marked_line_and_blocks_closing(
    client, hue_units, officers, checker
):
    c = hue_units["commune"]
    fine = person(c, datetime.date(1940, 1, 1), ["K5C"])
    # K1 (an orphan) has no coefficient band in the tables once they are emptied for K1.
    from beneficiaries.policy_models import CategoryCoefficient

    orphan = person(c, datetime.date(2020, 1, 1), ["K1"], full_name="Trần Bé Ba")
    CategoryCoefficient.objects.filter(category__code="K1").delete()
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, generated_by=officers["district"])
    marked = line(period, orphan)
    assert marked is not None, "silently dropped"
    assert (marked.cannot_compute, marked.amount_total) == (True, 0)
    assert "K1" in marked.cannot_compute_reason
    assert not line(period, fine).cannot_compute
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.LINES_CANNOT_COMPUTE}
    assert "Trần Bé Ba" in refused.value.messages[0]
    client.force_login(officers["district"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert "data-cannot-compute" in html and "Trần Bé Ba" in html
    assert reverse("payments:close", args=[period.pk]) not in html


def test_no_standard_level_in_force_is_a_reason_not_a_zero(hue_units, officers, checker):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    StandardLevel.objects.all().delete()
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    marked = line(period, b)
    assert marked.cannot_compute and "12/2026" in marked.cannot_compute_reason
    with pytest.raises(ValidationError) as refused:
        payment_list_close(period=period, closed_by=checker)
    assert error_codes(refused.value) == {PaymentErrorCode.LINES_CANNOT_COMPUTE}
