"""Recording changes and deciding them in the browser, as the right role."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from beneficiaries.forms import CHANGE_FIELDS
from beneficiaries.models import ChangeRecord, FuneralSupport
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)
from tests.helpers import confirmed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1941, 6, 1), sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b)
    RecipientFactory(beneficiary=b)
    AccountFactory(beneficiary=b)
    return b


def test_every_kind_of_change_has_a_form(client, officers, person):
    from beneficiaries.care_models import CareArrangement

    CareArrangement.objects.create(  # something to end (END_CARE)
        beneficiary=person,
        code="CS_FOSTER_K5D",
        status="active",
        carer_full_name="Trần Văn Bình",
        carer_id_number="046080001234",
        carer_relationship="Con trai",
        start_month=datetime.date(2024, 7, 1),
    )
    client.force_login(officers["commune"])
    for kind in CHANGE_FIELDS:
        response = client.get(reverse("beneficiaries:change_create", args=[person.pk, kind]))
        if kind == "resume":  # the person is receiving: nothing to resume
            assert response.status_code == 400 and b"not_suspended" in response.content
            continue
        assert response.status_code == 200, kind
    assert (
        client.get(reverse("beneficiaries:change_create", args=[person.pk, "register"])).status_code
        == 404
    )


def test_a_death_with_its_scanned_decision_then_approval_in_the_queue(
    client, officers, person, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(officers["commune"])
    response = client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "stop"]) + "?reason=death",
        {
            "reason": "death",
            "date_of_death": "14/10/2026",
            "funeral_payee_name": "Trần Văn Bình",
            "funeral_payee_id_number": "046080001234",
            "funeral_payee_relationship": "Con trai",
            "decision_number": "300/QĐ-UBND",
            "decision_date": "20/10/2026",
            "decision_file": SimpleUploadedFile(
                "qd.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png"
            ),
        },
    )
    assert response.status_code == 302
    change = ChangeRecord.objects.get(kind="stop")
    assert change.status == "submitted" and change.decision_file
    # The scan is served to those who may see the change, and to nobody else.
    assert (
        client.get(reverse("beneficiaries:change_decision_file", args=[change.pk])).status_code
        == 200
    )
    client.force_login(officers["neighbour"])
    assert (
        client.get(reverse("beneficiaries:change_decision_file", args=[change.pk])).status_code
        == 404
    )
    assert client.get(reverse("beneficiaries:change_detail", args=[change.pk])).status_code == 404

    client.force_login(officers["district"])
    queue = client.get(reverse("beneficiaries:change_queue")).content.decode()
    assert person.full_name in queue and f'value="{change.pk}"' in queue
    response = confirmed_post(
        client, reverse("beneficiaries:change_bulk_approve"), {"change": [change.pk]}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    person.refresh_from_db()
    assert change.status == "approved" and person.status == "stopped"
    assert FuneralSupport.objects.get(beneficiary=person).amount == 10_000_000


def test_a_commune_officer_cannot_decide_and_a_district_officer_cannot_record(
    client, officers, person
):
    client.force_login(officers["commune"])
    client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "suspend"]),
        {"reason": "other", "effective_month": "2026-12"},
    )
    change = ChangeRecord.objects.get()
    client.post(reverse("beneficiaries:change_approve", args=[change.pk]))
    change.refresh_from_db()
    assert change.status == "submitted"
    client.force_login(officers["district"])
    response = client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "suspend"]),
        {"reason": "other", "effective_month": "2026-12"},
    )
    assert response.status_code == 403


def test_rejecting_needs_a_reason_and_the_commune_sees_it(client, officers, person):
    client.force_login(officers["commune"])
    client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "suspend"]),
        {"reason": "other", "effective_month": "2026-12"},
    )
    change = ChangeRecord.objects.get()
    client.force_login(officers["district"])
    client.post(reverse("beneficiaries:change_reject", args=[change.pk]), {"rejection_reason": ""})
    change.refresh_from_db()
    assert change.status == "submitted"
    client.post(
        reverse("beneficiaries:change_reject", args=[change.pk]), {"rejection_reason": "Sai tháng"}
    )
    change.refresh_from_db()
    assert change.status == "rejected"
    client.force_login(officers["commune"])
    queue = client.get(reverse("beneficiaries:change_queue")).content.decode()
    assert "Sai tháng" in queue


def test_a_draft_is_submitted_later(client, officers, person):
    client.force_login(officers["commune"])
    client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "close_account"]),
        {"reason": "other", "effective_month": "2026-12", "save_draft": "1"},
    )
    change = ChangeRecord.objects.get()
    assert change.status == "draft"
    client.post(reverse("beneficiaries:change_submit", args=[change.pk]))
    change.refresh_from_db()
    assert change.status == "submitted"
