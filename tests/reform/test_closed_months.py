"""Across the reform, a change dated in a month the OLD district's list closed moves to the next
open month on the new commune too (payments.selectors.last_closed_month_of_commune looks at the
new commune's predecessors through the run's correspondence), and says why."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary, ChangeRecord
from org.models import Role
from payments.months import month_window_suspended
from payments.selectors import last_closed_month_of_commune
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import UserFactory
from tests.reform.setup import thai_nguyen_reformed

pytestmark = pytest.mark.django_db
DEC_2025 = datetime.date(2025, 12, 1)
JAN_2026 = datetime.date(2026, 1, 1)


def close_december(world) -> dict:
    """The old district of the whole commune closes its list of 12/2025 before the reform."""
    with month_window_suspended():
        period = payment_period_open(unit=world["whole"].parent, month=DEC_2025)
        payment_list_generate(period=period)
        payment_list_close(period=period, closed_by=world["district_officer"])
    return {"december": period}


@pytest.fixture
def tn(db):
    return thai_nguyen_reformed(before=close_december)


def test_a_stop_for_a_month_the_old_district_closed_moves_to_the_next_open_month(tn, client):
    person = Beneficiary.objects.get(pk=tn["moved"][1].pk)
    new_commune = person.commune
    assert new_commune.code_version == "2025-10"
    assert tn["december"].payment_list.lines.filter(beneficiary=person).exists()
    # The new commune closed nothing itself: its predecessor's close counts.
    assert last_closed_month_of_commune(new_commune.pk) == DEC_2025
    officer = UserFactory(username="xa_moi", role=Role.COMMUNE_OFFICER, unit=new_commune)
    client.force_login(officer)
    response = client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "stop"]),
        {"reason": "moved_away", "effective_month": "2025-12"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ChangeRecord.objects.filter(beneficiary=person, kind="stop").get()
    assert (change.effective_month, change.requested_month, change.month_moved) == (
        JAN_2026,
        DEC_2025,
        "list_closed",
    )
    page = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    assert 'data-month-moved="list_closed"' in page and "12/2025" in page
