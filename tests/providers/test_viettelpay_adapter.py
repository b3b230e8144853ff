"""The Viettel Pay adapter driven against the real mock-providers process."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from providers.adapters.base import (
    BatchRequest,
    InvalidCallback,
    PaymentItem,
    ProviderRejected,
    ProviderUnavailable,
    sign,
)
from providers.adapters.viettelpay import ViettelPayAdapter
from tests.providers.mockprocess import call, free_port, running_mock

pytestmark = pytest.mark.slow

SECRET = "test-viettelpay-secret"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock"), MOCK_VIETTELPAY_SECRET=SECRET) as url:
        yield url


@pytest.fixture(autouse=True)
def clean_mock(mock_url):
    call(f"{mock_url}/__mock__/reset", {})


@pytest.fixture
def adapter(mock_url):
    return ViettelPayAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)


def configure(mock_url: str, **values) -> None:
    call(f"{mock_url}/__mock__/config", {"viettelpay": values})


def ledger(mock_url: str) -> list[dict]:
    return call(f"{mock_url}/__mock__/ledger?provider=VIETTELPAY")["entries"]


def item(n: int, msisdn: str, amount: int = 750_000) -> PaymentItem:
    return PaymentItem(
        reference=f"TC-2026-11-{n:06d}",
        amount=amount,
        account_number=msisdn,
        payee_name="Nguyễn Thị Lan",
        payee_id_number=f"0461950{n:05d}",
    )


def batch(reference: str, *items: PaymentItem) -> BatchRequest:
    return BatchRequest(
        batch_reference=reference,
        items=items,
        control_count=len(items),
        control_amount=sum(i.amount for i in items),
    )


FIVE = batch(
    "B-2026-11-VTP-001",
    item(1, "0981234500", 750_000),
    item(2, "0981234501", 500_000),
    item(3, "0981234502", 1_125_000),
    item(4, "0981234503", 360_000),
    item(5, "0981234504", 2_000_000),
)


def test_a_batch_is_acknowledged_and_its_items_paid_or_failed_with_vietnamese_reasons(adapter):
    ack = adapter.submit_batch(FIVE)

    assert ack.batch_reference == "B-2026-11-VTP-001"
    assert ack.provider_batch_id.startswith("VTP-")
    assert ack.accepted_count == 5

    status = adapter.fetch_batch_status("B-2026-11-VTP-001")
    assert status.batch_reference == "B-2026-11-VTP-001"
    results = {r.reference: r for r in status.items}
    assert [(r.status, r.failure_code) for r in status.items] == [
        ("paid", ""),
        ("failed", "UNREGISTERED"),
        ("failed", "NAME_ID_MISMATCH"),
        ("failed", "WALLET_LOCKED"),
        ("failed", "LIMIT_EXCEEDED"),
    ]
    paid = results["TC-2026-11-000001"]
    assert paid.paid_at is not None and paid.paid_at.tzinfo is not None
    assert paid.failure_reason_vi == ""
    assert results["TC-2026-11-000002"].failure_reason_vi == (
        "Số điện thoại chưa đăng ký ví Viettel Money"
    )
    assert results["TC-2026-11-000003"].failure_reason_vi == (
        "Tên hoặc số định danh không khớp với chủ tài khoản"
    )
    assert results["TC-2026-11-000004"].failure_reason_vi == "Ví đang bị khóa"
    assert results["TC-2026-11-000005"].failure_reason_vi == "Vượt hạn mức giao dịch"
    assert all(r.paid_at is None for r in status.items if r.status == "failed")


def test_resubmitting_a_batch_returns_the_original_answer_and_pays_nothing_twice(adapter, mock_url):
    first = adapter.submit_batch(FIVE)
    again = adapter.submit_batch(FIVE)

    assert again == first
    entries = ledger(mock_url)
    assert sorted(e["reference"] for e in entries) == [i.reference for i in FIVE.items]
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 750_000


def test_a_reference_already_paid_in_another_batch_is_not_paid_again(adapter, mock_url):
    adapter.submit_batch(FIVE)
    # The paid line again (even to another number), the unregistered one now with a good number,
    # and one new line.
    second = batch(
        "B-2026-11-VTP-002",
        item(1, "0912000000", 750_000),
        item(2, "0912000009", 500_000),
        item(6, "0912000006", 900_000),
    )
    ack = adapter.submit_batch(second)

    assert ack.accepted_count == 3
    assert ack.provider_batch_id != adapter.submit_batch(FIVE).provider_batch_id
    status = adapter.fetch_batch_status("B-2026-11-VTP-002")
    assert [(r.reference, r.status, r.failure_code) for r in status.items] == [
        ("TC-2026-11-000001", "paid", ""),
        ("TC-2026-11-000002", "failed", "UNREGISTERED"),
        ("TC-2026-11-000006", "paid", ""),
    ]
    entries = ledger(mock_url)
    references = [e["reference"] for e in entries]
    assert len(references) == len(set(references)) == 6
    paid_once = next(e for e in entries if e["reference"] == "TC-2026-11-000001")
    assert paid_once["account"] == "0981234500"
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 750_000 + 900_000


def test_control_totals_that_do_not_match_are_rejected_and_nothing_is_paid(adapter, mock_url):
    wrong = BatchRequest(
        batch_reference="B-2026-11-VTP-003",
        items=FIVE.items,
        control_count=5,
        control_amount=4_735_000 + 1,
    )

    with pytest.raises(ProviderRejected) as excinfo:
        adapter.submit_batch(wrong)

    assert excinfo.value.code == "CONTROL_MISMATCH"
    assert excinfo.value.http_status == 400
    assert ledger(mock_url) == []
    with pytest.raises(ProviderRejected) as excinfo:
        adapter.fetch_batch_status("B-2026-11-VTP-003")
    assert excinfo.value.code == "UNKNOWN_BATCH"


def test_an_outage_is_provider_unavailable_until_it_ends(adapter, mock_url):
    configure(mock_url, outage=True)

    with pytest.raises(ProviderUnavailable) as excinfo:
        adapter.submit_batch(FIVE)
    assert excinfo.value.http_status == 503
    with pytest.raises(ProviderUnavailable):
        adapter.lookup_payment("TC-2026-11-000001")
    assert ledger(mock_url) == []

    configure(mock_url, outage=False)
    assert adapter.submit_batch(FIVE).accepted_count == 5


def test_a_provider_slower_than_the_timeout_is_unavailable_and_the_lookup_tells_the_outcome(
    mock_url,
):
    configure(mock_url, delay_seconds=1.5)
    impatient = ViettelPayAdapter(base_url=mock_url, secret=SECRET, timeout=0.3)

    with pytest.raises(ProviderUnavailable):
        impatient.submit_batch(batch("B-2026-11-VTP-004", item(7, "0981234507")))

    # The provider went on and paid: that is why a re-send is preceded by a lookup.
    configure(mock_url, delay_seconds=0)
    adapter = ViettelPayAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)
    for _ in range(50):
        result = adapter.lookup_payment("TC-2026-11-000007")
        if result is not None:
            break
        time.sleep(0.1)
    assert result is not None and result.status == "paid"


def test_a_wrong_secret_is_rejected_and_pays_nothing(mock_url):
    intruder = ViettelPayAdapter(base_url=mock_url, secret="not-the-secret")

    with pytest.raises(ProviderRejected) as excinfo:
        intruder.submit_batch(FIVE)

    assert excinfo.value.http_status == 401
    assert excinfo.value.code == "BAD_SIGNATURE"
    assert ledger(mock_url) == []


def test_a_provider_that_cannot_be_reached_is_unavailable():
    nowhere = ViettelPayAdapter(base_url=f"http://127.0.0.1:{free_port()}", secret=SECRET)

    with pytest.raises(ProviderUnavailable):
        nowhere.validate_account("0981234500", "046195000001")


def test_lookup_payment_finds_a_paid_reference_and_none_for_an_unknown_one(adapter, mock_url):
    adapter.submit_batch(FIVE)

    paid = adapter.lookup_payment("TC-2026-11-000001")
    assert paid is not None
    assert paid.status == "paid" and paid.paid_at is not None
    failed = adapter.lookup_payment("TC-2026-11-000004")
    assert failed is not None
    assert (failed.status, failed.failure_code, failed.failure_reason_vi) == (
        "failed",
        "WALLET_LOCKED",
        "Ví đang bị khóa",
    )
    assert adapter.lookup_payment("TC-2026-11-999999") is None

    # A 404 that is not the provider's "no such payment" (a wrong address) is not "never sent".
    misconfigured = ViettelPayAdapter(base_url=f"{mock_url}/wrong", secret=SECRET)
    with pytest.raises(ProviderRejected):
        misconfigured.lookup_payment("TC-2026-11-000001")


def test_validate_account(adapter, mock_url):
    ok = adapter.validate_account("0981234500", "046195000001")
    assert ok.ok is True
    assert ok.holder_name

    unregistered = adapter.validate_account("0981234501", "046195000002")
    assert unregistered.ok is False
    assert unregistered.failure_code == "UNREGISTERED"
    assert unregistered.failure_reason_vi == "Số điện thoại chưa đăng ký ví Viettel Money"

    mismatch = adapter.validate_account("0981234502", "046195000003")
    assert (mismatch.ok, mismatch.failure_code) == (False, "NAME_ID_MISMATCH")
    assert ledger(mock_url) == []


def test_a_random_failure_rate_fails_items_that_would_have_been_paid(adapter, mock_url):
    configure(mock_url, failure_rate=1.0, seed=1)

    adapter.submit_batch(batch("B-2026-11-VTP-005", item(8, "0981234508"), item(9, "0981234509")))

    status = adapter.fetch_batch_status("B-2026-11-VTP-005")
    assert [r.status for r in status.items] == ["failed", "failed"]
    assert all(r.failure_code and r.failure_reason_vi for r in status.items)
    assert [e["status"] for e in ledger(mock_url)] == ["failed", "failed"]


def test_parse_callback_accepts_a_signed_body_and_rejects_a_tampered_one(adapter):
    body = json.dumps(
        {
            "items": [
                {
                    "reference": "TC-2026-11-000001",
                    "status": "paid",
                    "failure_code": "",
                    "paid_at": "2026-11-05T02:30:00.000Z",
                },
                {
                    "reference": "TC-2026-11-000002",
                    "status": "failed",
                    "failure_code": "WALLET_LOCKED",
                    "paid_at": None,
                },
            ]
        }
    ).encode()

    results = adapter.parse_callback({"x-signature": sign(SECRET, body)}, body)

    assert [(r.reference, r.status, r.failure_code) for r in results] == [
        ("TC-2026-11-000001", "paid", ""),
        ("TC-2026-11-000002", "failed", "WALLET_LOCKED"),
    ]
    assert results[0].paid_at is not None and results[0].paid_at.isoformat() == (
        "2026-11-05T02:30:00+00:00"
    )
    assert results[1].failure_reason_vi == "Ví đang bị khóa"

    tampered = body.replace(b'"failed"', b'"paid"')
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({"X-Signature": sign(SECRET, body)}, tampered)
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({}, body)
    malformed = b'{"items": [{"reference": "TC-2026-11-000001", "status": "refunded"}]}'
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({"X-Signature": sign(SECRET, malformed)}, malformed)


def test_the_same_batch_sent_concurrently_is_taken_once(adapter, mock_url):
    with ThreadPoolExecutor(max_workers=4) as pool:
        acks = list(pool.map(lambda _: adapter.submit_batch(FIVE), range(4)))

    assert len({ack.provider_batch_id for ack in acks}) == 1
    assert len(ledger(mock_url)) == 5
