"""A person's page in the browser: this month's amount, the next change age brings and the
payment history (a failed month carried over) fit a phone with no sideways scrolling."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.models import Category
from core.months import add_months
from org.models import AdministrativeUnit, Role
from payments.models import LineStatus, PaymentLine
from payments.services import payment_list_generate, payment_period_open
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def build():
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    this_month = timezone.localdate().replace(day=1)
    born = add_months(this_month, 3 - 80 * 12).replace(day=10)  # 80 four months from now
    b = BeneficiaryFactory(
        commune=commune, full_name="Trần Thị Thu Hương", date_of_birth=born, sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5A"))
    RecipientFactory(beneficiary=b, full_name="Trần Văn Bình")
    AccountFactory(beneficiary=b)
    lines = []
    for month in (add_months(this_month, -1), this_month):
        period = payment_period_open(unit=district, month=month)
        payment_list_generate(period=period)
        lines.append(PaymentLine.objects.get(payment_list__period=period, beneficiary=b))
    PaymentLine.objects.filter(pk=lines[0].pk).update(
        status=LineStatus.FAILED,
        failure_reason="Thuê bao chưa đăng ký Viettel Money",
        carried_over_to=lines[1],
    )
    return b


def test_the_person_page_fits_a_phone_and_answers_what_they_get(page, live_server):
    b = build()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "xa")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/doi-tuong/{b.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"person-page-{width}.png"), full_page=True)
    assert "750.000 ₫" in page.locator("[data-this-month]").inner_text()
    assert "1,5 → 2,0" in page.locator("[data-age-outlook]").inner_text()
    history = page.locator("[data-panel=payment-history]").inner_text()
    assert "Thuê bao chưa đăng ký" in history and "chuyển sang kỳ" in history
