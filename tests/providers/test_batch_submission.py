"""A closed list's Viettel Pay batch goes to the real mock provider (its own process): sent
once, looked up before any re-send, results recorded idempotently, nobody paid twice."""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.models import PaymentBatch
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.adapters import ProviderUnavailable
from providers.adapters.viettelpay import ViettelPayAdapter
from providers.models import Provider
from providers.services import batch_poll, batch_submit
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "test-secret"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path_factory.mktemp("mock") / "mock.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_mock_providers", "--port", str(port), "--db", str(db)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "MOCK_VIETTELPAY_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/__mock__/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


def ledger(url):
    return json.loads(
        urllib.request.urlopen(f"{url}/__mock__/ledger?provider=VIETTELPAY", timeout=5).read()
    )


@pytest.fixture
def batch(mock_url, hue_units, officers):
    post(f"{mock_url}/__mock__/reset", {})
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
    payment_list_close(period=period, closed_by=officers["district"])
    return PaymentBatch.objects.get(provider=viettel)


class CountingAdapter(ViettelPayAdapter):
    lookups = sends = 0

    def fetch_batch_status(self, batch_reference):
        self.lookups += 1
        return super().fetch_batch_status(batch_reference)

    def submit_batch(self, batch):
        self.sends += 1
        return super().submit_batch(batch)


def adapter(url, timeout=5.0):
    return ViettelPayAdapter(base_url=url, secret=SECRET, timeout=timeout)


def test_submit_poll_and_nobody_is_paid_twice(batch, mock_url):
    assert (batch.control_count, batch.control_amount) == (4, 2_000_000)
    batch = batch_submit(batch=batch, adapter=adapter(mock_url))
    assert batch.status == "acknowledged" and batch.provider_batch_id
    assert set(batch.lines.values_list("status", flat=True)) == {"submitted"}
    assert batch_poll(batch=batch, adapter=adapter(mock_url)) == 4
    batch.refresh_from_db()
    assert batch.status == "completed"
    statuses = dict(batch.lines.values_list("account_number", "status"))
    assert statuses == {
        "0971234511": "paid",
        "0971234522": "paid",
        "0971234501": "failed",
        "0971234533": "paid",
    }
    failed = batch.lines.get(status="failed")
    assert failed.failure_code == "UNREGISTERED"
    assert "chưa đăng ký" in failed.failure_reason
    # Submitting and polling again change nothing, here or at the provider.
    assert batch_submit(batch=batch, adapter=adapter(mock_url)).status == "completed"
    assert batch_poll(batch=batch, adapter=adapter(mock_url)) == 0
    references = [e["reference"] for e in ledger(mock_url)["entries"]]
    assert sorted(references) == sorted(batch.lines.values_list("reference", flat=True))


def test_a_lost_answer_is_looked_up_before_resending(batch, mock_url):
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"delay_seconds": 1.5}})
    # The provider takes the batch but answers after our timeout: we never see the answer.
    with pytest.raises(ProviderUnavailable):
        batch_submit(batch=batch, adapter=adapter(mock_url, timeout=0.5))
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == ("submitting", 1) and batch.last_error
    time.sleep(1.5)
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"delay_seconds": 0}})
    spy = CountingAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)
    batch = batch_submit(batch=batch, adapter=spy)  # looks it up first: known, so not re-sent
    assert batch.status == "acknowledged" and batch.attempts == 2
    assert (spy.lookups, spy.sends) == (1, 0)
    batch_poll(batch=batch, adapter=adapter(mock_url))
    assert len(ledger(mock_url)["entries"]) == 4  # each line once


def test_an_outage_is_retried_and_the_batch_sent_once_it_is_over(batch, mock_url):
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"outage": True}})
    with pytest.raises(ProviderUnavailable):
        batch_submit(batch=batch, adapter=adapter(mock_url))
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"outage": False}})
    spy = CountingAdapter(base_url=mock_url, secret=SECRET, timeout=5.0)
    batch = batch_submit(batch=batch, adapter=spy)  # never reached the provider: sent now
    assert (spy.lookups, spy.sends) == (1, 1)
    assert batch.status == "acknowledged" and batch.attempts == 2
    batch_poll(batch=batch, adapter=adapter(mock_url))
    assert len(ledger(mock_url)["entries"]) == 4
