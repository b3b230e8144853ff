"""A newcomer's first minutes: log in with a printed demo password and see the right figures."""

import datetime
import io

import pytest
from django.core.management import call_command

from accounts.models import PaymentAccount
from beneficiaries.models import AuthorizedRecipient, Beneficiary
from org.models import AdministrativeUnit
from org.text import format_number

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def seed_and_read_passwords() -> dict[str, tuple[str, str]]:
    out = io.StringIO()
    call_command(
        "seed_demo",
        beneficiaries=1500,
        seed=4,
        as_of=datetime.date(2026, 11, 1),
        months=0,
        stdout=out,
    )
    users = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].endswith(("officer", "admin")):
            users[parts[2]] = (parts[0], parts[1])
    return users


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/dang-nhap/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def figure(page, name) -> str:
    return page.locator(f"[data-figure={name}]").inner_text()


def test_province_and_commune_officers_see_their_own_figures(page, live_server, screenshot):
    users = seed_and_read_passwords()

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", users["province_officer"][0])
    page.fill("#id_password", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "không đúng" in page.locator("[role=alert]").inner_text()

    log_in(page, live_server, *users["province_officer"])
    assert page.locator("h1").inner_text() == "Thành phố Huế"
    assert figure(page, "beneficiaries") == format_number(
        Beneficiary.objects.filter(status="active").count()
    )
    assert figure(page, "with_account") == format_number(
        PaymentAccount.objects.filter(status="active").count()
    )
    assert figure(page, "via_recipient") == format_number(
        AuthorizedRecipient.objects.filter(active=True).count()
    )
    assert page.locator("table.data tbody tr").count() == 9  # the nine districts
    screenshot("home-province")

    page.click("text=Đăng xuất")
    page.wait_for_url(f"{live_server.url}/dang-nhap/")

    username, password = users["commune_officer"]
    commune = AdministrativeUnit.objects.get(code=username.removeprefix("xa"), level="commune")
    log_in(page, live_server, username, password)
    assert page.locator("h1").inner_text() == commune.name
    mine = Beneficiary.objects.filter(commune=commune, status="active")
    assert figure(page, "beneficiaries") == format_number(mine.count())
    assert mine.count() < Beneficiary.objects.count()
    screenshot("home-commune")

    # Another commune's units are not reachable: 404, not a page.
    other = AdministrativeUnit.objects.filter(level="commune").exclude(pk=commune.pk).first()
    response = page.goto(f"{live_server.url}/don-vi/?parent={other.pk}")
    assert response.status == 404
