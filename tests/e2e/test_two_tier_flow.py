"""Two-tier units (2025-10) in a real browser: a commune officer registers a person and sends
the change; they cannot approve it themselves; the commune leader (Chủ tịch UBND xã) approves;
the officer generates the commune's own list on a worker; the leader closes it through the
confirmation page, sends it to the mock providers and reconciles it. Real processes: the mock
providers, a Celery worker, the live server receiving Viettel Pay's callbacks, Chromium."""

import io

import pytest
from django.core.management import call_command

from beneficiaries.models import Beneficiary, ChangeRecord
from org.models import AdministrativeUnit, Role
from payments.models import PaymentPeriod
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory
from tests.providers.mockprocess import call, running_mock
from tests.workers import Workers, worker_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRETS = {"VIETTELPAY": "e2e-vtp", "VIETINBANK": "e2e-vtb", "VNPOST": "e2e-vnp"}


def log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def fits_a_phone(page, screenshot, name):
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def mock(tmp_path):
    with running_mock(
        tmp_path, **{f"MOCK_{code}_SECRET": secret for code, secret in SECRETS.items()}
    ) as url:
        call(
            f"{url}/__mock__/config",
            {
                "viettelpay": {"result_delay_seconds": 1, "failure_rate": 0, "seed": 7},
                "vnpost": {"window_seconds": 2, "failure_rate": 0, "seed": 9},
            },
        )
        yield url


def test_officer_enters_leader_approves_closes_sends_and_reconciles(
    page, live_server, screenshot, mock, tmp_path, settings
):
    from beneficiaries.models import Category
    from tests.conftest import TWO_TIER

    settings.TROCAP_PROVIDERS = {
        code: {**settings.TROCAP_PROVIDERS[code], "base_url": mock, "secret": secret}
        for code, secret in SECRETS.items()
    }
    call_command("load_units", str(TWO_TIER), province="46", stdout=io.StringIO())
    province = AdministrativeUnit.objects.get(level="province", code="46", code_version="2025-10")
    commune = province.children.order_by("code").first()
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    leader = UserFactory(username="chutich", role=Role.COMMUNE_LEADER, unit=commune)
    # Someone already paid in cash through the post office.
    elder = BeneficiaryFactory(commune=commune, full_name="Lê Thị Bảy")
    BeneficiaryCategoryFactory(beneficiary=elder, category=Category.objects.get(code="K5C"))

    workers = Workers(worker_env(mock, live_server.url, SECRETS), tmp_path)
    workers.start(beat=False)
    try:
        # The commune officer registers a child with a guardian and a Viettel Pay wallet.
        log_in(page, live_server, "xa")
        page.goto(f"{live_server.url}/doi-tuong/dang-ky/")
        page.fill("#id_full_name", "Hồ Thị Lài")
        page.fill("#id_date_of_birth", "10/02/2019")
        page.check("#field-sex >> text=Nữ")
        page.fill("#id_ethnicity", "Kinh")
        page.fill("#id_id_number", "046319004512")
        page.fill("#id_address", "Tổ 3")
        page.check("#field-categories >> text=K1 –")
        page.fill("#id_decision_number", "215/QĐ-UBND")
        page.fill("#id_decision_date", "05/10/2026")
        page.fill("#id_start_month", "2026-10")
        page.select_option("#id_recipient_kind", "guardian")
        page.fill("#id_recipient_full_name", "Hồ Văn Kăn")
        page.fill("#id_recipient_id_number", "046085001234")
        page.fill("#id_recipient_relationship", "Ông nội")
        page.fill("#id_recipient_phone", "0971 234 567")
        page.select_option("#id_account_provider", "VIETTELPAY")
        page.fill("#id_account_number", "0971234567")
        page.select_option("#id_account_holder", "recipient")
        page.click("text=Đăng ký và gửi duyệt")
        page.wait_for_selector("[data-status=pending]")
        child = Beneficiary.objects.get(id_number="046319004512")
        change = ChangeRecord.objects.get(beneficiary=child)
        # The maker cannot approve their own change: no button on its page.
        page.goto(f"{live_server.url}/bien-dong/{change.pk}/")
        assert page.locator("button:has-text('Duyệt')").count() == 0

        # The commune leader approves it.
        log_in(page, live_server, "chutich")
        page.goto(f"{live_server.url}/bien-dong/")
        screenshot("two-tier-leader-queue")
        page.goto(f"{live_server.url}/bien-dong/{change.pk}/")
        page.click("button:has-text('Duyệt')")
        page.wait_for_selector("[data-status=approved]")
        child.refresh_from_db()
        assert child.status == "active"

        # The commune officer generates the commune's own list of December on the worker.
        log_in(page, live_server, "xa")
        page.click("nav.mainnav >> text=Danh sách chi trả")
        page.fill("input[name=month]", "2026-12")
        page.click("form.inline-form button")
        page.wait_for_selector("[data-figure=lines]", timeout=60_000)
        assert page.locator("[data-figure=lines]").inner_text() == "2"
        period = PaymentPeriod.objects.get()
        assert period.unit == commune
        assert page.locator("a.button:has-text('Chốt danh sách')").count() == 0

        # The leader closes it through the confirmation page.
        log_in(page, live_server, "chutich")
        page.goto(f"{live_server.url}/chi-tra/{period.pk}/")
        screenshot("two-tier-leader-review")
        fits_a_phone(page, screenshot, "two-tier-leader-review")
        page.click("a.button:has-text('Chốt danh sách')")
        assert (
            page.locator("[data-sentence]")
            .inner_text()
            .startswith(f"Chốt danh sách 12/2026 của {commune.name}: 2 dòng")
        )
        period.refresh_from_db()
        assert period.status == "generated"  # nothing before confirming
        page.click("[data-confirm-button]")
        page.wait_for_selector("[data-hash]")
        period.refresh_from_db()
        assert period.status == "closed" and period.payment_list.closed_by == leader

        # ... sends it to the providers, watches it come back, and reconciles.
        page.click("a.button:has-text('Gửi tổ chức dịch vụ chi trả')")
        page.click("[data-confirm-button]")
        page.wait_for_selector("[data-reconciliation-link]", timeout=90_000)
        page.click("[data-reconciliation-link]")
        page.wait_for_selector("button:has-text('Đối soát')", timeout=60_000)
        page.click("button:has-text('Đối soát')")
        page.wait_for_selector("[data-reconciliation]", timeout=60_000)
        screenshot("two-tier-reconciliation")
    finally:
        workers.stop()

    assert page.locator("[data-reconciliation]").get_attribute("data-reconciliation") == "matched"
    period.refresh_from_db()
    assert period.status == "reconciled"
    assert period.reconciliation.reconciled_by == leader
    entries = call(f"{mock}/__mock__/ledger")["entries"]
    assert sorted(e["reference"] for e in entries) == sorted(
        period.payment_list.lines.values_list("reference", flat=True)
    )
