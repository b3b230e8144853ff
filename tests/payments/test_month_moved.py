"""A change entered for a month whose list is already closed cannot reach that list: it moves to
the next open month, and the confirmation and the change's page say why."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from beneficiaries.models import Category, ChangeRecord
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


@pytest.fixture
def november_closed(hue_units, officers):
    period = payment_period_open(unit=hue_units["district"], month=NOV)
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    return period


def person(hue_units, **kwargs):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1), **kwargs
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    return b


def test_a_suspension_for_a_closed_month_moves_to_the_next_and_says_why(
    client, officers, hue_units, november_closed
):
    b = person(hue_units)
    client.force_login(officers["commune"])
    response = client.post(
        reverse("beneficiaries:change_create", args=[b.pk, "suspend"]),
        {"reason": "other", "effective_month": "2026-11"},
    )
    assert response.status_code == 302
    change = ChangeRecord.objects.get()
    assert (change.effective_month, change.requested_month, change.month_moved) == (
        DEC,
        NOV,
        "list_closed",
    )
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "11/2026" in said and "12/2026" in said and "đã chốt" in said
    page = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    assert 'data-month-moved="list_closed"' in page and "11/2026" in page
    person_page = client.get(reverse("beneficiaries:detail", args=[b.pk])).content.decode()
    assert 'data-month-moved="list_closed"' in person_page


def test_an_open_month_and_a_change_that_adds_money_keep_their_month(
    client, officers, hue_units, november_closed
):
    client.force_login(officers["commune"])
    open_month = person(hue_units)
    client.post(
        reverse("beneficiaries:change_create", args=[open_month.pk, "suspend"]),
        {"reason": "other", "effective_month": "2026-12"},
    )
    suspended = person(hue_units, status="suspended")
    client.post(
        reverse("beneficiaries:change_create", args=[suspended.pk, "resume"]),
        {"reason": "other", "effective_month": "2026-11"},
    )
    dead = person(hue_units)
    client.post(
        reverse("beneficiaries:change_create", args=[dead.pk, "stop"]) + "?reason=death",
        {
            "reason": "death",
            "date_of_death": "14/10/2026",
            "funeral_payee_name": "Trần Văn Bình",
            "funeral_payee_id_number": "046080001234",
            "funeral_payee_relationship": "Con trai",
        },
    )
    months = {
        c.beneficiary_id: (c.effective_month, c.month_moved) for c in ChangeRecord.objects.all()
    }
    assert months == {
        open_month.pk: (DEC, ""),
        suspended.pk: (NOV, ""),  # the December list pays November as arrears
        dead.pk: (NOV, ""),  # the law dates a death's stop
    }
