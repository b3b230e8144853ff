"""The VNPost adapter driven against the real mock-providers process."""

import json
import time

import pytest

from providers.adapters.base import (
    BatchRequest,
    InvalidCallback,
    PaymentItem,
    ProviderRejected,
    ProviderUnavailable,
    sign,
)
from providers.adapters.vnpost import CashItemResult, VNPostAdapter
from tests.providers.mockprocess import call, free_port, running_mock

pytestmark = pytest.mark.slow

SECRET = "test-vnpost-secret"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock"), MOCK_VNPOST_SECRET=SECRET) as url:
        yield url


@pytest.fixture(autouse=True)
def clean_mock(mock_url):
    call(f"{mock_url}/__mock__/reset", {})


@pytest.fixture
def adapter(mock_url):
    return VNPostAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)


@pytest.fixture
def no_window(mock_url):
    """Results right after the list is taken (the window itself has its own test)."""
    configure(mock_url, window_seconds=0)


def configure(mock_url: str, **values) -> None:
    call(f"{mock_url}/__mock__/config", {"vnpost": values})


def ledger(mock_url: str) -> list[dict]:
    return call(f"{mock_url}/__mock__/ledger?provider=VNPOST")["entries"]


def item(n: int, last_digit: int, amount: int = 750_000) -> PaymentItem:
    """A cash line; the payee's ID number ends in ``last_digit`` ("7": not collected, "8": paid
    at home, else paid at the post office)."""
    return PaymentItem(
        reference=f"TC-2026-11-{n:06d}",
        amount=amount,
        account_number="",
        payee_name="Lê Thị Mai",
        payee_id_number=f"04619500{n:03d}{last_digit}",
    )


def batch(reference: str, *items: PaymentItem) -> BatchRequest:
    return BatchRequest(
        batch_reference=reference,
        items=items,
        control_count=len(items),
        control_amount=sum(i.amount for i in items),
    )


THREE = batch(
    "B-2026-11-VNP-001",
    item(1, 0, 750_000),
    item(2, 7, 500_000),
    item(3, 8, 1_125_000),
)


def test_a_list_is_paid_at_the_point_at_home_or_not_collected(adapter, no_window):
    ack = adapter.submit_batch(THREE)

    assert ack.batch_reference == "B-2026-11-VNP-001"
    assert ack.provider_batch_id.startswith("VNP-")
    assert ack.accepted_count == 3

    status = adapter.fetch_batch_status("B-2026-11-VNP-001")
    assert status.batch_reference == "B-2026-11-VNP-001"
    assert [
        (r.reference, r.status, r.failure_code, r.failure_reason_vi, r.channel)
        for r in status.items
    ] == [
        ("TC-2026-11-000001", "paid", "", "", "point"),
        ("TC-2026-11-000002", "unpaid", "NOT_COLLECTED", "Đối tượng không đến nhận tiền", ""),
        ("TC-2026-11-000003", "paid", "", "", "home"),
    ]
    assert all(isinstance(r, CashItemResult) for r in status.items)
    assert status.items[0].paid_at is not None and status.items[0].paid_at.tzinfo is not None
    assert status.items[1].paid_at is None
    assert "failed" not in {r.status for r in status.items}


def test_without_outcomes_by_number_only_the_random_rate_leaves_cash_uncollected(
    adapter, mock_url, no_window
):
    """by_number off (the demo's history): an ID number ending in 7 is collected like any other;
    the random failure rate still leaves some uncollected."""
    configure(mock_url, by_number=False)
    adapter.submit_batch(THREE)
    statuses = [r.status for r in adapter.fetch_batch_status(THREE.batch_reference).items]
    assert statuses == ["paid", "paid", "paid"]
    configure(mock_url, by_number=False, failure_rate=1.0)
    adapter.submit_batch(batch("B-2026-11-VNP-002", item(4, 0)))
    (result,) = adapter.fetch_batch_status("B-2026-11-VNP-002").items
    assert (result.status, result.failure_code) == ("unpaid", "NOT_COLLECTED")


