"""Viettel Pay's results arrive later and by callback, as a real e-wallet sends them: the mock
decides a batch `result_delay_seconds` after taking it, then POSTs the results, signed, to the
batch's callback_url, with duplicates, out of order, a stale "pending" notice, and retries while
our inbox is down. All against the real mock-providers process."""

import datetime
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.dispatch import batch_submit
from payments.models import PaymentBatch
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.adapters.base import BatchRequest, InvalidCallback, PaymentItem, ProviderRejected
from providers.adapters.viettelpay import ViettelPayAdapter
from providers.models import CallbackEvent, Provider
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.providers.mockprocess import call, free_port, running_mock, start_mock

pytestmark = pytest.mark.slow

SECRET = "test-viettelpay-callback-secret"
FINAL = ("paid", "failed", "unpaid")


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock"), MOCK_VIETTELPAY_SECRET=SECRET) as url:
        yield url


@pytest.fixture(autouse=True)
def clean_mock(mock_url):
    call(f"{mock_url}/__mock__/reset", {})


class Receiver:
    """A stand-in for our callback inbox: a tiny HTTP server in a thread that records every
    POST (headers, body) and answers the next of ``statuses``, then 200."""

    def __init__(self, port: int | None = None, statuses: tuple[int, ...] = ()):
        self.port = port or free_port()
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback/"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append((dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def wait_for(condition, what: str, timeout: float = 10.0):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def configure(mock_url: str, **values) -> dict:
    return call(f"{mock_url}/__mock__/config", {"viettelpay": values})["viettelpay"]


def bad_config(mock_url: str, payload: dict) -> tuple[int, dict]:
    """POST a config change that must be refused: its status and error answer."""
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        call(f"{mock_url}/__mock__/config", payload)
    return excinfo.value.code, json.loads(excinfo.value.read())


def callbacks(mock_url: str) -> list[dict]:
    return call(f"{mock_url}/__mock__/callbacks")["entries"]


def delivered(mock_url: str, count: int) -> list[dict]:
    """The mock's callbacks once there are ``count`` and all are delivered."""
    return wait_for(
        lambda: (
            (entries := callbacks(mock_url))
            and len(entries) == count
            and all(entry["delivered_at"] for entry in entries)
            and entries
        ),
        f"{count} callbacks delivered",
    )


def ledger(mock_url: str) -> list[dict]:
    return call(f"{mock_url}/__mock__/ledger?provider=VIETTELPAY")["entries"]


def adapter(mock_url: str, callback_url: str = "") -> ViettelPayAdapter:
    return ViettelPayAdapter(
        base_url=mock_url, secret=SECRET, timeout=5.0, callback_url=callback_url
    )


def item(n: int, msisdn: str, amount: int = 750_000) -> PaymentItem:
    return PaymentItem(
        reference=f"TC-2026-11-{n:06d}",
        amount=amount,
        account_number=msisdn,
        payee_name="Trần Văn Bình",
        payee_id_number=f"0461950{n:05d}",
    )


def batch(reference: str, *items: PaymentItem, control_amount: int | None = None) -> BatchRequest:
    return BatchRequest(
        batch_reference=reference,
        items=items,
        control_count=len(items),
        control_amount=sum(i.amount for i in items) if control_amount is None else control_amount,
    )


FIVE = batch(
    "B-2026-11-VTP-CB1",
    item(1, "0981234500", 750_000),
    item(2, "0981234501", 500_000),  # UNREGISTERED
    item(3, "0981234510", 1_125_000),
    item(4, "0981234503", 360_000),  # WALLET_LOCKED
    item(5, "0981234520", 2_000_000),
)
EXPECTED = [
    ("TC-2026-11-000001", "paid", ""),
    ("TC-2026-11-000002", "failed", "UNREGISTERED"),
    ("TC-2026-11-000003", "paid", ""),
    ("TC-2026-11-000004", "failed", "WALLET_LOCKED"),
    ("TC-2026-11-000005", "paid", ""),
]


def outcomes(items) -> list[tuple[str, str, str]]:
    return [(i["reference"], i["status"], i["failure_code"]) for i in items]


def signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# -- the result delay -----------------------------------------------------------------------------


