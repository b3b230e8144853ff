"""A district officer generates the list on a real worker, watches the progress and reviews it;
a second officer closes and exports it (nobody closes a list they prepared); the amounts are the
ones DESIGN.md §4 gives."""

import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from beneficiaries.models import Category
from org.models import AdministrativeUnit, Role
from payments.models import PaymentPeriod
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_generate_on_a_worker_review_close_export(
    page, live_server, screenshot, celery_worker_process
):
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    preparer = UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=district)
    approver = UserFactory(username="duyet", role=Role.DISTRICT_OFFICER, unit=district)
    for i, (code, born) in enumerate(
        [("K5C", datetime.date(1940, 1, 1)), ("K1", datetime.date(2024, 1, 1))]
    ):
        b = BeneficiaryFactory(commune=commune, full_name=f"Người thứ {i}", date_of_birth=born)
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=code))

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "huyen")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.click("nav.mainnav >> text=Danh sách chi trả")
    page.fill("input[name=month]", "2026-12")
    page.click("form.inline-form button")
    # The progress card polls until the worker is done, then the page reloads with the figures.
    page.wait_for_selector("[data-figure=lines]", timeout=60_000)
    assert page.locator("[data-figure=lines]").inner_text() == "2"
    assert page.locator("[data-figure=total]").inner_text() == "1.750.000 ₫"  # 500.000 + 1.250.000
    screenshot("payment-list-review")
    # The preparer is told up front that another officer closes the list.
    assert "không được tự chốt" in page.locator("[data-preparer]").inner_text()
    assert page.locator("a.button:has-text('Chốt danh sách')").count() == 0
    # Its confirmation page says the same, with no button, and fits a phone.
    page.goto(f"{live_server.url}/chi-tra/{PaymentPeriod.objects.get().pk}/chot/")
    assert "không được tự chốt" in page.locator("[data-refusal]").inner_text()
    assert page.locator("[data-confirm-button]").count() == 0
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("confirm-close-preparer-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "duyet")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/chi-tra/{PaymentPeriod.objects.get().pk}/")
    # Closing goes through its confirmation, which says what will happen with the figures.
    page.click("a.button:has-text('Chốt danh sách')")
    sentence = page.locator("[data-sentence]").inner_text()
    assert sentence == (
        f"Chốt danh sách 12/2026 của {district.name}: 2 dòng, 1.750.000 ₫. "
        "Sau khi chốt không sửa được."
    )
    assert PaymentPeriod.objects.get().status == "generated"  # nothing before confirming
    screenshot("confirm-close")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("confirm-close-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("[data-confirm-button]")
    page.wait_for_selector("[data-hash]")
    period = PaymentPeriod.objects.get()
    assert period.status == "closed"
    assert page.locator("[data-hash]").inner_text() == period.payment_list.content_hash
    with page.expect_download() as download:
        page.click("text=Danh sách chính thức (.xlsx)")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        workbook = load_workbook(io.BytesIO(f.read()))
    values = [
        c
        for row in workbook.worksheets[0].iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert 1_750_000 in values
    # The summary sheet names who prepared the list and who approved it: two people.
    assert workbook.worksheets[0].title == "Tổng hợp"
    assert str(preparer) in values and str(approver) in values
    screenshot("payment-list-closed")
