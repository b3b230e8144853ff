"""Fault tests with real processes: the mock providers in their own process, real Celery workers
(killed with SIGKILL in one test), our callback inbox behind a real HTTP server (live_server),
on whatever database and broker the run uses (PostgreSQL and Redis in CI).

After every fault, two things must hold: each provider's ledger shows every line of ours exactly
once, with our amount and our final result (nobody paid twice, no line lost), and the period
reconciles on its own, matched. The mock's log of batch submissions also shows that no batch the
provider already had was sent to it again (we looked it up first).
"""

import datetime
import time
from collections import Counter

import pytest

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.dispatch import payment_list_submit
from payments.models import LineStatus, PaymentBatch, PaymentPeriod, PeriodStatus
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.adapters.base import sign
from providers.models import CallbackEvent, Provider
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.helpers import checker_of
from tests.providers.mockprocess import call, running_mock
from tests.workers import Workers, worker_env

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]

FINAL = {LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID}
SECRETS = {
    "VIETTELPAY": "fault-viettelpay-secret",
    "VIETINBANK": "fault-vietinbank-secret",
    "VNPOST": "fault-vnpost-secret",
}


@pytest.fixture
def mock(tmp_path):
    with running_mock(
        tmp_path,
        MOCK_VIETTELPAY_SECRET=SECRETS["VIETTELPAY"],
        MOCK_VIETINBANK_SECRET=SECRETS["VIETINBANK"],
        MOCK_VNPOST_SECRET=SECRETS["VNPOST"],
    ) as url:
        call(f"{url}/__mock__/config", {"vnpost": {"window_seconds": 1}})
        yield url


@pytest.fixture
def workers(mock, live_server, tmp_path):
    pool = Workers(worker_env(mock, live_server.url, SECRETS), tmp_path)
    yield pool
    pool.stop()


@pytest.fixture
def providers_here(mock, settings):
    """This process (the live server's inbox, the test's own calls) talks to the same mock."""
    settings.TROCAP_PROVIDERS = {
        code: {**settings.TROCAP_PROVIDERS[code], "base_url": mock, "secret": secret}
        for code, secret in SECRETS.items()
    }


def closed_list(hue_units, officers, *, viettel=5, vietin=4, cash=3) -> PaymentPeriod:
    """A closed list of a district: wallets, bank accounts and cash, with one failure each."""
    commune = hue_units["commune"]
    k5c = Category.objects.get(code="K5C")
    providers = {p.code: p for p in Provider.objects.all()}
    day = iter(range(1, 400))

    def person(id_number=None):
        b = BeneficiaryFactory(
            commune=commune,
            date_of_birth=datetime.date(1940, 1, 1) + datetime.timedelta(days=next(day)),
            **({"id_number": id_number} if id_number else {}),
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=k5c)
        return b

    def account(b, provider, number):
        PaymentAccount.objects.create(
            beneficiary=b,
            holder="beneficiary",
            provider=providers[provider],
            account_number=number,
            account_name=b.full_name,
            status="active",
        )

    for i in range(viettel):  # "...02": name/ID mismatch
        account(person(), "VIETTELPAY", f"0981{i:04d}" + ("02" if i == 0 else "11"))
    for i in range(vietin):  # "...91": account closed
        account(person(), "VIETINBANK", f"10800{i:05d}" + ("91" if i == 0 else "55"))
    for i in range(cash):  # an ID number ending in 7: not collected
        person(id_number=f"0461950{i:04d}" + ("7" if i == 0 else "3"))
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=officers["district"])
    payment_list_close(period=period, closed_by=checker_of(period.unit))
    period.refresh_from_db()
    return period


