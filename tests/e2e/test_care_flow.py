"""Issue 21 in a browser: a commune officer sets a care arrangement for an orphan (a foster
carer), the district officer approves it, and the next list, generated on a real worker, pays
the carer on a line of its own beside the child's allowance; closed and exported, the CSV says
`care_support` and the amount."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from beneficiaries.models import CareArrangement, Category, ChangeRecord
from org.models import AdministrativeUnit, Role
from payments.models import PaymentLine, PaymentPeriod
from tests.factories import (
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    UserFactory,
    id_number_for,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CARER_ID = id_number_for(datetime.date(1978, 3, 9), "F", 4512)


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")


def test_a_foster_carer_is_set_approved_and_paid(
    page, live_server, screenshot, celery_worker_process
):
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=district)
    UserFactory(username="lap", role=Role.DISTRICT_OFFICER, unit=district)
    month = timezone.localdate().replace(day=1)
    # An orphan of two: K1 under 4 is 2.5 × 500.000 ₫, and so is fostering them (CS_FOSTER_K1).
    child = BeneficiaryFactory(
        commune=commune,
        full_name="Lê Văn Tí",
        date_of_birth=(month - datetime.timedelta(days=2 * 365 + 40)).replace(day=1),
    )
    BeneficiaryCategoryFactory(
        beneficiary=child, category=Category.objects.get(code="K1"), start_month=month
    )

    # The commune officer records the foster carer from the child's change menu.
    log_in(page, live_server, "xa")
    page.goto(f"{live_server.url}/doi-tuong/{child.pk}/")
    page.click("details.menu summary")
    page.click("[data-change-menu] a[href$='/bien-dong/set_care/']")
    page.select_option("[name=care_code]", "CS_FOSTER_K1")
    page.fill("[name=carer_full_name]", "Nguyễn Thị Hoa")
    page.fill("[name=carer_id_number]", CARER_ID)
    page.fill("[name=carer_relationship]", "Bác ruột")
    page.fill("[name=carer_phone]", "0912 345 678")
    page.fill("[name=effective_month]", f"{month:%Y-%m}")
    page.select_option("[name=reason]", "new_decision")
    page.fill("[name=decision_number]", "31/QĐ-UBND")
    screenshot("care-set-form")
    page.click("button[name=submit]")
    page.wait_for_url(f"**/doi-tuong/{child.pk}/")
    change = ChangeRecord.objects.get(kind="set_care")
    assert change.status == "submitted"
    assert change.care_arrangement.status == "pending"
    # Nothing is paid before a checker approves: the maker has no approve button.
    page.goto(f"{live_server.url}/bien-dong/{change.pk}/")
    assert page.locator("button:has-text('Duyệt')").count() == 0

    # The district officer approves it.
    log_in(page, live_server, "huyen")
    page.goto(f"{live_server.url}/bien-dong/{change.pk}/")
    page.click("button:has-text('Duyệt')")
    page.wait_for_selector("[data-status=approved]")
    care = CareArrangement.objects.get()
    assert care.status == "active" and care.start_month == month

    # The next list, generated on the worker, pays the carer beside the child's allowance.
    log_in(page, live_server, "lap")
    page.click("nav.mainnav >> text=Danh sách chi trả")
    page.fill("input[name=month]", f"{month:%Y-%m}")
    page.click("form.inline-form button")
    page.wait_for_selector("[data-figure=lines]", timeout=60_000)
    assert page.locator("[data-figure=lines]").inner_text() == "2"
    assert page.locator("[data-figure=total]").inner_text() == "2.500.000 ₫"
    screenshot("care-list-review")
    # The carer is not counted as the child's recipient, and is said to be paid in cash.
    assert page.locator("[data-figure=lines] + p").inner_text().startswith("0 ")
    assert page.locator("[data-carers-cash]").inner_text().startswith("1 ")
    lines = {
        line.line_kind: line
        for line in PaymentLine.objects.filter(payment_list__period__month=month)
    }
    assert set(lines) == {"allowance", "care_support"}
    paid = lines["care_support"]
    assert (paid.beneficiary_id, paid.care_arrangement_id) == (child.pk, care.pk)
    assert (paid.payee_name, paid.payee_id_number) == ("Nguyễn Thị Hoa", CARER_ID)
    assert (paid.amount_care, paid.amount_total, paid.channel) == (1_250_000, 1_250_000, "cash")
    assert lines["allowance"].amount_regular == 1_250_000
    assert lines["allowance"].payee_name == "Lê Văn Tí"

    # The other officer closes it; the CSV carries the kind and the care amount at the end.
    log_in(page, live_server, "huyen")
    period = PaymentPeriod.objects.get()
    page.goto(f"{live_server.url}/chi-tra/{period.pk}/")
    page.click("a.button:has-text('Chốt danh sách')")
    page.click("[data-confirm-button]")
    page.wait_for_selector("[data-hash]")
    with page.expect_download() as download:
        page.click("a.button:text-is('CSV')")
    with open(download.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[-2:] == ["line_kind", "amount_care"]
    care_rows = [r for r in rows if r["line_kind"] == "care_support"]
    assert [(r["payee_name"], r["amount_care"], r["amount_total"]) for r in care_rows] == [
        ("Nguyễn Thị Hoa", "1250000", "1250000")
    ]
    assert sum(int(r["amount_total"]) for r in rows) == 2_500_000
