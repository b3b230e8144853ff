"""Care arrangements on the pages (issue 21): the person's page panel, the SET_CARE and END_CARE
forms, the registration's care section, the admin (read-only)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.care_models import CareArrangement, CareStatus
from beneficiaries.models import Category, ChangeRecord
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, id_number_for

pytestmark = pytest.mark.django_db
CARER_ID = id_number_for(datetime.date(1980, 4, 2), "F", 77)


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def next_month() -> datetime.date:
    m = this_month()
    return (m + datetime.timedelta(days=32)).replace(day=1)


@pytest.fixture
def child(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2024, 5, 1), sex="M"
    )
    BeneficiaryCategoryFactory(
        beneficiary=b,
        category=Category.objects.get(code="K1"),
        start_month=datetime.date(2024, 7, 1),
    )
    return b


def arrangement(person, **kwargs) -> CareArrangement:
    values = dict(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.ACTIVE,
        carer_full_name="Trần Thị Mai",
        carer_id_number=CARER_ID,
        carer_relationship="Cô ruột",
        start_month=datetime.date(2024, 7, 1),
        decision_number="7/QĐ-UBND",
    )
    values.update(kwargs)
    return CareArrangement.objects.create(**values)


def test_the_person_page_shows_the_care_panel(client, officers, child):
    arrangement(child)
    client.force_login(officers["commune"])
    html = client.get(reverse("beneficiaries:detail", args=[child.pk])).content.decode()
    assert "data-care-panel" in html and "Hỗ trợ chăm sóc" in html
    assert 'data-care-code="CS_FOSTER_K1"' in html
    assert "Trần Thị Mai" in html and "Cô ruột" in html and "7/QĐ-UBND" in html
    assert CARER_ID in html  # the commune officer sees whole numbers (org.privacy)
    # A child under 4: 2.5 × 500.000 ₫ this month.
    assert 'data-care-amount="1250000"' in html and "1.250.000 ₫" in html
    # Links to set and end care, as in the change menu.
    assert reverse("beneficiaries:change_create", args=[child.pk, "end_care"]) in html
    assert reverse("beneficiaries:change_create", args=[child.pk, "set_care"]) in html


def test_the_province_officer_sees_the_carers_id_masked(client, officers, child):
    arrangement(child)
    client.force_login(officers["province"])
    html = client.get(reverse("beneficiaries:detail", args=[child.pk])).content.decode()
    assert "Trần Thị Mai" in html and CARER_ID not in html
    assert CARER_ID[:3] + "*******" + CARER_ID[-2:] in html
    assert "data-care-amount" in html and "/bien-dong/set_care/" not in html  # no change links


def test_the_carers_page_says_whom_they_care_for(client, officers, child, hue_units):
    carer = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1950, 1, 1)
    )
    arrangement(child, carer_id_number=carer.id_number, carer_beneficiary=carer)
    client.force_login(officers["commune"])
    html = client.get(reverse("beneficiaries:detail", args=[carer.pk])).content.decode()
    assert "data-caring-for" in html and child.full_name in html
    # Not to an officer who cannot see the person cared for.
    client.force_login(officers["neighbour"])
    carer.commune = hue_units["neighbour"]
    carer.save()
    html = client.get(reverse("beneficiaries:detail", args=[carer.pk])).content.decode()
    assert "data-caring-for" not in html and child.full_name not in html


def test_set_care_through_the_form(client, officers, child):
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:change_create", args=[child.pk, "set_care"])
    form = client.get(url).content.decode()
    assert ('name="care_code"' in form and "Nuôi dưỡng" in form) or "nuôi dưỡng" in form
    month = next_month()
    response = client.post(
        url,
        {
            "reason": "new_decision",
            "effective_month": month.strftime("%Y-%m"),
            "decision_number": "15/QĐ-UBND",
            "care_code": "CS_FOSTER_K1",
            "carer_full_name": "Trần  Thị Mai",
            "carer_id_number": CARER_ID,
            "carer_relationship": "Cô ruột",
            "carer_phone": "0981 234 567",
        },
    )
    assert response.status_code == 302
    change = ChangeRecord.objects.get(kind="set_care")
    care = change.care_arrangement
    assert (care.status, care.start_month, care.carer_full_name) == (
        "pending",
        month,
        "Trần Thị Mai",
    )
    assert care.carer_phone == "0981234567"


def test_set_care_form_shows_the_rule_next_to_the_field(client, officers, child):
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:change_create", args=[child.pk, "set_care"])
    young = id_number_for(datetime.date(this_month().year - 10, 1, 1), "F", 3)
    response = client.post(
        url,
        {
            "reason": "new_decision",
            "effective_month": next_month().strftime("%Y-%m"),
            "care_code": "CS_FOSTER_K1",
            "carer_full_name": "Bé",
            "carer_id_number": young,
            "carer_relationship": "Chị",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["carer_id_number"][0].code == "not_adult"
    assert not CareArrangement.objects.exists()


def test_end_care_through_the_form(client, officers, child):
    existing = arrangement(child)
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:change_create", args=[child.pk, "end_care"])
    assert f'value="{existing.pk}"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "reason": "other",
            "effective_month": next_month().strftime("%Y-%m"),
            "care_arrangement": existing.pk,
        },
    )
    assert response.status_code == 302
    change = ChangeRecord.objects.get(kind="end_care")
    assert change.care_arrangement == existing and change.effective_month == next_month()


def test_the_registration_form_has_a_care_section(client, officers, hue_units):
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:register")
    assert 'name="carer_full_name"' in client.get(url).content.decode()
    born = datetime.date(2022, 3, 4)
    month = this_month()
    response = client.post(
        url,
        {
            "full_name": "Hồ Văn Tí",
            "date_of_birth": born.strftime("%d/%m/%Y"),
            "sex": "M",
            "ethnicity": "Kinh",
            "id_number": id_number_for(born, "M", 4321),
            "commune": hue_units["commune"].pk,
            "categories": ["K1"],
            "decision_number": "99/QĐ-UBND",
            "decision_date": month.strftime("%d/%m/%Y"),
            "start_month": month.strftime("%Y-%m"),
            "account_holder": "beneficiary",
            "care_code": "CS_FOSTER_K1",
            "carer_full_name": "Trần Thị Mai",
            "carer_id_number": CARER_ID,
            "carer_relationship": "Cô ruột",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    care = CareArrangement.objects.get()
    assert (care.status, care.start_month, care.beneficiary.full_name) == (
        "pending",
        month,
        "Hồ Văn Tí",
    )


def test_carer_fields_without_a_code_are_not_dropped(client, officers, hue_units):
    client.force_login(officers["commune"])
    response = client.post(reverse("beneficiaries:register"), {"carer_full_name": "Trần Thị Mai"})
    assert "care_code" in response.context["form"].errors


def test_the_admin_lists_arrangements_read_only(client, officers, child):
    existing = arrangement(child)
    client.force_login(officers["admin"])
    changelist = reverse("admin:beneficiaries_carearrangement_changelist")
    response = client.get(changelist)
    assert response.status_code == 200 and "Trần Thị Mai" in response.content.decode()
    assert client.get(reverse("admin:beneficiaries_carearrangement_add")).status_code == 403
    change_url = reverse("admin:beneficiaries_carearrangement_change", args=[existing.pk])
    assert client.get(change_url).status_code == 200
    client.post(change_url, {"status": "rejected", "carer_full_name": "X"})
    existing.refresh_from_db()
    assert (existing.status, existing.carer_full_name) == ("active", "Trần Thị Mai")
    history = reverse("admin:beneficiaries_carearrangement_history", args=[existing.pk])
    assert client.get(history).status_code == 200


def test_the_api_shows_a_persons_arrangements_read_only(client, officers, child, hue_units):
    from api.services import api_token_create

    arrangement(child, carer_phone="0981234567")
    _token, district = api_token_create(
        name="Hệ thống huyện",
        unit=hue_units["district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    _token, province = api_token_create(
        name="Hệ thống tỉnh",
        unit=hue_units["province"],
        role="province_officer",
        created_by=officers["admin"],
    )
    url = f"/api/v1/beneficiaries/{child.pk}/"
    body = client.get(url, HTTP_AUTHORIZATION=f"Token {district}").json()
    [care] = body["care_arrangements"]
    assert (care["code"], care["status"], care["start_month"]) == (
        "CS_FOSTER_K1",
        "active",
        "2024-07-01",
    )
    assert care["carer_id_number"] == CARER_ID and care["account_provider"] in ("", None)
    masked = client.get(url, HTTP_AUTHORIZATION=f"Token {province}").json()
    assert masked["care_arrangements"][0]["carer_id_number"] != CARER_ID
    assert masked["care_arrangements"][0]["carer_phone"] == "098*****67"


def test_the_checker_sees_the_proposed_arrangement(client, officers, child):
    from beneficiaries.services.changes import change_record_create
    from beneficiaries.services.inputs import CareInput, ChangeInput

    change = change_record_create(
        beneficiary=child,
        data=ChangeInput(
            kind="set_care",
            reason="new_decision",
            effective_month=next_month(),
            care=CareInput(
                code="CS_FOSTER_K1",
                carer_full_name="Trần Thị Mai",
                carer_id_number=CARER_ID,
                carer_relationship="Cô ruột",
                account_provider="VIETINBANK",
                account_number="1234567890",
            ),
        ),
        maker=officers["commune"],
    )
    client.force_login(officers["district"])
    html = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    assert 'data-fact="care"' in html and "Trần Thị Mai" in html and CARER_ID in html
    assert "1234567890" in html and 'data-care-status="pending"' in html
