"""The VietinBank adapter driven against the real mock-providers process."""

import io
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook

from providers.adapters.base import (
    BatchRequest,
    InvalidCallback,
    PaymentItem,
    ProviderRejected,
    ProviderUnavailable,
    sign,
)
from providers.adapters.vietinbank import VietinBankAdapter
from tests.providers.mockprocess import call, free_port, running_mock

pytestmark = pytest.mark.slow

SECRET = "test-vietinbank-secret"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock"), MOCK_VIETINBANK_SECRET=SECRET) as url:
        yield url


@pytest.fixture(autouse=True)
def clean_mock(mock_url):
    call(f"{mock_url}/__mock__/reset", {})


@pytest.fixture
def adapter(mock_url):
    return VietinBankAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)


def configure(mock_url: str, **values) -> None:
    call(f"{mock_url}/__mock__/config", {"vietinbank": values})


def ledger(mock_url: str) -> list[dict]:
    return call(f"{mock_url}/__mock__/ledger?provider=VIETINBANK")["entries"]


def item(n: int, account: str, amount: int = 750_000) -> PaymentItem:
    return PaymentItem(
        reference=f"TC-2026-11-{n:06d}",
        amount=amount,
        account_number=account,
        payee_name="Trần Văn Hùng",
        payee_id_number=f"0461950{n:05d}",
    )


def batch(reference: str, *items: PaymentItem) -> BatchRequest:
    return BatchRequest(
        batch_reference=reference,
        items=items,
        control_count=len(items),
        control_amount=sum(i.amount for i in items),
    )


THREE = batch(
    "B-2026-11-VTB-001",
    item(1, "0108812345600", 750_000),
    item(2, "0108812345691", 500_000),
    item(3, "0108812345692", 1_125_000),
)


def test_the_upload_is_a_signed_spreadsheet_with_control_totals():
    raw = VietinBankAdapter.payment_file(THREE)

    workbook = load_workbook(io.BytesIO(raw))
    rows = list(workbook["Payments"].iter_rows(values_only=True))
    assert rows[0] == ("reference", "account_number", "account_name", "amount", "id_number")
    # Account numbers keep their leading zero; amounts are whole đồng.
    assert rows[1] == (
        "TC-2026-11-000001",
        "0108812345600",
        "Trần Văn Hùng",
        750_000,
        "046195000001",
    )
    assert len(rows) == 4
    control = dict(workbook["Control"].iter_rows(values_only=True))
    assert control == {
        "batch_reference": "B-2026-11-VTB-001",
        "bank_bin": "970415",
        "count": 3,
        "sum": 2_375_000,
    }


def test_a_batch_is_acknowledged_and_the_statement_gives_vietnamese_reasons(adapter):
    ack = adapter.submit_batch(THREE)

    assert ack.batch_reference == "B-2026-11-VTB-001"
    assert ack.provider_batch_id.startswith("VTB-")
    assert ack.accepted_count == 3

    status = adapter.fetch_batch_status("B-2026-11-VTB-001")
    assert status.batch_reference == "B-2026-11-VTB-001"
    assert [(r.reference, r.status, r.failure_code, r.failure_reason_vi) for r in status.items] == [
        ("TC-2026-11-000001", "paid", "", ""),
        ("TC-2026-11-000002", "failed", "ACCOUNT_CLOSED", "Tài khoản đã đóng"),
        ("TC-2026-11-000003", "failed", "NAME_MISMATCH", "Tên chủ tài khoản không khớp"),
    ]
    paid = status.items[0]
    assert paid.paid_at is not None and paid.paid_at.tzinfo is not None
    assert all(r.paid_at is None for r in status.items[1:])


def test_without_outcomes_by_number_every_account_is_paid(adapter, mock_url):
    """by_number off (the demo's history): only the random failure rate fails items."""
    configure(mock_url, by_number=False)
    adapter.submit_batch(THREE)
    statuses = [r.status for r in adapter.fetch_batch_status(THREE.batch_reference).items]
    assert statuses == ["paid", "paid", "paid"]