def test_with_a_result_delay_items_are_pending_until_decided_then_final(mock_url):
    configure(mock_url, result_delay_seconds=0.8)
    vtp = adapter(mock_url)
    taken = time.monotonic()
    ack = vtp.submit_batch(FIVE)
    status = vtp.fetch_batch_status(FIVE.batch_reference)
    lookup = vtp.lookup_payment("TC-2026-11-000001")
    assert time.monotonic() - taken < 0.8, "too slow to see the undecided state"

    assert ack.accepted_count == 5
    assert [(r.reference, r.status) for r in status.items] == [
        (i.reference, "pending") for i in FIVE.items
    ]
    # The provider has the item, it has not decided yet: not "never received".
    assert lookup is not None and (lookup.status, lookup.paid_at) == ("pending", None)
    assert vtp.lookup_payment("TC-2026-11-999999") is None
    assert ledger(mock_url) == []
    # A replay while undecided gets the original answer and changes nothing.
    assert vtp.submit_batch(FIVE) == ack

    final = wait_for(
        lambda: (
            (s := vtp.fetch_batch_status(FIVE.batch_reference))
            and all(r.status in FINAL for r in s.items)
            and s
        ),
        "the results",
    )
    assert [(r.reference, r.status, r.failure_code) for r in final.items] == EXPECTED
    assert all(r.paid_at is not None for r in final.items if r.status == "paid")
    assert vtp.lookup_payment("TC-2026-11-000004").failure_code == "WALLET_LOCKED"
    entries = ledger(mock_url)
    assert sorted(e["reference"] for e in entries) == [i.reference for i in FIVE.items]
    assert {e["account"] for e in entries} == {i.account_number for i in FIVE.items}
    assert sum(e["amount"] for e in entries if e["status"] == "paid") == 3_875_000
    # Without a callback_url the results are only polled: no callback was queued.
    assert callbacks(mock_url) == []


# -- callbacks ------------------------------------------------------------------------------------


def test_the_results_are_posted_to_the_callback_url_signed_with_the_secret(mock_url, receiver):
    configure(mock_url, result_delay_seconds=0.2)
    vtp = adapter(mock_url, callback_url=receiver.url)
    vtp.submit_batch(FIVE)

    [entry] = delivered(mock_url, 1)

    assert (entry["batch_reference"], entry["attempts"], entry["last_error"]) == (
        FIVE.batch_reference,
        1,
        "",
    )
    [(headers, body)] = receiver.received
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Signature"] == signature(body)
    data = json.loads(body)
    assert data["batch_reference"] == FIVE.batch_reference
    assert outcomes(data["items"]) == EXPECTED
    # Our adapter takes it, and it says what the batch status says.
    results = vtp.parse_callback(headers, body)
    assert results == vtp.fetch_batch_status(FIVE.batch_reference).items
    # Signed with another secret, it would be refused.
    with pytest.raises(InvalidCallback):
        ViettelPayAdapter(base_url=mock_url, secret="another-secret").parse_callback(headers, body)


def test_each_callback_is_sent_callback_duplicates_plus_one_times(mock_url, receiver):
    configure(mock_url, callback_duplicates=2, callback_chunk=2)
    adapter(mock_url, callback_url=receiver.url).submit_batch(FIVE)

    delivered(mock_url, 9)  # 3 chunks (2 + 2 + 1 items), each 3 times

    bodies = receiver.bodies()
    assert len(bodies) == 9
    copies = Counter(json.dumps(body, sort_keys=True) for body in bodies)
    assert sorted(copies.values()) == [3, 3, 3]
    # In order: each chunk and its copies, then the next chunk.
    chunks = [outcomes(body["items"]) for body in bodies[::3]]
    assert chunks == [EXPECTED[0:2], EXPECTED[2:4], EXPECTED[4:5]]
    assert [outcomes(body["items"]) for body in bodies] == [c for c in chunks for _ in range(3)]


def test_out_of_order_chunks_are_shuffled_and_a_stale_pending_notice_comes_last(mock_url, receiver):
    configure(mock_url, callback_out_of_order=True, callback_chunk=1, seed=7)
    adapter(mock_url, callback_url=receiver.url).submit_batch(FIVE)

    delivered(mock_url, 10)  # 5 one-item results, then 5 one-item "pending" notices

    bodies = receiver.bodies()
    finals = [body["items"][0] for body in bodies[:5]]
    notices = [body["items"][0] for body in bodies[5:]]
    assert {body["batch_reference"] for body in bodies} == {FIVE.batch_reference}
    assert sorted(outcomes(finals)) == EXPECTED
    assert outcomes(finals) != EXPECTED  # shuffled (seed 7)
    assert sorted(n["reference"] for n in notices) == [i.reference for i in FIVE.items]
    assert {(n["status"], n["failure_code"], n["paid_at"]) for n in notices} == {
        ("pending", "", None)
    }
    for _, body in receiver.received:
        assert json.loads(body)["items"]  # every one signed and non-empty
    assert all(headers["X-Signature"] == signature(body) for headers, body in receiver.received)


