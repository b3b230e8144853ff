"""On a commune officer's phone (390 × 844): every page the commune and the district officer can
reach needs no sideways scrolling, and the header folds into a menu that opens with no script.
Each page is photographed at 390 and at 1280 px into test-results/ (`make screenshots` copies
them into docs/screenshots/)."""

import datetime
import io

import pytest
from django.core.management import call_command

from beneficiaries.models import Category, ChangeRecord
from beneficiaries.services.changes import change_record_create
from beneficiaries.services.inputs import ChangeInput
from org.models import AdministrativeUnit, ExportJob, Role
from payments.models import PaymentLine
from payments.services import payment_list_generate, payment_period_open
from reports.coverage import coverage_refresh
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TODAY = datetime.date(2026, 11, 21)
DEC = datetime.date(2026, 12, 1)

PEOPLE = [
    ("Nguyễn Thị Hoa", datetime.date(1940, 1, 1), "F", ["K5C"]),
    ("Trần Văn Đức", datetime.date(1950, 6, 15), "M", ["K5A"]),
    ("Lê Thị Ánh Tuyết", datetime.date(2024, 1, 1), "F", ["K1"]),
    ("Phạm Quốc Bảo", datetime.date(1988, 3, 9), "M", ["K4"]),
    ("Hoàng Thị Mỹ Duyên", datetime.date(1962, 9, 30), "F", ["K3"]),
]


def build():
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    xa = UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    huyen = UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=district)
    people = []
    for name, born, sex, codes in PEOPLE:
        b = BeneficiaryFactory(commune=commune, full_name=name, date_of_birth=born, sex=sex)
        for code in codes:
            BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=code))
        people.append(b)
    AccountFactory(beneficiary=people[1])
    period = payment_period_open(unit=district, month=DEC)
    payment_list_generate(period=period, generated_by=None)
    coverage_refresh(month=DEC)
    change = change_record_create(
        beneficiary=people[0],
        data=ChangeInput(kind="suspend", reason="not_collected", effective_month=DEC),
        maker=xa,
        today=TODAY,
    )
    # A large export on its way (the commune officer's) and one ready (the district's).
    jobs = {}
    for user, status, done in ((xa, "running", 1500), (huyen, "done", 14400)):
        jobs[user.username] = ExportJob.objects.create(
            owner=user,
            kind="payment_list_xlsx",
            parameters={"period": period.pk, "commune": None},
            parameters_key=user.username,
            file_name=f"danh-sach-chi-tra-474-2026-12-{user.username}.xlsx",
            status=status,
            rows_done=done,
            rows_total=14400,
            stored_name="x.xlsx" if status == "done" else "",
        ).uuid
    return {
        "commune": commune,
        "person": people[0],
        "period": period,
        "change": change,
        "jobs": jobs,
    }


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def pages_of(data, role):
    person, period, change = data["person"], data["period"], data["change"]
    pages = [
        ("home", "/"),
        ("register", "/doi-tuong/"),
        ("person", f"/doi-tuong/{person.pk}/"),
        ("queue", "/bien-dong/"),
        ("change", f"/bien-dong/{change.pk}/"),
        ("payment-lists", "/chi-tra/"),
        ("payment-list", f"/chi-tra/{period.pk}/"),
        ("lines", f"/chi-tra/{period.pk}/dong/"),
        ("coverage", "/reports/"),
        ("units", "/don-vi/"),
        ("policy", "/chinh-sach/"),
        ("export-job", f"/tep/{data['jobs']['xa' if role == 'commune' else 'huyen']}/"),
    ]
    # The cash signature list is printed on A4 for the post office, and read on a phone too.
    pages.append(("signature-list", f"/chi-tra/{period.pk}/ky-nhan/{data['commune'].pk}/"))
    if role == "commune":
        pages += [
            ("registration", "/doi-tuong/dang-ky/"),
            ("import", "/doi-tuong/nhap/"),
        ]
        pages += [
            (f"change-{kind}", f"/doi-tuong/{person.pk}/bien-dong/{kind}/")
            for kind in ("stop", "change_category", "move", "set_recipient", "set_account")
        ]
        pages += [("change-death", f"/doi-tuong/{person.pk}/bien-dong/stop/?reason=death")]
    else:
        pages += [
            ("batches", f"/chi-tra/{period.pk}/to-chuc-chi-tra/"),
            ("coverage-commune", f"/reports/{data['commune'].code}/"),
        ]
    return pages


def first_screen(page, name):
    """What the officer sees on opening the page: small files, fit to commit in docs/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_every_officer_page_fits_a_phone(page, live_server, screenshot):
    data = build()
    assert ChangeRecord.objects.filter(status="submitted").count() == 1
    too_wide = {}
    for role, username in (("commune", "xa"), ("district", "huyen")):
        login(page, live_server, username)
        for name, path in pages_of(data, role):
            page.set_viewport_size(PHONE)
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (role, path, response.status)
            width = overflow(page)
            if width > PHONE["width"]:
                too_wide[f"{role} {path}"] = width
            if name == "lines":
                # Each line is a card whose cells carry their column's name.
                names = page.locator("table.data td[data-label='Họ và tên']")
                lines = PaymentLine.objects.filter(payment_list__period=data["period"])
                assert names.count() == lines.count() > 0
            if name == "signature-list":
                # Each cash line is a card carrying its column names.
                cards = page.locator("table.lines td.name[data-label]")
                assert cards.count() > 0 and cards.first.is_visible()
                assert not page.locator("table.lines thead").is_visible()
                # Printed, even from a phone, it is the A4 table with its header row.
                page.emulate_media(media="print")
                assert page.locator("table.lines thead").is_visible()
                page.emulate_media(media="screen")
            if name == "queue" and role == "district":
                tick_all_on_a_phone(page)
            screenshot(f"phone-{role}-{name}-390-full")
            first_screen(page, f"phone-{role}-{name}-390")
            page.set_viewport_size(DESKTOP)
            first_screen(page, f"phone-{role}-{name}-1280")
    assert too_wide == {}


def tick_all_on_a_phone(page):
    """The checker's queue: the header's "tick all" is hidden with the header on a phone; the
    one above the cards is visible, and ticks every change that may be approved."""
    boxes = page.locator("input[name='change']")
    assert boxes.count() > 0
    tick_all = page.locator("label.tick-all-phone")
    assert tick_all.is_visible()
    box = tick_all.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    tick_all.click()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    tick_all.click()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # On a desktop the header's box does it, and the phone's control is not shown.
    page.set_viewport_size(DESKTOP)
    assert not tick_all.is_visible()
    assert page.locator("thead input[data-tick-all='change']").is_visible()
    page.set_viewport_size(PHONE)


def test_the_header_folds_into_a_menu_that_opens_without_script(browser, live_server):
    build()
    context = browser.new_context(viewport=PHONE, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server, "xa")
        nav = page.locator("nav.mainnav")
        assert not nav.is_visible()
        page.click("label.navtoggle-button")
        assert nav.is_visible()
        nav_link = nav.locator("a[href='/bien-dong/']")
        assert nav_link.is_visible()
        assert overflow(page) <= PHONE["width"]
        first_screen(page, "phone-commune-menu-open-390")
        nav_link.click()
        page.wait_for_url(f"{live_server.url}/bien-dong/")
        # On a desktop the same header shows the links with no menu button.
        page.set_viewport_size(DESKTOP)
        assert page.locator("nav.mainnav").is_visible()
        assert not page.locator("label.navtoggle-button").is_visible()
    finally:
        context.close()
