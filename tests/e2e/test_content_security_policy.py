"""Every kind of page, in Chromium, under the Content-Security-Policy: nothing it loads or runs
is refused (no inline script, nothing from elsewhere), and what used to be inline still works."""

import datetime

import pytest

from beneficiaries.models import Beneficiary, ChangeRecord
from demo.seed import demo_seed
from org.models import User
from payments.services import payment_list_generate, payment_period_open
from reports.coverage import coverage_refresh

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_no_page_breaks_the_policy(page, live_server):
    result = demo_seed(count=150, seed=5, as_of=datetime.date(2026, 11, 1))
    passwords = {u.username: u.password for u in result.users}
    district = User.objects.get(username="huyen474")
    period = payment_period_open(unit=district.unit, month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=district)
    coverage_refresh(month=datetime.date(2026, 12, 1), register=True)
    people = Beneficiary.objects.filter(commune__parent=district.unit)[:2]
    for person in people:
        ChangeRecord.objects.create(
            beneficiary=person,
            commune=person.commune,
            kind="stop",
            reason="moved_away",
            effective_month=datetime.date(2027, 1, 1),
            status="submitted",
            maker=User.objects.get(username=f"xa{person.commune.code}"),
        )

    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda e: refused.append(str(e)))

    log_in(page, live_server, "huyen474", passwords["huyen474"])
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for path in (
        "/",
        "/doi-tuong/",
        f"/doi-tuong/{people[0].pk}/",
        "/bien-dong/",
        "/chi-tra/",
        f"/chi-tra/{period.pk}/",
        f"/chi-tra/{period.pk}/dong/",
        "/reports/?month=2026-12",
        "/don-vi/",
        "/chinh-sach/",
        "/api/docs/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # Swagger UI starts from its own script file and draws the operations.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15000)

    # "Tick all" in the queue, no longer an inline onclick.
    page.goto(f"{live_server.url}/bien-dong/")
    page.check("thead input[data-tick-all]")  # on a desktop: the header's box
    boxes = page.locator("input[name=change]")
    assert boxes.count() == 2
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))

    page.context.clear_cookies()
    log_in(page, live_server, "admin", passwords["admin"])
    for path in ("/admin/", "/admin/beneficiaries/beneficiary/", "/admin/api/apitoken/add/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert refused == []
