"""The coverage dashboards in Chromium: the province, a district and a commune, each with its
charts drawn and readable (they take room on the page, their labels are there)."""

import datetime

import pytest

from beneficiaries.demo_seed import demo_seed
from org.models import User
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from reports.coverage import coverage_refresh

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_province_district_and_commune_pages_show_their_charts(page, live_server, screenshot):
    result = demo_seed(count=400, as_of=datetime.date(2026, 11, 1))
    for month in (datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)):
        for username in ("huyen474", "huyen476"):
            officer = User.objects.get(username=username)
            period = payment_period_open(unit=officer.unit, month=month)
            payment_list_generate(period=period, generated_by=officer)
            payment_list_close(period=period, closed_by=officer)
            for i, line in enumerate(period.payment_list.lines.order_by("line_no")):
                line.status = "paid" if i % 6 else "failed"
                line.save(update_fields=["status"])
        coverage_refresh(month=month, register=True)
    login = next(u for u in result.users if u.username.startswith("tinh"))

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", login.username)
    page.fill("#id_password", login.password)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/reports/?month=2026-12")
    for chart in ("trend", "children"):
        box = page.locator(f'[data-chart="{chart}"] svg').bounding_box()
        assert box and box["width"] > 500 and box["height"] > 150, chart
    assert page.locator('[data-chart="children"] svg text.label').count() == 9  # the districts
    assert page.locator("[data-lowest] tbody tr").count() == 10
    screenshot("coverage-province")

    page.click('tr[data-unit="476"] a')
    page.wait_for_selector('[data-chart="children"] svg')
    assert page.locator("h1").inner_text().endswith("Thị xã Phong Điền")
    screenshot("coverage-district")

    page.locator("tr[data-unit] a").first.click()
    page.wait_for_selector('[data-people="no-account"]')
    assert page.locator('[data-chart="trend"] svg circle').count() >= 2
    screenshot("coverage-commune")

    page.goto(f"{live_server.url}/reports/?month=2026-12&print=1")
    assert not page.locator("header.topbar").is_visible()
    screenshot("coverage-print")