def test_a_receiver_that_is_down_gets_the_callback_once_it_is_up(mock_url):
    down = Receiver()  # its port is closed until start()
    adapter(mock_url, callback_url=down.url).submit_batch(FIVE)

    [failed] = wait_for(
        lambda: (entries := callbacks(mock_url)) and entries[0]["attempts"] >= 1 and entries,
        "a failed attempt",
    )
    assert failed["delivered_at"] is None and failed["last_error"]

    down.start()
    try:
        [entry] = delivered(mock_url, 1)
        assert entry["attempts"] >= 2
        assert entry["last_error"]  # why the earlier attempt failed
        [body] = down.bodies()
        assert outcomes(body["items"]) == EXPECTED
    finally:
        down.stop()


def test_an_answer_other_than_2xx_is_retried(mock_url):
    flaky = Receiver(statuses=(503,)).start()
    try:
        adapter(mock_url, callback_url=flaky.url).submit_batch(FIVE)

        [entry] = delivered(mock_url, 1)

        assert entry["attempts"] == 2
        assert entry["last_error"].startswith("HTTP 503")
        first, second = flaky.received
        assert first[1] == second[1]  # the same body, sent again
    finally:
        flaky.stop()


def test_queued_callbacks_survive_a_restart_of_the_mock(tmp_path):
    port, db_path = free_port(), tmp_path / "mock.sqlite3"
    later = Receiver()
    process = start_mock(port, db_path, MOCK_VIETTELPAY_SECRET=SECRET)
    url = f"http://127.0.0.1:{port}"
    try:
        adapter(url, callback_url=later.url).submit_batch(FIVE)
        wait_for(lambda: (e := callbacks(url)) and e[0]["attempts"] >= 1, "a failed attempt")
    finally:
        process.terminate()
        process.wait(timeout=10)

    later.start()
    process = start_mock(port, db_path, MOCK_VIETTELPAY_SECRET=SECRET)
    try:
        [entry] = delivered(url, 1)
        assert entry["attempts"] >= 2
        [body] = later.bodies()
        assert outcomes(body["items"]) == EXPECTED
    finally:
        process.terminate()
        process.wait(timeout=10)
        later.stop()


# -- the submissions log and the settings ---------------------------------------------------------


def test_the_submissions_log_shows_a_replay_and_a_refusal(mock_url):
    vtp = adapter(mock_url)
    vtp.submit_batch(FIVE)
    vtp.submit_batch(FIVE)  # already taken: answered with the original acknowledgement
    wrong = batch("B-2026-11-VTP-CB2", item(6, "0981234560"), control_amount=1)
    with pytest.raises(ProviderRejected):
        vtp.submit_batch(wrong)

    log = call(f"{mock_url}/__mock__/submissions?provider=VIETTELPAY")
    assert log["count"] == 3
    assert [(e["batch_reference"], e["replay"], e["outcome"]) for e in log["entries"]] == [
        (FIVE.batch_reference, 0, "accepted"),
        (FIVE.batch_reference, 1, "replay"),
        ("B-2026-11-VTP-CB2", 0, "CONTROL_MISMATCH"),
    ]
    assert all(e["provider"] == "VIETTELPAY" and e["received_at"] for e in log["entries"])
    assert call(f"{mock_url}/__mock__/submissions?provider=VNPOST") == {"count": 0, "entries": []}
    assert call(f"{mock_url}/__mock__/submissions")["count"] == 3
    call(f"{mock_url}/__mock__/reset", {})
    assert call(f"{mock_url}/__mock__/submissions")["count"] == 0


