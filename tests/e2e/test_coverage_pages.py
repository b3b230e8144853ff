"""The coverage dashboards in Chromium: the province, a district and a commune, each with its
charts drawn and readable (they take room on the page, their labels are there)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from providers.mock.process import free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_province_district_and_commune_pages_show_their_charts(
    page, live_server, screenshot, tmp_path
):
    """The demo as `make run` makes it: the register, then months of history through the real
    generation, closing, the mock providers (their own process) and reconciliation."""
    out = io.StringIO()
    with override_settings(
        MOCK_PROVIDERS_URL=f"http://127.0.0.1:{free_port()}",
        MOCK_PROVIDERS_DB=tmp_path / "mock.sqlite3",
    ):
        call_command(
            "seed_demo",
            beneficiaries=800,
            seed=11,
            as_of=datetime.date(2027, 1, 1),
            months=5,
            stdout=out,
        )
    login = next(
        line.split()[:2] for line in out.getvalue().splitlines() if line.strip().startswith("tinh")
    )

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", login[0])
    page.fill("#id_password", login[1])
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/reports/")
    # The page opens on the latest month that was paid, not on this month (no list yet).
    assert page.locator("select[name=month]").input_value() == "2026-12"
    # Five months of history: five points on each trend line.
    assert page.locator('[data-chart="trend"] svg circle').count() >= 5
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
    assert page.locator('[data-chart="trend"] svg circle').count() >= 5
    screenshot("coverage-commune")

    page.goto(f"{live_server.url}/reports/?month=2026-12&print=1")
    assert not page.locator("header.topbar").is_visible()
    screenshot("coverage-print")
