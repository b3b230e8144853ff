"""A closed list's Viettel Pay batch goes to the real mock provider (its own process): sent
once, looked up before any re-send, results recorded idempotently, nobody paid twice."""

import datetime
import os
import time

import pytest

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.dispatch import batch_poll, batch_submit
from payments.models import PaymentBatch
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.adapters import ProviderUnavailable
from providers.adapters.viettelpay import ViettelPayAdapter
from providers.models import Provider
from tests.core.test_metrics import scrape, value
from tests.factories import (
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    CareArrangementFactory,
)
from tests.helpers import checker_of
from tests.providers.mockprocess import call, running_mock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SECRET = "test-secret"


@pytest.fixture(scope="module")
def mock_url(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("mock"), MOCK_VIETTELPAY_SECRET=SECRET) as url:
        yield url


def post(url, payload):
    return call(url, payload)


def provider_ledger(url, code):
    return call(f"{url}/__mock__/ledger?provider={code}")["entries"]


def ledger(url):
    return {"entries": provider_ledger(url, "VIETTELPAY")}


@pytest.fixture
def batch(mock_url, hue_units, officers, checker):
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
    payment_list_close(period=period, closed_by=checker)
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


# -- VietinBank and VNPost -----------------------------------------------------------------------


def close_list(hue_units, officers, accounts, carers=()):
    """Close a December list with one beneficiary per (id_number, provider, account) given;
    a beneficiary without a provider is paid cash through VNPost. `carers`: (index of the
    beneficiary, carer's ID number) of care arrangements paid in cash to their carer."""
    people = []
    for i, (id_number, provider, account_number) in enumerate(accounts):
        b = BeneficiaryFactory(
            commune=hue_units["commune"],
            date_of_birth=datetime.date(1940, 2, 1 + i),
            id_number=id_number,
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
        people.append(b)
        if provider is not None:
            PaymentAccount.objects.create(
                beneficiary=b,
                holder="beneficiary",
                provider=provider,
                account_number=account_number,
                account_name="X",
                status="active",
            )
    for index, carer_id_number in carers:
        CareArrangementFactory(
            beneficiary=people[index], code="CS_FOSTER_K5D", carer_id_number=carer_id_number
        )
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period, generated_by=officers["district"])
    payment_list_close(period=period, closed_by=checker_of(period.unit))


def test_a_vietinbank_spreadsheet_batch_is_submitted_polled_and_nobody_paid_twice(
    mock_url, hue_units, officers
):
    from providers.adapters.vietinbank import VietinBankAdapter
    from providers.mock.vietinbank import DEFAULT_SECRET

    post(f"{mock_url}/__mock__/reset", {})
    vietinbank = Provider.objects.get(code="VIETINBANK")
    close_list(
        hue_units,
        officers,
        [
            ("046140000101", vietinbank, "108800000011"),
            ("046140000102", vietinbank, "108800000091"),  # closed account
            ("046140000103", vietinbank, "108800000092"),  # name mismatch
        ],
    )
    batch = PaymentBatch.objects.get(provider=vietinbank)
    secret = os.environ.get("MOCK_VIETINBANK_SECRET", DEFAULT_SECRET)

    def bank():
        return VietinBankAdapter(base_url=mock_url, secret=secret, timeout=5.0)

    batch = batch_submit(batch=batch, adapter=bank())
    assert batch.status == "acknowledged" and batch.provider_batch_id.startswith("VTB-")
    assert batch_poll(batch=batch, adapter=bank()) == 3
    batch.refresh_from_db()
    assert batch.status == "completed"
    lines = {
        line.account_number: (line.status, line.failure_code, line.failure_reason)
        for line in batch.lines.all()
    }
    assert lines == {
        "108800000011": ("paid", "", ""),
        "108800000091": ("failed", "ACCOUNT_CLOSED", "Tài khoản đã đóng"),
        "108800000092": ("failed", "NAME_MISMATCH", "Tên chủ tài khoản không khớp"),
    }
    assert batch.lines.get(status="paid").paid_at is not None
    assert batch_submit(batch=batch, adapter=bank()).status == "completed"
    assert batch_poll(batch=batch, adapter=bank()) == 0
    references = [e["reference"] for e in provider_ledger(mock_url, "VIETINBANK")]
    assert sorted(references) == sorted(batch.lines.values_list("reference", flat=True))


