"""Dispatch and its adapters log one line per event, with the batch's identifiers and never an
account number."""

import datetime
import logging

import pytest

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.dispatch import batch_submit
from payments.models import PaymentBatch
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.adapters import ProviderRejected, ProviderUnavailable
from providers.adapters.viettelpay import ViettelPayAdapter
from providers.models import Provider
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
ACCOUNT = "0971234509"


@pytest.fixture
def batch(hue_units, officers):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    PaymentAccount.objects.create(
        beneficiary=b,
        holder="beneficiary",
        provider=Provider.objects.get(code="VIETTELPAY"),
        account_number=ACCOUNT,
        account_name="X",
        status="active",
    )
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    return PaymentBatch.objects.select_related("provider").get(provider__code="VIETTELPAY")


class Refusing(ViettelPayAdapter):
    def submit_batch(self, batch):
        assert batch.items[0].account_number == ACCOUNT  # it was sent…
        raise ProviderRejected("control totals differ", code="CONTROL_MISMATCH", http_status=422)


def test_a_rejected_batch_is_one_error_line_with_its_ids(batch, caplog):
    adapter = Refusing(base_url="http://127.0.0.1:9", secret="s")
    with caplog.at_level(logging.INFO, logger="payments"), pytest.raises(ProviderRejected):
        batch_submit(batch=batch, adapter=adapter)
    [line] = [r for r in caplog.records if r.getMessage() == "batch_rejected"]
    assert line.levelno == logging.ERROR
    assert (line.batch_reference, line.provider, line.code, line.http_status) == (
        batch.reference,
        "VIETTELPAY",
        "CONTROL_MISMATCH",
        422,
    )
    assert ACCOUNT not in caplog.text  # …but never logged


def test_each_provider_call_is_logged_with_its_outcome_and_duration(batch, caplog):
    adapter = ViettelPayAdapter(base_url="http://127.0.0.1:9", secret="s", timeout=0.5)
    with caplog.at_level(logging.INFO), pytest.raises(ProviderUnavailable):  # nothing listens
        batch_submit(batch=batch, adapter=adapter)
    [call] = [r for r in caplog.records if r.getMessage() == "provider_call"]
    assert (call.provider, call.method, call.batch_reference) == (
        "VIETTELPAY",
        "POST",
        batch.reference,
    )
    assert call.status == "URLError" and call.duration_ms >= 0
    unavailable = [r for r in caplog.records if r.getMessage() == "batch_submit_unavailable"]
    assert [r.batch_reference for r in unavailable] == [batch.reference]
    assert ACCOUNT not in caplog.text
