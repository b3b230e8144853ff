"""The district officer of the demo province sends the closed list to the (mock) providers from
the browser, watches the progress per provider, and reads the reconciliation, which matches the
mock providers' own ledger line for line. Real processes: the mock providers, a Celery worker,
the live server receiving Viettel Pay's callbacks, Chromium."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from demo.generator import district_channel
from demo.seed import demo_seed
from org.models import User
from payments.models import PaymentPeriod
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.providers.mockprocess import call, running_mock
from tests.workers import Workers, worker_env

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRETS = {"VIETTELPAY": "e2e-vtp", "VIETINBANK": "e2e-vtb", "VNPOST": "e2e-vnp"}
STATUS_VI = {"paid": "Đã chi trả", "failed": "Không thành công", "unpaid": "Không nhận"}


@pytest.fixture
def mock(tmp_path):
    with running_mock(
        tmp_path, **{f"MOCK_{code}_SECRET": secret for code, secret in SECRETS.items()}
    ) as url:
        call(
            f"{url}/__mock__/config",
            {
                "viettelpay": {"result_delay_seconds": 1, "failure_rate": 0.05, "seed": 7},
                "vietinbank": {"failure_rate": 0.05, "seed": 8},
                "vnpost": {"window_seconds": 3, "failure_rate": 0.1, "seed": 9},
            },
        )
        yield url


def test_send_watch_and_reconcile_against_the_ledger(
    page, live_server, screenshot, mock, tmp_path, settings
):
    settings.TROCAP_PROVIDERS = {
        code: {**settings.TROCAP_PROVIDERS[code], "base_url": mock, "secret": secret}
        for code, secret in SECRETS.items()
    }
    result = demo_seed(count=600, as_of=datetime.date(2026, 11, 1))
    # A rural district: Viettel Pay wallets (results by callback) and cash through VNPost.
    login = next(
        u
        for u in result.users
        if u.username.startswith("huyen") and district_channel(u.unit)[0] == "VIETTELPAY"
    )
    officer = User.objects.get(username=login.username)
    period = payment_period_open(unit=officer.unit, month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=officer)
    payment_list_close(
        period=period, closed_by=User.objects.get(username=f"lap{officer.unit.code}")
    )
    lines = {line.reference: line for line in period.payment_list.lines.select_related("provider")}
    assert {line.provider.code for line in lines.values()} == {"VIETTELPAY", "VNPOST"}

    workers = Workers(worker_env(mock, live_server.url, SECRETS), tmp_path)
    workers.start()
    try:
        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("#id_username", login.username)
        page.fill("#id_password", login.password)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/chi-tra/{period.pk}/")
        page.click("a.button:has-text('Gửi tổ chức dịch vụ chi trả')")
        assert "tới 2 đơn vị chi trả" in page.locator("[data-sentence]").inner_text()
        page.click("[data-confirm-button]")
        page.wait_for_selector("text=Đang gửi danh sách")
        # The progress table polls every 3 s; one row per provider.
        for code in ("VIETTELPAY", "VNPOST"):
            page.wait_for_selector(f'#batches tr[data-provider="{code}"]')
        screenshot("providers-progress")
        page.wait_for_selector("[data-reconciliation-link]", timeout=90_000)
        screenshot("providers-done")
        page.click("[data-reconciliation-link]")
        page.wait_for_selector("[data-reconciliation]", timeout=60_000)
        screenshot("reconciliation")
    finally:
        workers.stop()

    entries = call(f"{mock}/__mock__/ledger")["entries"]
    assert sorted(e["reference"] for e in entries) == sorted(lines)  # each line exactly once
    assert page.locator("[data-reconciliation]").get_attribute("data-reconciliation") == "matched"
    paid = [e for e in entries if e["status"] == "paid"]
    assert page.locator("[data-figure=paid]").inner_text() == f"{len(paid):,}".replace(",", ".")
    paid_amount = f"{sum(e['amount'] for e in paid):,}".replace(",", ".") + " ₫"
    assert page.locator("[data-figure=paid-amount]").inner_text() == paid_amount
    for code in ("VIETTELPAY", "VNPOST"):
        row = page.locator(f'tr[data-provider="{code}"]')
        mine = [e for e in entries if e["provider"] == code]
        assert row.locator("[data-paid-count]").inner_text() == str(
            sum(e["status"] == "paid" for e in mine)
        )
        assert row.locator("[data-controls]").get_attribute("data-controls") == "match"

    # The settlement report, line for line against the ledger.
    with page.expect_download() as download:
        page.click("text=Báo cáo thanh quyết toán (.xlsx)")
    with open(download.value.path(), "rb") as f:
        workbook = load_workbook(io.BytesIO(f.read()))
    rows = {row[1]: row for row in workbook["Chi tiết"].iter_rows(min_row=6, values_only=True)}
    assert len(rows) == len(entries)
    for entry in entries:
        row = rows[entry["reference"]]
        assert (row[5], row[7], row[8]) == (
            entry["provider"],
            entry["amount"],
            STATUS_VI[entry["status"]],
        ), entry
    period.refresh_from_db()
    assert period.status == "reconciled"
    assert PaymentPeriod.objects.get(pk=period.pk).reconciliation.line_count == len(lines)