def wait_for(condition, timeout=90, every=0.3, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def reconciled(period):
    return PaymentPeriod.objects.get(pk=period.pk).status == PeriodStatus.RECONCILED


def assert_paid_at_most_once_and_all_final(period, mock):
    """The invariant every fault test ends with."""
    lines = {
        line.reference: line
        for line in period.payment_list.lines.select_related("provider", "batch")
    }
    assert {line.status for line in lines.values()} <= FINAL
    entries = call(f"{mock}/__mock__/ledger")["entries"]
    references = Counter(entry["reference"] for entry in entries)
    assert max(references.values()) == 1, "a reference appears twice in the ledgers"
    assert set(references) == set(lines), "the ledgers and our list differ"
    for entry in entries:
        line = lines[entry["reference"]]
        assert entry["provider"] == line.provider.code
        assert entry["amount"] == line.amount_total
        assert entry["status"] == line.status, entry
    # No batch the provider already had was sent to it again.
    submissions = call(f"{mock}/__mock__/submissions")["entries"]
    first_sends = Counter(s["batch_reference"] for s in submissions if not s["replay"])
    assert first_sends == Counter(b.reference for b in PaymentBatch.objects.all())
    period.refresh_from_db()
    assert period.status == PeriodStatus.RECONCILED
    assert period.reconciliation.status == "matched"
    assert period.reconciliation.line_count == len(lines)


def test_a_provider_down_for_a_while(hue_units, officers, mock, workers, providers_here):
    period = closed_list(hue_units, officers)
    call(f"{mock}/__mock__/config", {"viettelpay": {"outage": True}, "vnpost": {"outage": True}})
    workers.start()
    payment_list_submit(period=period, user=officers["district"])
    viettel = PaymentBatch.objects.get(provider__code="VIETTELPAY")
    wait_for(lambda: PaymentBatch.objects.get(pk=viettel.pk).attempts >= 3, what="three attempts")
    batch = PaymentBatch.objects.get(pk=viettel.pk)
    assert batch.status == "submitting" and "OUTAGE" in batch.last_error
    assert not call(f"{mock}/__mock__/ledger?provider=VIETTELPAY")["entries"]
    call(f"{mock}/__mock__/config", {"viettelpay": {"outage": False}, "vnpost": {"outage": False}})
    wait_for(lambda: reconciled(period), what="the reconciliation")
    assert_paid_at_most_once_and_all_final(period, mock)


def test_answers_slower_than_the_timeout(hue_units, officers, mock, workers, providers_here):
    """The bank takes the file but answers after our 2 s timeout: the outcome is unknown to us,
    so the retry must look the batch up and find it, not upload it again."""
    period = closed_list(hue_units, officers)
    call(f"{mock}/__mock__/config", {"vietinbank": {"delay_seconds": 3}})
    workers.start()
    payment_list_submit(period=period, user=officers["district"])
    wait_for(
        lambda: call(f"{mock}/__mock__/submissions?provider=VIETINBANK")["count"] >= 1,
        what="the bank to take the file",
    )
    time.sleep(3.5)  # let the bank finish taking it
    call(f"{mock}/__mock__/config", {"vietinbank": {"delay_seconds": 0}})
    wait_for(lambda: reconciled(period), what="the reconciliation")
    vietin = PaymentBatch.objects.get(provider__code="VIETINBANK")
    assert vietin.attempts >= 2  # the first attempt timed out
    assert_paid_at_most_once_and_all_final(period, mock)


def test_the_worker_killed_in_the_middle_of_a_submit(
    hue_units, officers, mock, workers, providers_here
):
    period = closed_list(hue_units, officers)
    # Every provider answers slowly: the worker is inside an HTTP call when it is killed.
    slow = {"delay_seconds": 1.5}
    call(f"{mock}/__mock__/config", {"viettelpay": slow, "vietinbank": slow, "vnpost": slow})
    first = workers.start()
    payment_list_submit(period=period, user=officers["district"])
    wait_for(
        lambda: PaymentBatch.objects.filter(status="submitting").exists(),
        what="a submit in flight",
        every=0.05,
    )
    time.sleep(0.3)
    workers.kill(first)
    in_flight = list(PaymentBatch.objects.filter(status="submitting").values_list("reference"))
    assert in_flight, "the kill should land in the middle of a submit"
    call(
        f"{mock}/__mock__/config",
        {
            "viettelpay": {"delay_seconds": 0},
            "vietinbank": {"delay_seconds": 0},
            "vnpost": {"delay_seconds": 0},
        },
    )
    workers.start()  # a new worker: the killed one's task comes back, or beat re-queues it
    wait_for(lambda: reconciled(period), timeout=120, what="the reconciliation")
    assert_paid_at_most_once_and_all_final(period, mock)
    for (reference,) in in_flight:  # taken up again: looked up at the provider, not re-sent
        assert PaymentBatch.objects.get(reference=reference).attempts >= 2


def test_duplicated_and_out_of_order_callbacks_and_a_forged_one(
    hue_units, officers, mock, workers, providers_here, live_server
):
    """Viettel Pay's results arrive only by callback here (polling is slowed right down):
    each callback three times, in shuffled chunks, with a late "pending" notice after the
    final results. A forged callback is refused and kept."""
    period = closed_list(hue_units, officers, viettel=9, vietin=0, cash=0)
    call(
        f"{mock}/__mock__/config",
        {
            "viettelpay": {
                "result_delay_seconds": 0.5,
                "callback_duplicates": 2,
                "callback_out_of_order": True,
                "callback_chunk": 2,
            }
        },
    )
    workers.start(TROCAP_PROVIDER_POLL_SECONDS="3600", TROCAP_BATCH_STALL_SECONDS="3600")
    batch = PaymentBatch.objects.get()
    # The wallet ending in 02 (the mock's name/ID mismatch), wherever the names sort it: the
    # factory's sequence numbers decide the names, so "first by line_no" depended on the order
    # the whole run's tests happened to create people in.
    line = batch.lines.get(account_number__endswith="02")
    forged = (
        b'{"batch_reference": "%s", "items": [{"reference": "%s", "status": "failed",'
        b' "failure_code": "WALLET_LOCKED", "paid_at": null}]}'
        % (batch.reference.encode(), line.reference.encode())
    )
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{live_server.url}/nha-cung-cap/VIETTELPAY/callback/",
        data=forged,
        headers={"Content-Type": "application/json", "X-Signature": sign("not-the-secret", forged)},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400

    payment_list_submit(period=period, user=officers["district"])
    wait_for(lambda: reconciled(period), what="the reconciliation")
    assert_paid_at_most_once_and_all_final(period, mock)
    line.refresh_from_db()
    assert line.status == "failed" and line.failure_code == "NAME_ID_MISMATCH"  # "...02"
    batch.refresh_from_db()
    assert batch.last_polled_at is None  # callbacks alone settled it
    events = CallbackEvent.objects.all()
    assert events.filter(signature_valid=False).count() == 1
    valid = events.filter(signature_valid=True)
    # 9 items in chunks of 2 = 5 callbacks of results + 1 late "pending" notice, each 3 times.
    # Each is stored before it is processed: wait for the last one's processing too.
    wait_for(
        lambda: valid.count() >= 18 and not valid.filter(processed_at__isnull=True).exists(),
        timeout=20,
        what="every callback",
    )
    assert valid.filter(processed_at__isnull=True).count() == 0
    assert not valid.filter(discrepancy_count__gt=0).exists()  # ours, as sent: none flagged
