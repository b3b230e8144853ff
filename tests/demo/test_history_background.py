"""make run's history: seed_demo --history=background queues it, the worker's task builds it
one month a task, oldest first, and resumes an interrupted month; the dashboards and the
payment lists say how far it is while it is built, and nothing once it is made."""

import datetime
import io
import logging
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from demo import tasks
from demo.history import planned_periods
from demo.progress import history_notice, history_progress
from demo.seed import demo_seed
from org.models import User
from payments.models import PaymentPeriod, PeriodStatus
from payments.services import payment_list_close, payment_list_generate
from tests.providers.mockprocess import free_port

AS_OF = datetime.date(2026, 11, 1)
SEPTEMBER, OCTOBER = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)
NOTICE = "Đang dựng lịch sử chi trả của bản demo: tháng {}/{}"


@pytest.fixture
def queued(monkeypatch):
    """What would be sent to the worker, instead of sending it."""
    calls = []
    monkeypatch.setattr(tasks, "history_build_queue", lambda **kw: calls.append(kw))
    monkeypatch.setattr(
        "demo.management.commands.seed_demo.history_build_queue", lambda **kw: calls.append(kw)
    )
    return calls


@pytest.mark.django_db
def test_background_mode_plans_and_queues_the_history_without_building_it(queued):
    out = io.StringIO()
    call_command(
        "seed_demo",
        beneficiaries=200,
        seed=5,
        as_of=AS_OF,
        months=2,
        history="background",
        stdout=out,
    )
    assert queued == [{"province_code": "46", "seed": 5}]
    assert "builds the payment history in the background, from month 1 of 2" in out.getvalue()
    periods = PaymentPeriod.objects.all()
    assert periods.count() == 2 * 9
    assert {p.status for p in periods} == {PeriodStatus.DRAFT}
    progress = history_progress()
    assert (progress.months, progress.done, progress.current) == ([SEPTEMBER, OCTOBER], 0, 1)

    # The next make run queues the rest again (the worker resumes it); once it is made, nothing.
    out = io.StringIO()
    call_command("seed_demo", skip_if_seeded=True, history="background", stdout=out)
    assert len(queued) == 2 and "skipped" in out.getvalue()
    periods.update(status=PeriodStatus.RECONCILED)
    call_command("seed_demo", skip_if_seeded=True, history="background", stdout=io.StringIO())
    assert len(queued) == 2


@pytest.mark.django_db
def test_no_demo_history_no_notice():
    assert history_progress() is None and history_notice() is None
    demo_seed(count=50, seed=3, as_of=AS_OF, months=0)
    assert history_progress() is None


