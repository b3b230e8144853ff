"""The province officer's settlement roll-up on two-tier units, at 1280 and 390 px, and a
commune's list read-only (no generate, close or send button)."""

import datetime
import io

import pytest
from django.core.management import call_command

from org.models import AdministrativeUnit, Role
from payments.services import payment_list_close
from tests.factories import UserFactory
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_province_reads_the_rollup_and_the_lists(page, live_server, screenshot):
    from tests.conftest import TWO_TIER

    call_command("load_units", str(TWO_TIER), province="46", stdout=io.StringIO())
    province = AdministrativeUnit.objects.get(level="province", code="46", code_version="2025-10")
    communes = list(province.children.order_by("code")[:3])
    UserFactory(username="tinh", role=Role.PROVINCE_OFFICER, unit=province)
    for commune in communes:
        officer = UserFactory(role=Role.COMMUNE_OFFICER, unit=commune)
        leader = UserFactory(role=Role.COMMUNE_LEADER, unit=commune)
        for year in (1938, 1940, 1942):
            person(commune, datetime.date(year, 1, 1), ["K5C"])
        period = generate(commune, datetime.date(2026, 12, 1), user=officer)
        payment_list_close(period=period, closed_by=leader)

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "tinh")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/chi-tra/")
    page.click("a.button:has-text('Tổng hợp thanh quyết toán toàn tỉnh')")
    page.fill("input[name=month]", "2026-12")
    page.click("form.inline-form button")
    page.wait_for_selector("[data-figure=lines]")
    assert page.locator("[data-figure=lines]").inner_text() == "9"
    assert page.locator("[data-closed]").get_attribute("data-closed") == "3/3"
    assert page.locator("tr[data-commune]").count() >= 3
    # Providers by name, not by code, in both tables.
    for row in page.locator("tr[data-commune], tr[data-provider]").all():
        assert "Bưu điện Việt Nam" in row.inner_text() and "VNPOST" not in row.inner_text()
    screenshot("province-rollup")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("province-rollup-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    # A commune's list, read-only.
    page.click(f"text={communes[0].name}")
    page.wait_for_selector("[data-figure=lines]")
    for label in ("Lập lại", "Chốt danh sách", "Gửi tổ chức dịch vụ chi trả"):
        assert (
            page.locator(f"a.button:has-text('{label}'), button:has-text('{label}')").count() == 0
        )
    screenshot("province-reads-a-commune-list")
