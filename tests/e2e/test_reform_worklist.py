"""The reform worklist in a real browser, on Thái Nguyên's units: the people of a split commune
wait with their address, the default commune preselected; generation is refused while they wait;
an officer assigns one row to another commune and the rest ticked together; then the month's
list generates. At 1280 and 390 px, without sideways scrolling."""

import pytest

from beneficiaries.models import Beneficiary, ReformWorklistItem
from core.errors import AppError
from org.roles import closing_units_queryset
from payments.errors import PaymentErrorCode
from payments.months import month_window_suspended
from payments.services import payment_list_generate
from payments.services.periods import payment_period_open
from tests.e2e.test_checker_pages import _fits
from tests.reform.setup import EFFECTIVE, thai_nguyen_reformed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _generate(tn) -> int:
    """Every closing unit of the new province (its communes) generated: their lines together."""
    units = closing_units_queryset().filter(path__startswith=tn["new_province"].path)
    with month_window_suspended():
        return sum(
            payment_list_generate(period=payment_period_open(unit=u, month=EFFECTIVE)).lines.count()
            for u in units
        )


def test_an_officer_assigns_the_split_communes_people_and_unblocks_the_list(
    page, live_server, screenshot
):
    tn = thai_nguyen_reformed()
    with pytest.raises(AppError) as refused:
        _generate(tn)
    assert refused.value.code == PaymentErrorCode.REFORM_WORKLIST_WAITING

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "tinh19")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/sap-xep-don-vi/")
    rows = page.locator("[data-reform-worklist] tbody tr")
    assert rows.count() == 3
    first = tn["waiting"][0]
    row = rows.filter(has_text=first.full_name)
    assert first.address in row.inner_text()
    # The default (Gia Sàng) is preselected.
    assert row.locator("select").input_value() == str(tn["gia_sang"].pk)
    screenshot("reform-worklist")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    screenshot("reform-worklist-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # One row to the other candidate.
    row.locator("select").select_option(str(tn["tich_luong"].pk))
    row.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.locator("[data-reform-worklist] tbody tr").count() == 2
    assert Beneficiary.objects.get(pk=first.pk).commune == tn["tich_luong"]

    # The rest ticked together, each to its preselected default.
    for box in page.locator("[data-reform-worklist] tbody input[name=item]").all():
        box.check()
    page.locator("[data-reform-worklist] .form-actions button").click()
    page.wait_for_load_state()
    assert "Không còn ai chờ" in page.content()
    assert not ReformWorklistItem.objects.filter(assigned_commune__isnull=True).exists()
    assert Beneficiary.objects.get(pk=tn["waiting"][1].pk).commune == tn["gia_sang"]

    assert _generate(tn) == 5


def test_a_user_of_an_abolished_district_sees_why_they_cannot_act(page, live_server, screenshot):
    thai_nguyen_reformed()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "huyen164")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    for path in ("/", "/doi-tuong/", "/chi-tra/"):
        page.goto(f"{live_server.url}{path}")
        assert "thuộc đơn vị đã giải thể: chờ quản trị phân công lại" in page.content()
    screenshot("abolished-unit")
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    screenshot("abolished-unit-390")
    # Signing out still works.
    page.get_by_role("main").get_by_role("button").click()
    page.wait_for_url("**/dang-nhap/**")
