"""Sending a closed list: the command (in-process) and the button (Celery tasks)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.models import PaymentPeriod
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.models import Provider
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.helpers import checker_of, confirmed_post
from tests.providers.test_batch_submission import SECRET, ledger, mock_url, post  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def closed(mock_url, hue_units, officers, settings):  # noqa: F811
    post(f"{mock_url}/__mock__/reset", {})
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {"base_url": mock_url, "secret": SECRET, "timeout": 5.0},
    }
    viettel = Provider.objects.get(code="VIETTELPAY")
    for i, suffix in enumerate(["11", "02"]):  # "...02": name/ID mismatch
        b = BeneficiaryFactory(
            commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1 + i)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
        PaymentAccount.objects.create(
            beneficiary=b,
            holder="beneficiary",
            provider=viettel,
            account_number=f"09812345{suffix}",
            account_name="X",
            status="active",
        )
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=officers["district"])
    payment_list_close(period=period, closed_by=checker_of(period.unit))
    return period


def test_the_command_sends_and_waits_until_every_line_is_final(closed, hue_units, mock_url):  # noqa: F811
    out = io.StringIO()
    call_command(
        "submit_payment_list",
        "--unit",
        hue_units["district"].code,
        "--month",
        "2026-12",
        "--wait",
        stdout=out,
    )
    last = out.getvalue().strip().splitlines()[-1]
    expected = "VIETTELPAY 1 paid, 1 failed, 0 unpaid, 0 waiting."
    assert last == f"submit_payment_list: Quận Thuận Hóa 12/2026: {expected}"
    closed.refresh_from_db()
    assert closed.status == "submitted"
    assert len(ledger(mock_url)["entries"]) == 2
    # Sending again sends nothing new.
    call_command(
        "submit_payment_list",
        "--unit",
        hue_units["district"].code,
        "--month",
        "2026-12",
        stdout=io.StringIO(),
    )
    assert len(ledger(mock_url)["entries"]) == 2


def test_only_a_closed_list_is_sent(hue_units, officers):
    payment_period_open(unit=hue_units["district"], month=datetime.date(2027, 1, 1))
    with pytest.raises(CommandError, match="chốt"):
        call_command(
            "submit_payment_list",
            "--unit",
            hue_units["district"].code,
            "--month",
            "2027-01",
            stdout=io.StringIO(),
        )


def test_the_button_queues_one_task_per_batch_and_shows_progress(
    client, closed, officers, django_capture_on_commit_callbacks
):
    from config.celery import app

    client.force_login(officers["commune"])
    confirmed_post(client, reverse("payments:submit", args=[closed.pk]))
    closed.refresh_from_db()
    assert closed.status == "closed"  # a commune officer cannot send
    client.force_login(officers["district"])
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            confirmed_post(client, reverse("payments:submit", args=[closed.pk]))
    finally:
        app.conf.task_always_eager = False
    html = client.get(reverse("payments:batches", args=[closed.pk])).content.decode()
    assert 'data-provider="VIETTELPAY"' in html
    # Eager here: submit, poll and the reconciliation that follows the last batch all ran.
    assert PaymentPeriod.objects.get(pk=closed.pk).status == "reconciled"
    assert closed.payment_list.lines.filter(status__in=["paid", "failed"]).count() == 2
