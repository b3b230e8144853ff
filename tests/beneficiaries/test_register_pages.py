"""The register pages: list, search, filters, detail with history, in scope, in few queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries.services.changes import change_record_approve, change_record_create
from beneficiaries.services.inputs import ChangeInput
from reports.models import ExportLog
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(hue_units):
    people = []
    for i in range(60):
        b = BeneficiaryFactory(commune=hue_units["commune"], full_name=f"Trần Thị Bưởi {i}")
        BeneficiaryCategoryFactory(beneficiary=b)
        if i % 2:
            AccountFactory(beneficiary=b)
        if i % 3 == 0:
            RecipientFactory(beneficiary=b)
        people.append(b)
    an = BeneficiaryFactory(
        commune=hue_units["commune"], full_name="Nguyễn Văn Ấn", id_number="046040123456", sex="M"
    )
    BeneficiaryCategoryFactory(beneficiary=an)
    far = BeneficiaryFactory(commune=hue_units["far_commune"], full_name="Nguyễn Văn An Xa")
    return {"people": people, "an": an, "far": far}


def get(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_search_works_with_or_without_diacritics(client, officers, register):
    for query in ("nguyen van an", "Nguyễn Văn Ấn", "NGUYEN VAN AN", "van an"):
        html = get(client, officers["commune"], reverse("beneficiaries:list"), q=query)
        assert "Nguyễn Văn Ấn" in html, query
        assert 'data-count="1"' in html, query
    html = get(client, officers["commune"], reverse("beneficiaries:list"), q="046040123")
    assert "Nguyễn Văn Ấn" in html
    # The far commune's namesake is not in the commune officer's register.
    # (By given name, "Xa" comes after the page of "Bưởi"s: the search narrows to the two.)
    assert "An Xa" not in get(
        client, officers["commune"], reverse("beneficiaries:list"), q="van an"
    )
    assert "An Xa" in get(client, officers["province"], reverse("beneficiaries:list"), q="van an")


def test_filters_by_account_and_recipient(client, officers, register):
    html = get(client, officers["commune"], reverse("beneficiaries:list"), account="yes")
    assert 'data-count="30"' in html
    html = get(
        client, officers["commune"], reverse("beneficiaries:list"), recipient="yes", account="no"
    )
    assert 'data-count="10"' in html  # i % 3 == 0 and i even, among 60; plus nobody else
    html = get(client, officers["commune"], reverse("beneficiaries:list"), category="K6")
    assert 'data-count="0"' in html


def test_the_list_page_runs_a_fixed_number_of_queries(client, officers, register, hue_units):
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:list")
    client.get(url)  # warm up session and caches
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"q": "Bưởi 1"})
    for i in range(40):
        b = BeneficiaryFactory(commune=hue_units["commune"], full_name=f"Lê Văn Thêm {i}")
        BeneficiaryCategoryFactory(beneficiary=b)
        AccountFactory(beneficiary=b)
        RecipientFactory(beneficiary=b)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small) <= 12, [q["sql"][:80] for q in large.captured_queries]


def test_detail_is_404_outside_scope(client, officers, register):
    client.force_login(officers["commune"])
    assert client.get(reverse("beneficiaries:detail", args=[register["far"].pk])).status_code == 404
    assert client.get(reverse("beneficiaries:detail", args=[register["an"].pk])).status_code == 200


def test_detail_shows_who_changed_what_before_and_after(client, officers, register):
    an = register["an"]
    change = change_record_create(
        beneficiary=an,
        data=ChangeInput(
            kind="change_disability",
            reason="new_decision",
            effective_month=datetime.date(2025, 1, 1),
            new_disability_level="severe",
            decision_number="9/QĐ-UBND",
        ),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 21),
    )
    change_record_approve(change=change, approved_by=officers["district"])
    html = get(client, officers["commune"], reverse("beneficiaries:detail", args=[an.pk]))
    assert "Mức độ khuyết tật" in html
    assert "Nặng" in html  # the new value
    assert str(officers["district"]) in html  # who approved
    assert str(officers["commune"]) in html  # who entered it
    assert "Đã duyệt" in html


def test_only_commune_officers_see_the_change_menu_and_register_button(client, officers, register):
    html = get(
        client, officers["commune"], reverse("beneficiaries:detail", args=[register["an"].pk])
    )
    assert reverse("beneficiaries:change_create", args=[register["an"].pk, "stop"]) in html
    html = get(
        client, officers["district"], reverse("beneficiaries:detail", args=[register["an"].pk])
    )
    assert "bien-dong/stop" not in html
    client.force_login(officers["district"])
    assert client.get(reverse("beneficiaries:register")).status_code == 403


def test_export_is_the_import_format_and_is_logged(client, officers, register):
    client.force_login(officers["commune"])
    response = client.get(reverse("beneficiaries:export"), {"q": "Bưởi"})
    assert response.status_code == 200
    workbook = load_workbook(filename=__import__("io").BytesIO(response.content))
    sheet = workbook["doi_tuong"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("external_id", "full_name", "date_of_birth")
    assert len(rows) == 61
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.row_count) == (officers["commune"], "register_xlsx", 60)


def test_registration_form_shows_errors_next_to_fields_and_saves_nothing(
    client, officers, hue_units
):
    client.force_login(officers["commune"])
    response = client.post(
        reverse("beneficiaries:register"),
        {
            "full_name": "Hồ Thị Lài",
            "date_of_birth": "10/02/2019",
            "sex": "F",
            "ethnicity": "Tà Ôi",
            "id_number": "046219004512",  # says male
            "commune": hue_units["commune"].pk,
            "categories": ["K1"],
            "decision_number": "215/QĐ-UBND",
            "decision_date": "05/10/2026",
            "start_month": "2026-10",
            "recipient_kind": "guardian",
            "recipient_full_name": "Hồ Văn Kăn",
            "recipient_id_number": "046085001234",
            "recipient_relationship": "Ông nội",
            "recipient_phone": "0971 234 567",
            "account_provider": "VIETTELPAY",
            "account_number": "0971234567",
            "account_holder": "recipient",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chưa lưu gì" in html
    assert 'id="field-id_number"' in html and "nam" in html
    from beneficiaries.models import Beneficiary

    assert not Beneficiary.objects.exists()


def test_the_admin_cannot_edit_the_register_around_maker_checker(client, officers, register):
    an = register["an"]
    client.force_login(officers["admin"])
    url = reverse("admin:beneficiaries_beneficiary_change", args=[an.pk])
    assert client.get(url).status_code == 200  # visible, with its history
    client.post(url, {"full_name": "Tên Đã Sửa", "status": "stopped"})
    an.refresh_from_db()
    assert (an.full_name, an.status) == ("Nguyễn Văn Ấn", "active")
    assert client.get(reverse("admin:beneficiaries_beneficiary_add")).status_code == 403