def test_a_vnpost_cash_list_is_final_after_the_window_paid_or_unpaid_never_failed(
    mock_url, hue_units, officers
):
    from providers.adapters.vnpost import VNPostAdapter
    from providers.mock.vnpost import DEFAULT_SECRET

    post(f"{mock_url}/__mock__/reset", {})
    post(f"{mock_url}/__mock__/config", {"vnpost": {"window_seconds": 1}})
    close_list(
        hue_units,
        officers,
        [
            ("046140000201", None, ""),  # paid at the post office
            ("046140000207", None, ""),  # did not come
            ("046140000208", None, ""),  # paid at home
        ],
        # The first person's foster carer does not come: the care line alone is unpaid.
        carers=[(0, "046185000217")],
    )
    vnpost = Provider.objects.get(code="VNPOST")
    batch = PaymentBatch.objects.get(provider=vnpost)
    assert set(batch.lines.values_list("account_number", flat=True)) == {""}
    secret = os.environ.get("MOCK_VNPOST_SECRET", DEFAULT_SECRET)

    def post_office():
        return VNPostAdapter(base_url=mock_url, secret=secret, timeout=5.0)

    batch = batch_submit(batch=batch, adapter=post_office())
    assert batch.status == "acknowledged" and batch.provider_batch_id.startswith("VNP-")
    # During the payment window nothing is final yet.
    assert batch_poll(batch=batch, adapter=post_office()) == 0
    batch.refresh_from_db()
    assert batch.status == "acknowledged"
    assert set(batch.lines.values_list("status", flat=True)) == {"submitted"}

    time.sleep(1.2)
    assert batch_poll(batch=batch, adapter=post_office()) == 4
    batch.refresh_from_db()
    assert batch.status == "completed"
    lines = {
        line.payee_id_number: (line.status, line.failure_code, line.failure_reason)
        for line in batch.lines.all()
    }
    assert lines == {
        "046140000201": ("paid", "", ""),
        "046185000217": ("unpaid", "NOT_COLLECTED", "Đối tượng không đến nhận tiền"),
        "046140000207": ("unpaid", "NOT_COLLECTED", "Đối tượng không đến nhận tiền"),
        "046140000208": ("paid", "", ""),
    }
    care = batch.lines.get(line_kind="care_support")
    assert (care.amount_care, care.amount_total, care.beneficiary.id_number) == (
        750_000,
        750_000,
        "046140000201",
    )
    assert (batch.control_count, batch.control_amount) == (4, 3 * 500_000 + 750_000)
    assert batch_submit(batch=batch, adapter=post_office()).status == "completed"
    assert batch_poll(batch=batch, adapter=post_office()) == 0
    references = [e["reference"] for e in provider_ledger(mock_url, "VNPOST")]
    assert sorted(references) == sorted(batch.lines.values_list("reference", flat=True))


def test_the_request_and_the_results_take_a_fixed_number_of_queries(
    batch, mock_url, django_assert_num_queries
):
    """Whatever the batch's size: one query builds the request; results are written in bulk."""
    from payments.dispatch import batch_request

    with django_assert_num_queries(1):
        request = batch_request(batch)
    assert len(request.items) == batch.control_count == 4
    batch = batch_submit(batch=batch, adapter=adapter(mock_url))
    # The poll time; in a savepoint: lock the batch with its provider (for the history's
    # reason), read its open lines, one UPDATE of the lines, one INSERT of history rows, the
    # check for lines left, the batch's completion and its history row, its list (for the
    # period). Every result is one of the batch's open lines: no query for settled ones.
    with django_assert_num_queries(11):
        assert batch_poll(batch=batch, adapter=adapter(mock_url)) == 4


def test_the_metrics_count_lists_generated_batches_sent_and_provider_errors(
    batch, mock_url, client
):
    """What the operators' Prometheus reads at /metrics moves with the work itself."""
    before = scrape(client)
    period = batch.payment_list.period
    january = payment_period_open(unit=period.unit, month=datetime.date(2027, 1, 1))
    payment_list_generate(period=january)
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"outage": True}})
    with pytest.raises(ProviderUnavailable):
        batch_submit(batch=batch, adapter=adapter(mock_url))
    post(f"{mock_url}/__mock__/config", {"viettelpay": {"outage": False}})
    batch_submit(batch=batch, adapter=adapter(mock_url))
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("trocap_payment_lists_generated_total") == 1
    assert grew("trocap_payment_list_generate_seconds_count") == 1
    assert grew("trocap_batches_sent_total", provider="VIETTELPAY") == 1
    assert grew("trocap_provider_errors_total", provider="VIETTELPAY", kind="unavailable") == 1