def test_the_callback_settings_are_checked_reported_and_reset(mock_url):
    defaults = {
        "result_delay_seconds": 0.0,
        "callback_duplicates": 0,
        "callback_out_of_order": False,
        "callback_chunk": 500,
    }
    assert call(f"{mock_url}/__mock__/config")["viettelpay"].items() >= defaults.items()

    changed = configure(
        mock_url,
        result_delay_seconds=0.25,
        callback_duplicates=2,
        callback_out_of_order=True,
        callback_chunk=10,
    )
    assert (
        changed.items()
        >= {
            "result_delay_seconds": 0.25,
            "callback_duplicates": 2,
            "callback_out_of_order": True,
            "callback_chunk": 10,
        }.items()
    )

    for name, value in [
        ("callback_duplicates", -1),
        ("callback_duplicates", 1.5),
        ("callback_duplicates", "2"),
        ("callback_duplicates", True),
        ("callback_chunk", 0),
        ("callback_out_of_order", "yes"),
        ("callback_out_of_order", 1),
        ("result_delay_seconds", -0.1),
        ("result_delay_seconds", "soon"),
        ("failure_rate", 2),
        ("outage", "false"),
    ]:
        status, error = bad_config(mock_url, {"viettelpay": {name: value}})
        assert (status, error["code"]) == (400, "BAD_CONFIG"), (name, value)
        assert name in error["message"], error
    status, error = bad_config(mock_url, {"viettelpay": {"callback_retries": 3}})
    assert (status, error["code"]) == (400, "BAD_CONFIG")
    assert "callback_retries" in error["message"]
    # All or nothing: one bad value (here for another provider) changes no setting.
    status, _ = bad_config(
        mock_url, {"viettelpay": {"callback_chunk": 5}, "vnpost": {"window_seconds": -1}}
    )
    assert status == 400
    assert call(f"{mock_url}/__mock__/config")["viettelpay"] == changed
    # A whole number may come as 3.0.
    assert configure(mock_url, callback_duplicates=3.0)["callback_duplicates"] == 3

    call(f"{mock_url}/__mock__/reset", {})
    assert call(f"{mock_url}/__mock__/config")["viettelpay"].items() >= defaults.items()


# -- our inbox ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_our_inbox_applies_the_callbacks_and_the_lines_become_final_without_polling(
    mock_url, live_server, hue_units, officers, settings, checker
):
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {
            "base_url": mock_url,
            "secret": SECRET,
            "timeout": 5.0,
            "callback_url": live_server.url + reverse("providers:callback", args=["VIETTELPAY"]),
        },
    }
    viettel = Provider.objects.get(code="VIETTELPAY")
    for i, suffix in enumerate(["11", "22", "01", "33"]):  # "...01": unregistered number
        b = BeneficiaryFactory(
            commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1 + i)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
        PaymentAccount.objects.create(
            beneficiary=b,
            holder="beneficiary",
            provider=viettel,
            account_number=f"09712345{suffix}",
            account_name="X",
            status="active",
        )
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=officers["district"])
    payment_list_close(period=period, closed_by=checker)
    configure(
        mock_url,
        result_delay_seconds=0.3,
        callback_chunk=1,
        callback_duplicates=1,
        callback_out_of_order=True,
        seed=3,
    )

    # The adapter comes from the settings, so the batch carries our inbox's address.
    batch = batch_submit(batch=PaymentBatch.objects.get(provider=viettel))
    assert batch.status == "acknowledged"
    assert set(batch.lines.values_list("status", flat=True)) == {"submitted"}

    # Nobody polls: the provider's callbacks alone make every line final.
    wait_for(
        lambda: not batch.lines.exclude(status__in=FINAL).exists(), "the lines to become final"
    )
    # Then every callback, the duplicates and the stale "pending" notices too, is in.
    delivered(mock_url, 16)  # 4 results + 4 notices, each twice
    assert CallbackEvent.objects.count() == 16
    assert set(CallbackEvent.objects.values_list("signature_valid", flat=True)) == {True}
    lines = {
        line.account_number: (line.status, line.failure_code, line.paid_at is not None)
        for line in batch.lines.all()
    }
    assert lines == {
        "0971234511": ("paid", "", True),
        "0971234522": ("paid", "", True),
        "0971234501": ("failed", "UNREGISTERED", False),
        "0971234533": ("paid", "", True),
    }
    batch.refresh_from_db()
    assert batch.status == "completed"
    # Sent once: the mock logged one submission and no replay.
    log = call(f"{mock_url}/__mock__/submissions?provider=VIETTELPAY")["entries"]
    assert [(e["batch_reference"], e["replay"]) for e in log] == [(batch.reference, 0)]