def test_the_statement_is_an_xlsx_file_to_download(adapter, mock_url):
    adapter.submit_batch(THREE)
    path = "/vietinbank/results/B-2026-11-VTB-001"
    request = urllib.request.Request(
        mock_url + path, headers={"X-Signature": sign(SECRET, path.encode())}
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        rows = list(load_workbook(io.BytesIO(response.read())).active.iter_rows(values_only=True))
    assert rows[0] == ("reference", "status", "failure_code", "paid_at", "amount")
    assert [row[:3] for row in rows[1:]] == [
        ("TC-2026-11-000001", "PAID", None),
        ("TC-2026-11-000002", "FAILED", "ACCOUNT_CLOSED"),
        ("TC-2026-11-000003", "FAILED", "NAME_MISMATCH"),
    ]


def test_reuploading_a_batch_returns_the_original_answer_and_pays_nothing_twice(adapter, mock_url):
    first = adapter.submit_batch(THREE)
    again = adapter.submit_batch(THREE)

    assert again == first
    entries = ledger(mock_url)
    assert sorted(e["reference"] for e in entries) == [i.reference for i in THREE.items]
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 750_000


def test_a_reference_already_paid_in_another_batch_is_not_paid_again(adapter, mock_url):
    adapter.submit_batch(THREE)
    second = batch(
        "B-2026-11-VTB-002",
        item(1, "0108800000000", 750_000),
        item(4, "0108800000004", 900_000),
    )

    assert adapter.submit_batch(second).accepted_count == 2

    status = adapter.fetch_batch_status("B-2026-11-VTB-002")
    assert [(r.reference, r.status) for r in status.items] == [
        ("TC-2026-11-000001", "paid"),
        ("TC-2026-11-000004", "paid"),
    ]
    entries = ledger(mock_url)
    references = [e["reference"] for e in entries]
    assert len(references) == len(set(references)) == 4
    assert next(e for e in entries if e["reference"] == "TC-2026-11-000001")["account"] == (
        "0108812345600"
    )
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 750_000 + 900_000


def test_control_totals_that_do_not_match_are_rejected_and_nothing_is_paid(adapter, mock_url):
    wrong = BatchRequest(
        batch_reference="B-2026-11-VTB-003",
        items=THREE.items,
        control_count=3,
        control_amount=2_375_000 - 1,
    )

    with pytest.raises(ProviderRejected) as excinfo:
        adapter.submit_batch(wrong)

    assert (excinfo.value.code, excinfo.value.http_status) == ("CONTROL_MISMATCH", 400)
    assert ledger(mock_url) == []
    with pytest.raises(ProviderRejected) as excinfo:
        adapter.fetch_batch_status("B-2026-11-VTB-003")
    assert (excinfo.value.code, excinfo.value.http_status) == ("UNKNOWN_BATCH", 404)


def test_an_outage_is_provider_unavailable_until_it_ends(adapter, mock_url):
    configure(mock_url, outage=True)

    with pytest.raises(ProviderUnavailable) as excinfo:
        adapter.submit_batch(THREE)
    assert excinfo.value.http_status == 503
    with pytest.raises(ProviderUnavailable):
        adapter.fetch_batch_status("B-2026-11-VTB-001")
    assert ledger(mock_url) == []

    configure(mock_url, outage=False)
    assert adapter.submit_batch(THREE).accepted_count == 3


def test_a_bank_slower_than_the_timeout_is_unavailable_and_the_lookup_tells_the_outcome(
    mock_url,
):
    configure(mock_url, delay_seconds=1.5)
    impatient = VietinBankAdapter(base_url=mock_url, secret=SECRET, timeout=0.3)

    with pytest.raises(ProviderUnavailable):
        impatient.submit_batch(batch("B-2026-11-VTB-004", item(7, "0108812345607")))

    configure(mock_url, delay_seconds=0)
    adapter = VietinBankAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)
    for _ in range(50):
        result = adapter.lookup_payment("TC-2026-11-000007")
        if result is not None:
            break
        time.sleep(0.1)
    assert result is not None and result.status == "paid"


def test_a_wrong_secret_is_rejected_and_pays_nothing(mock_url):
    intruder = VietinBankAdapter(base_url=mock_url, secret="not-the-secret")

    with pytest.raises(ProviderRejected) as excinfo:
        intruder.submit_batch(THREE)

    assert (excinfo.value.code, excinfo.value.http_status) == ("BAD_SIGNATURE", 401)
    assert ledger(mock_url) == []


def test_a_bank_that_cannot_be_reached_is_unavailable():
    nowhere = VietinBankAdapter(base_url=f"http://127.0.0.1:{free_port()}", secret=SECRET)

    with pytest.raises(ProviderUnavailable):
        nowhere.submit_batch(THREE)


def test_lookup_payment_finds_a_known_reference_and_none_for_an_unknown_one(adapter, mock_url):
    adapter.submit_batch(THREE)

    paid = adapter.lookup_payment("TC-2026-11-000001")
    assert paid is not None and paid.status == "paid" and paid.paid_at is not None
    closed = adapter.lookup_payment("TC-2026-11-000002")
    assert closed is not None
    assert (closed.status, closed.failure_code, closed.failure_reason_vi) == (
        "failed",
        "ACCOUNT_CLOSED",
        "Tài khoản đã đóng",
    )
    assert adapter.lookup_payment("TC-2026-11-999999") is None

    misconfigured = VietinBankAdapter(base_url=f"{mock_url}/wrong", secret=SECRET)
    with pytest.raises(ProviderRejected):
        misconfigured.lookup_payment("TC-2026-11-000001")


def test_validate_account(adapter, mock_url):
    ok = adapter.validate_account("0108812345600", "046195000001")
    assert ok.ok is True and ok.holder_name

    closed = adapter.validate_account("0108812345691", "046195000002")
    assert (closed.ok, closed.failure_code, closed.failure_reason_vi) == (
        False,
        "ACCOUNT_CLOSED",
        "Tài khoản đã đóng",
    )
    mismatch = adapter.validate_account("0108812345692", "046195000003")
    assert (mismatch.ok, mismatch.failure_reason_vi) == (False, "Tên chủ tài khoản không khớp")
    assert ledger(mock_url) == []


def test_vietinbank_sends_no_callbacks(adapter):
    body = b'{"items": []}'
    with pytest.raises(InvalidCallback, match="no callbacks"):
        adapter.parse_callback({"X-Signature": sign(SECRET, body)}, body)


def test_the_same_batch_sent_concurrently_is_taken_once(adapter, mock_url):
    with ThreadPoolExecutor(max_workers=4) as pool:
        acks = list(pool.map(lambda _: adapter.submit_batch(THREE), range(4)))

    assert len({ack.provider_batch_id for ack in acks}) == 1
    assert len(ledger(mock_url)) == 3


def test_statement_amounts_are_whole_dong():
    from providers.adapters.http import parse_amount

    assert parse_amount("1250000") == 1_250_000
    assert parse_amount(1_250_000.0) == 1_250_000
    assert parse_amount(None) is None and parse_amount("") is None
    for bad in (1.5, -1, True, "12a"):
        with pytest.raises(ValueError):
            parse_amount(bad)
