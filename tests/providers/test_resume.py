"""resume_stalled_batches (beat): what a lost worker left behind is queued again, and only that."""

import datetime

import pytest
from django.utils import timezone

from payments import tasks
from payments.models import PaymentBatch, PeriodStatus
from tests.payments.test_generate import person
from tests.payments.test_reconciliation import sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    for name in ("submit_batch", "poll_batch", "reconcile_period"):
        task = getattr(tasks, name)
        monkeypatch.setattr(task, "delay", lambda *args, name=name: calls.append((name, *args)))
    return calls


def test_stalled_batches_are_queued_again_and_fresh_ones_left_alone(
    hue_units, officers, queued, settings
):
    settings.TROCAP_BATCH_STALL_SECONDS = 60
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = sent(hue_units["district"], datetime.date(2026, 12, 1), officers["district"])
    batch = PaymentBatch.objects.get()
    long_ago = timezone.now() - datetime.timedelta(minutes=5)

    batch.status, batch.last_attempt_at = "submitting", timezone.now()
    batch.save()
    assert tasks.resume_stalled_batches() == 0  # a submit in progress: leave it
    PaymentBatch.objects.filter(pk=batch.pk).update(last_attempt_at=long_ago)
    assert tasks.resume_stalled_batches() == 1
    assert queued == [("submit_batch", batch.pk)]

    queued.clear()
    PaymentBatch.objects.filter(pk=batch.pk).update(
        status="acknowledged", acknowledged_at=long_ago, last_polled_at=long_ago
    )
    assert tasks.resume_stalled_batches() == 1
    assert queued == [("poll_batch", batch.pk)]

    queued.clear()
    PaymentBatch.objects.filter(pk=batch.pk).update(status="completed", completed_at=long_ago)
    assert tasks.resume_stalled_batches() == 1
    assert queued == [("reconcile_period", period.pk)]

    queued.clear()
    period.status = PeriodStatus.RECONCILED
    period.save()
    assert tasks.resume_stalled_batches() == 0  # reconciled: nothing left to do
