"""A person's history in local time (Asia/Ho_Chi_Minh): 23:30 UTC on 04/12 is 06:30 on 05/12."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.services.changes import change_record_approve, change_record_create
from beneficiaries.services.inputs import ChangeInput
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
EARLY_MORNING = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)  # 05/12 06:30 local


def test_history_shows_local_dates_and_times(client, officers, hue_units, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: EARLY_MORNING)
    person = BeneficiaryFactory(commune=hue_units["commune"], full_name="Hồ Thị Sen")
    BeneficiaryCategoryFactory(beneficiary=person)
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="change_disability",
            reason="new_decision",
            effective_month=datetime.date(2026, 12, 1),
            new_disability_level="severe",
            decision_number="9/QĐ-UBND",
        ),
        maker=officers["commune"],
        today=datetime.date(2026, 12, 5),
    )
    change_record_approve(change=change, approved_by=officers["district"])
    monkeypatch.undo()

    client.force_login(officers["commune"])
    html = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    history = html[html.index('class="history"') :]
    assert "05/12/2026 06:30" in history  # when, and the change's submitted / decided times
    assert "04/12/2026" not in html
    assert "23:30" not in html
