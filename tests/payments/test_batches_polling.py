"""The review page's providers fragment keeps polling while a sent list is not reconciled, and
brings the period's new status ("reconciled") to the top of the page without a reload."""

import pytest
from django.urls import reverse

from payments.models import PaymentBatch, PeriodStatus
from tests.reports.test_coverage import district_list  # noqa: F401

pytestmark = pytest.mark.django_db


def _fragment(client, period):
    return client.get(reverse("payments:batches", args=[period.pk])).content.decode()


def test_polling_runs_until_the_list_is_reconciled_and_swaps_the_status(
    client,
    officers,
    district_list,  # noqa: F811
):
    period = district_list["period"]
    batches = PaymentBatch.objects.filter(payment_list__period=period)
    assert batches.exists()
    client.force_login(officers["district"])
    # Closed, not sent: nothing to follow.
    assert 'hx-trigger="every 3s"' not in _fragment(client, period)

    period.status = PeriodStatus.SUBMITTED
    period.save(update_fields=["status"])
    batches.update(status=PaymentBatch.Status.ACKNOWLEDGED)
    html = _fragment(client, period)
    assert 'hx-trigger="every 3s"' in html
    assert 'id="period-status"' in html and 'hx-swap-oob="true"' in html
    assert 'data-status="submitted"' in html

    # Every batch complete: the reconciliation is on its way, keep looking.
    batches.update(status=PaymentBatch.Status.COMPLETED)
    period.payment_list.lines.filter(status__in=["pending", "submitted"]).update(status="paid")
    assert 'hx-trigger="every 3s"' in _fragment(client, period)

    period.status = PeriodStatus.RECONCILED
    period.save(update_fields=["status"])
    html = _fragment(client, period)
    assert 'hx-trigger="every 3s"' not in html  # final: the polling stops
    assert 'data-status="reconciled"' in html and 'hx-swap-oob="true"' in html
    assert "data-reconciliation-link" in html


def test_a_rejected_batch_stops_the_polling(client, officers, district_list):  # noqa: F811
    period = district_list["period"]
    period.status = PeriodStatus.SUBMITTED
    period.save(update_fields=["status"])
    PaymentBatch.objects.filter(payment_list__period=period).update(
        status=PaymentBatch.Status.REJECTED
    )
    period.payment_list.lines.update(status="failed")
    client.force_login(officers["district"])
    assert 'hx-trigger="every 3s"' not in _fragment(client, period)


def test_the_review_page_polls_a_sent_list_and_names_its_status(
    client,
    officers,
    district_list,  # noqa: F811
):
    period = district_list["period"]
    period.status = PeriodStatus.SUBMITTED
    period.save(update_fields=["status"])
    client.force_login(officers["district"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert 'id="period-status"' in html
    assert 'hx-swap-oob="true"' not in html  # the page itself swaps nothing
    assert f'hx-get="{reverse("payments:batches", args=[period.pk])}"' in html