@pytest.mark.django_db
def test_the_dashboard_and_the_payment_lists_say_how_far_the_history_is(client):
    demo_seed(count=100, seed=4, as_of=AS_OF, months=2)
    client.force_login(User.objects.get(username="tinh46"))
    pages = [reverse("reports:dashboard"), reverse("payments:list")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert NOTICE.format(1, 2) in response.content.decode(), url
    # September done: October is being built.
    PaymentPeriod.objects.filter(month=SEPTEMBER).update(status=PeriodStatus.RECONCILED)
    for url in pages:
        assert NOTICE.format(2, 2) in client.get(url).content.decode(), url
    # All done: no notice.
    PaymentPeriod.objects.update(status=PeriodStatus.RECONCILED)
    for url in pages:
        assert "Đang dựng lịch sử" not in client.get(url).content.decode(), url


@pytest.mark.django_db
def test_a_second_task_leaves_the_month_to_the_one_holding_the_lock(queued):
    demo_seed(count=50, seed=3, as_of=AS_OF, months=1)
    with tasks.history_lock() as held:
        assert held
        assert tasks.history_month_build(province_code="46", seed=3) == "busy"
    assert queued == []
    assert set(PaymentPeriod.objects.values_list("status", flat=True)) == {PeriodStatus.DRAFT}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_builds_one_month_at_a_time_oldest_first_and_resumes(tmp_path, queued, caplog):
    with override_settings(
        MOCK_PROVIDERS_URL=f"http://127.0.0.1:{free_port()}",
        MOCK_PROVIDERS_DB=tmp_path / "mock_providers.sqlite3",
    ):
        result = demo_seed(count=300, seed=8, as_of=AS_OF, months=2)
        build = {"province_code": "46", "seed": 8, "mock_wait_seconds": 0}
        with caplog.at_level(logging.INFO, logger="demo.tasks"):
            assert tasks.history_month_build(**build) == "built"
        status = dict(PaymentPeriod.objects.values_list("month", "status").distinct())
        assert status == {SEPTEMBER: PeriodStatus.RECONCILED, OCTOBER: PeriodStatus.DRAFT}
        # The next month, as its own task.
        assert queued == [{"province_code": "46", "seed": 8, "mock_wait_seconds": 0}]
        assert history_notice() == NOTICE.format(2, 2)

        # The worker was stopped half-way through October: one list closed, the rest not.
        first = planned_periods(result.province).first()
        preparer = User.objects.get(username=f"lap{first.unit.code}")
        approver = User.objects.get(username=f"huyen{first.unit.code}")
        payment_list_generate(period=first, generated_by=preparer)
        payment_list_close(period=first, closed_by=approver)
        with caplog.at_level(logging.INFO, logger="demo.tasks"):
            assert tasks.history_month_build(**build) == "complete"
        assert not planned_periods(result.province).exists()
        assert len(queued) == 1  # nothing more to queue
        assert history_notice() is None
        assert tasks.history_month_build(**build) == "nothing"
    messages = [r.getMessage() for r in caplog.records if r.name == "demo.tasks"]
    built = [m for m in messages if m.startswith("seed_demo: history month")]
    assert [m.split(" built")[0] for m in built] == [
        "seed_demo: history month 2026-09",
        "seed_demo: history month 2026-10",
    ]
    assert built[0].endswith("(1 of 2)") and built[1].endswith("(2 of 2)")
    assert messages[-1] == "seed_demo: payment history of 2 months made."


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_builds_the_queued_history_month_by_month(tmp_path, monkeypatch):
    """seed_demo --history=background puts the first month on the broker; a real worker makes
    it, queues the next, and so on to the end, logging each month in order."""
    from config.celery import app
    from tests.helpers import test_database_url
    from tests.workers import Workers

    app.control.purge()
    real_queue = tasks.history_build_queue
    # Nothing answers at the mock's address: the worker starts its own at once, not after 60 s.
    monkeypatch.setattr(
        "demo.management.commands.seed_demo.history_build_queue",
        lambda **kw: real_queue(**kw, mock_wait_seconds=0),
    )
    call_command(
        "seed_demo",
        beneficiaries=150,
        seed=6,
        as_of=AS_OF,
        months=2,
        history="background",
        stdout=io.StringIO(),
    )
    assert history_progress().done == 0
    pool = Workers(
        {
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "MOCK_PROVIDERS_URL": f"http://127.0.0.1:{free_port()}",
            "MOCK_PROVIDERS_DB": str(tmp_path / "mock_providers.sqlite3"),
            "LOG_LEVEL": "INFO",
        },
        tmp_path,
    )
    worker = pool.start(beat=False)
    try:
        deadline = time.monotonic() + 240
        while not history_progress().complete and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker died"
            time.sleep(1)
        assert history_progress().complete
        log = (tmp_path / "worker-0.log").read_text()
        for _ in range(30):  # the last line follows the last month's commit
            if "payment history of 2 months made" in log:
                break
            time.sleep(0.5)
            log = (tmp_path / "worker-0.log").read_text()
    finally:
        pool.stop()
    september = log.index("seed_demo: history month 2026-09 built")
    october = log.index("seed_demo: history month 2026-10 built")
    assert september < october < log.index("seed_demo: payment history of 2 months made.")
    assert set(PaymentPeriod.objects.values_list("status", flat=True)) == {PeriodStatus.RECONCILED}
