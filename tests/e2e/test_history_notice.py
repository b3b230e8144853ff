"""While the worker builds the demo's history behind `make run`, the dashboard and the payment
lists say how far it is, in a line that fits a phone."""

import datetime

import pytest

from demo.seed import demo_passwords, demo_seed
from org.models import Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def test_the_history_notice_fits_a_phone(page, live_server, screenshot):
    demo_seed(count=60, seed=11, as_of=datetime.date(2026, 11, 1), months=2)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "tinh46")
    page.fill("#id_password", demo_passwords(seed=11)[Role.PROVINCE_OFFICER])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    for name, path in (("dashboard", "/reports/"), ("payment-lists", "/chi-tra/")):
        assert page.goto(f"{live_server.url}{path}").status == 200
        notice = page.locator(".background-notices")
        assert notice.inner_text() == "Đang dựng lịch sử chi trả của bản demo: tháng 1/2"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        screenshot(f"history-notice-{name}-390")
