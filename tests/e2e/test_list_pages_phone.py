"""The list pages' new parts on a phone and a desktop: sort headers, the page jump form and the
home shortcuts need no sideways scrolling at 390 px, and the jump form goes to the typed page
keeping the filters and the sort."""

import pytest

from beneficiaries.models import Category
from org.models import Role
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_phone_pages import DESKTOP, PHONE, login, overflow
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def build():
    import io

    from django.core.management import call_command

    from org.models import AdministrativeUnit
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=district)
    k5c = Category.objects.get(code="K5C")
    given = ["An", "Ăn", "Ân", "Bình", "Dũng", "Đức", "Hoa", "Ơn", "Uy", "Ư"]
    for i in range(130):
        b = BeneficiaryFactory(
            commune=commune, full_name=f"Nguyễn Thị {given[i % len(given)]} {i:03d}"
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=k5c)


def test_sort_headers_and_the_page_jump_fit_a_phone_and_work(page, live_server):
    build()
    ARTIFACTS.mkdir(exist_ok=True)
    for username in ("xa", "huyen"):
        login(page, live_server, username)
        for name, path in (
            ("register", "/doi-tuong/?status=active&sort=-name"),
            ("home", "/"),
            ("queue", "/bien-dong/?sort=name"),
        ):
            page.set_viewport_size(PHONE)
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200
            assert overflow(page) <= PHONE["width"], (username, path, overflow(page))
            page.screenshot(path=str(ARTIFACTS / f"lists-{username}-{name}-390.png"))
            if name == "register":
                page.locator("nav.pagination").screenshot(
                    path=str(ARTIFACTS / f"lists-{username}-pagination-390.png")
                )
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(ARTIFACTS / f"lists-{username}-{name}-1280.png"))

    # The jump form: type a page, keep the filters and the sort.
    page.goto(f"{live_server.url}/doi-tuong/?status=active&sort=-name")
    page.fill("form.page-jump input[name=page]", "3")
    page.click("form.page-jump button[type=submit]")
    page.wait_for_url("**page=3**")
    url = page.url
    assert "status=active" in url and "sort=-name" in url
    assert page.locator("form.page-jump input[name=page]").input_value() == "3"
    # Past the last page: the last one, no error.
    response = page.goto(f"{live_server.url}/doi-tuong/?page=99")
    assert response.status == 200
    assert page.locator("form.page-jump input[name=page]").input_value() == "3"