def test_results_are_pending_until_the_payment_window_is_over(adapter, mock_url):
    configure(mock_url, window_seconds=1.5)
    adapter.submit_batch(THREE)

    before = adapter.fetch_batch_status("B-2026-11-VNP-001")
    assert [r.status for r in before.items] == ["pending", "pending", "pending"]
    assert all(r.paid_at is None and not r.failure_code for r in before.items)
    pending = adapter.lookup_payment("TC-2026-11-000001")
    assert pending is not None and pending.status == "pending"
    assert ledger(mock_url) == []  # nothing is paid before the window is over

    time.sleep(1.6)
    after = adapter.fetch_batch_status("B-2026-11-VNP-001")
    assert [r.status for r in after.items] == ["paid", "unpaid", "paid"]
    assert [(e["reference"], e["status"]) for e in ledger(mock_url)] == [
        ("TC-2026-11-000001", "paid"),
        ("TC-2026-11-000002", "unpaid"),
        ("TC-2026-11-000003", "paid"),
    ]


def test_the_window_defaults_to_two_seconds_and_can_be_configured(mock_url):
    assert call(f"{mock_url}/__mock__/config")["vnpost"]["window_seconds"] == 2
    configure(mock_url, window_seconds=30)
    assert call(f"{mock_url}/__mock__/config")["vnpost"]["window_seconds"] == 30
    # Viettel Pay's settings are untouched.
    assert "window_seconds" not in call(f"{mock_url}/__mock__/config")["viettelpay"]


def test_resending_a_list_returns_the_original_answer_and_pays_nothing_twice(
    adapter, mock_url, no_window
):
    first = adapter.submit_batch(THREE)
    again = adapter.submit_batch(THREE)
    adapter.fetch_batch_status("B-2026-11-VNP-001")
    adapter.fetch_batch_status("B-2026-11-VNP-001")

    assert again == first
    entries = ledger(mock_url)
    assert sorted(e["reference"] for e in entries) == [i.reference for i in THREE.items]
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 750_000 + 1_125_000


def test_a_reference_already_paid_in_another_list_is_not_paid_again(adapter, mock_url, no_window):
    adapter.submit_batch(THREE)
    adapter.fetch_batch_status("B-2026-11-VNP-001")
    # The line paid at home again (now with a payee who would not come), and a new one.
    second = batch("B-2026-11-VNP-002", item(3, 7, 1_125_000), item(4, 0, 900_000))
    adapter.submit_batch(second)

    status = adapter.fetch_batch_status("B-2026-11-VNP-002")
    assert [(r.reference, r.status, r.channel) for r in status.items] == [
        ("TC-2026-11-000003", "paid", "home"),
        ("TC-2026-11-000004", "paid", "point"),
    ]
    references = [e["reference"] for e in ledger(mock_url)]
    assert len(references) == len(set(references)) == 4


def test_control_totals_that_do_not_match_are_rejected_and_nothing_is_paid(
    adapter, mock_url, no_window
):
    wrong = BatchRequest(
        batch_reference="B-2026-11-VNP-003",
        items=THREE.items,
        control_count=4,
        control_amount=2_375_000,
    )

    with pytest.raises(ProviderRejected) as excinfo:
        adapter.submit_batch(wrong)

    assert (excinfo.value.code, excinfo.value.http_status) == ("CONTROL_MISMATCH", 400)
    with pytest.raises(ProviderRejected) as excinfo:
        adapter.fetch_batch_status("B-2026-11-VNP-003")
    assert (excinfo.value.code, excinfo.value.http_status) == ("UNKNOWN_BATCH", 404)
    assert ledger(mock_url) == []


def test_an_outage_is_provider_unavailable_until_it_ends(adapter, mock_url, no_window):
    configure(mock_url, outage=True)

    with pytest.raises(ProviderUnavailable) as excinfo:
        adapter.submit_batch(THREE)
    assert excinfo.value.http_status == 503
    with pytest.raises(ProviderUnavailable):
        adapter.lookup_payment("TC-2026-11-000001")

    configure(mock_url, outage=False)
    assert adapter.submit_batch(THREE).accepted_count == 3


