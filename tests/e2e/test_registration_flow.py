"""A commune officer registers a beneficiary with a guardian and a Viettel Pay wallet, fixes the
ID number the page rejected, submits; the district officer approves; the person is active."""

import pytest
from django.core.management import call_command

from accounts.models import PaymentAccount
from beneficiaries.models import Beneficiary, ChangeRecord
from org.models import AdministrativeUnit, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_register_fix_submit_approve(page, live_server, screenshot):
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=open("/dev/null", "w"))  # noqa: SIM115
    commune = AdministrativeUnit.objects.get(code="19777", code_version="2025-01")
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=commune.parent)

    log_in(page, live_server, "xa")
    page.click("nav.mainnav >> text=Đối tượng")
    page.click("text=Đăng ký đối tượng")
    page.fill("#id_full_name", "Hồ Thị Lài")
    page.fill("#id_date_of_birth", "10/02/2019")
    page.check("#field-sex >> text=Nữ")
    page.fill("#id_ethnicity", "Tà Ôi")
    page.fill("#id_id_number", "046219004512")  # the 4th digit says male
    page.fill("#id_address", "Thôn A Lưới")
    page.check("#field-categories >> text=K1 –")
    page.fill("#id_decision_number", "215/QĐ-UBND")
    page.fill("#id_decision_date", "05/10/2026")
    page.fill("#id_start_month", "2026-10")
    page.select_option("#id_recipient_kind", "guardian")
    page.fill("#id_recipient_full_name", "Hồ Văn Kăn")
    page.fill("#id_recipient_id_number", "046085001234")
    page.fill("#id_recipient_relationship", "Ông nội")
    page.fill("#id_recipient_phone", "0971 234 567")
    page.select_option("#id_account_provider", "VIETTELPAY")
    page.fill("#id_account_number", "0971234567")
    page.select_option("#id_account_holder", "recipient")
    page.click("text=Đăng ký và gửi duyệt")

    error = page.locator("#field-id_number .error")
    assert "nam" in error.inner_text()
    screenshot("register-rejected-id")
    assert Beneficiary.objects.count() == 0
    # The page kept everything else the officer typed.
    assert page.input_value("#id_recipient_full_name") == "Hồ Văn Kăn"
    page.fill("#id_id_number", "046319004512")
    page.click("text=Đăng ký và gửi duyệt")
    page.wait_for_selector("[data-status=pending]")
    assert "Hồ Thị Lài" in page.locator("h1").inner_text()
    b = Beneficiary.objects.get(id_number="046319004512")
    assert b.status == "pending"
    page.click("text=Đăng xuất")

    log_in(page, live_server, "huyen")
    page.click("nav.mainnav >> text=Biến động")
    page.click("text=Hồ Thị Lài")
    page.goto(f"{live_server.url}/bien-dong/{ChangeRecord.objects.get(beneficiary=b).pk}/")
    page.click("button:has-text('Duyệt')")
    page.wait_for_selector("[data-status=approved]")
    screenshot("register-approved")

    b.refresh_from_db()
    assert b.status == "active"
    account = PaymentAccount.objects.get(beneficiary=b)
    assert (account.status, account.provider.code, account.account_number) == (
        "active",
        "VIETTELPAY",
        "0971234567",
    )
    assert account.recipient.full_name == "Hồ Văn Kăn"

    page.goto(f"{live_server.url}/doi-tuong/{b.pk}/")
    assert page.locator("[data-status=active]").count() == 1
    history = page.locator("ol.history").inner_text()
    assert "xa" in history or "Cán bộ" in history
    assert "Chờ duyệt" in history and "Đang hưởng" in history  # status before → after
    screenshot("beneficiary-history")