def test_a_post_office_slower_than_the_timeout_is_unavailable_and_the_lookup_tells_the_outcome(
    mock_url, no_window
):
    configure(mock_url, delay_seconds=1.5)
    impatient = VNPostAdapter(base_url=mock_url, secret=SECRET, timeout=0.3)

    with pytest.raises(ProviderUnavailable):
        impatient.submit_batch(batch("B-2026-11-VNP-004", item(7, 1)))

    configure(mock_url, delay_seconds=0)
    adapter = VNPostAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)
    for _ in range(50):
        result = adapter.lookup_payment("TC-2026-11-000007")
        if result is not None:
            break
        time.sleep(0.1)
    assert result is not None and result.status == "paid"


def test_a_wrong_secret_is_rejected_and_pays_nothing(mock_url, no_window):
    intruder = VNPostAdapter(base_url=mock_url, secret="not-the-secret")

    with pytest.raises(ProviderRejected) as excinfo:
        intruder.submit_batch(THREE)

    assert (excinfo.value.code, excinfo.value.http_status) == ("BAD_SIGNATURE", 401)
    with pytest.raises(ProviderRejected):
        VNPostAdapter(base_url=mock_url, secret=SECRET).fetch_batch_status("B-2026-11-VNP-001")
    assert ledger(mock_url) == []


def test_lookup_payment_finds_a_known_reference_and_none_for_an_unknown_one(
    adapter, mock_url, no_window
):
    adapter.submit_batch(THREE)

    home = adapter.lookup_payment("TC-2026-11-000003")
    assert home is not None
    assert (home.status, home.channel) == ("paid", "home") and home.paid_at is not None
    uncollected = adapter.lookup_payment("TC-2026-11-000002")
    assert uncollected is not None
    assert (uncollected.status, uncollected.failure_reason_vi) == (
        "unpaid",
        "Đối tượng không đến nhận tiền",
    )
    assert adapter.lookup_payment("TC-2026-11-999999") is None

    misconfigured = VNPostAdapter(base_url=f"{mock_url}/wrong", secret=SECRET)
    with pytest.raises(ProviderRejected):
        misconfigured.lookup_payment("TC-2026-11-000001")


def test_cash_needs_no_account_check():
    # No I/O: even an unreachable post office says yes.
    nowhere = VNPostAdapter(base_url=f"http://127.0.0.1:{free_port()}", secret=SECRET)

    check = nowhere.validate_account("", "046195000010")

    assert check.ok is True and not check.failure_code


def test_parse_callback_accepts_a_signed_body_and_rejects_a_tampered_one(adapter):
    body = json.dumps(
        {
            "items": [
                {
                    "reference": "TC-2026-11-000001",
                    "status": "paid",
                    "failure_code": "",
                    "paid_at": "2026-11-10T03:00:00.000Z",
                    "channel": "home",
                },
                {
                    "reference": "TC-2026-11-000002",
                    "status": "unpaid",
                    "failure_code": "NOT_COLLECTED",
                    "paid_at": None,
                },
            ]
        }
    ).encode()

    results = adapter.parse_callback({"x-signature": sign(SECRET, body)}, body)

    assert [(r.reference, r.status, r.channel) for r in results] == [
        ("TC-2026-11-000001", "paid", "home"),
        ("TC-2026-11-000002", "unpaid", ""),
    ]
    assert results[0].paid_at.isoformat() == "2026-11-10T03:00:00+00:00"
    assert results[1].failure_reason_vi == "Đối tượng không đến nhận tiền"

    tampered = body.replace(b'"unpaid"', b'"paid"')
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({"X-Signature": sign(SECRET, body)}, tampered)
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({}, body)
    failed = b'{"items": [{"reference": "TC-2026-11-000001", "status": "failed"}]}'
    with pytest.raises(InvalidCallback):
        adapter.parse_callback({"X-Signature": sign(SECRET, failed)}, failed)
