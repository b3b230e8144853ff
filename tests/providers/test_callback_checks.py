"""A provider's result is checked against what we sent before it settles a line (issue 16): the
batch must have been acknowledged by the provider, the reference must be one of that batch's
(that provider's) lines, and the amount must be ours. Anything else is kept, flagged and applied
to nothing, whether it comes by callback or by polling."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.dispatch import batch_poll
from payments.models import PaymentBatch, PaymentLine
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers import tasks
from providers.adapters import BatchStatus, ItemResult
from providers.models import CallbackEvent, Provider, ResultDiscrepancy
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
SECRET = "callback-check-secret"
Kind = ResultDiscrepancy.Kind


@pytest.fixture
def closed(hue_units, officers, settings):
    """A closed list: two Viettel Pay wallets and one person paid in cash (VNPost). Nothing
    sent yet."""
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {"base_url": "http://127.0.0.1:9", "secret": SECRET, "timeout": 1.0},
    }
    viettel = Provider.objects.get(code="VIETTELPAY")
    k5c = Category.objects.get(code="K5C")
    for i in range(3):
        b = BeneficiaryFactory(
            commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1 + i)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=k5c)
        if i < 2:
            PaymentAccount.objects.create(
                beneficiary=b,
                holder="beneficiary",
                provider=viettel,
                account_number=f"097123450{i}",
                account_name="X",
                status="active",
            )
    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    lines = PaymentLine.objects.filter(payment_list__period=period).select_related("batch")
    wallets = list(lines.filter(provider=viettel).order_by("line_no"))
    cash = lines.get(provider__code="VNPOST")
    return {"period": period, "wallets": wallets, "cash": cash, "batch": wallets[0].batch}


def acknowledge(batch, status=PaymentBatch.Status.ACKNOWLEDGED):
    PaymentBatch.objects.filter(pk=batch.pk).update(status=status, acknowledged_at=timezone.now())


def item(line, status="paid", amount="ours"):
    data = {
        "reference": line.reference,
        "status": status,
        "failure_code": "",
        "paid_at": "2026-12-05T09:30:00+07:00",
    }
    if amount is not None:
        data["amount"] = line.amount_total if amount == "ours" else amount
    return data


def send(client, *items):
    body = json.dumps({"items": list(items)}).encode()
    return client.post(
        reverse("providers:callback", args=["VIETTELPAY"]),
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
    )


def status_of(line):
    return PaymentLine.objects.get(pk=line.pk).status


def discrepancies(**filters):
    return list(
        ResultDiscrepancy.objects.filter(**filters)
        .order_by("reference")
        .values_list("kind", "reference", "provider_status", "our_amount", "provider_amount")
    )


# --- By callback --------------------------------------------------------------------------------


def test_a_callback_for_a_batch_closed_but_never_sent_pays_nothing_and_is_flagged(client, closed):
    wallet = closed["wallets"][0]
    assert closed["batch"].status == PaymentBatch.Status.READY
    assert send(client, item(wallet)).status_code == 200
    assert status_of(wallet) == "pending"
    event = CallbackEvent.objects.get()
    assert event.processed_at is not None and event.flagged and event.discrepancy_count == 1
    assert wallet.reference in event.discrepancy_reason
    assert "chưa xác nhận" in event.discrepancy_reason  # the reason, in Vietnamese
    assert discrepancies(event=event) == [
        (Kind.NOT_ACKNOWLEDGED, wallet.reference, "paid", None, wallet.amount_total)
    ]
    row = ResultDiscrepancy.objects.get()
    assert (row.source, row.batch_reference) == ("callback", closed["batch"].reference)
    # Processed (kept and flagged), not failed: it is not tried again.
    event.refresh_from_db()
    assert not event.failed


def test_a_callback_for_a_batch_the_provider_refused_pays_nothing(client, closed):
    acknowledge(closed["batch"], PaymentBatch.Status.REJECTED)
    send(client, item(closed["wallets"][0]))
    assert status_of(closed["wallets"][0]) == "pending"
    assert [k for k, *_ in discrepancies()] == [Kind.NOT_ACKNOWLEDGED]


def test_a_callback_for_a_reference_of_another_provider_or_of_nobody_pays_nothing(client, closed):
    acknowledge(closed["batch"])
    for batch in PaymentBatch.objects.exclude(pk=closed["batch"].pk):
        acknowledge(batch)  # the cash batch too: sent, but to VNPost, not to Viettel Pay
    cash, wallet = closed["cash"], closed["wallets"][0]
    stranger = {**item(wallet), "reference": "NOT-OURS-1"}
    assert send(client, item(cash), stranger, item(wallet)).status_code == 200
    assert status_of(cash) == "pending"
    assert status_of(wallet) == "paid"  # the one that matches is applied
    event = CallbackEvent.objects.get()
    assert event.discrepancy_count == 2
    assert discrepancies(event=event) == sorted(
        [
            (Kind.UNKNOWN_REFERENCE, cash.reference, "paid", None, cash.amount_total),
            (Kind.UNKNOWN_REFERENCE, "NOT-OURS-1", "paid", None, wallet.amount_total),
        ],
        key=lambda row: row[1],
    )


def test_a_callback_with_another_amount_or_none_pays_nothing(client, closed):
    acknowledge(closed["batch"])
    first, second = closed["wallets"]
    assert first.amount_total > 1
    send(client, item(first, amount=1), item(second, amount=None))
    assert status_of(first) == status_of(second) == "pending"
    event = CallbackEvent.objects.get()
    assert discrepancies(event=event) == sorted(
        [
            (Kind.AMOUNT, first.reference, "paid", first.amount_total, 1),
            (Kind.NO_AMOUNT, second.reference, "paid", second.amount_total, None),
        ],
        key=lambda row: row[1],
    )
    assert f"{first.amount_total:,}".replace(",", ".") in event.discrepancy_reason
    # The right amount afterwards settles them; a wrong one after that changes nothing more.
    send(client, item(first), item(second))
    assert status_of(first) == status_of(second) == "paid"
    send(client, item(first, status="failed", amount=1))
    assert status_of(first) == "paid"
    assert CallbackEvent.objects.latest("pk").discrepancy_count == 1


def test_a_failure_without_an_amount_is_applied(client, closed):
    acknowledge(closed["batch"])
    send(client, item(closed["wallets"][0], status="failed", amount=None))
    assert status_of(closed["wallets"][0]) == "failed"
    assert not ResultDiscrepancy.objects.exists()


def test_a_callback_before_our_acknowledgement_is_recorded_waits_and_is_applied_later(
    client, closed
):
    """The provider answers while we are still recording its acknowledgement: the event is
    kept (not flagged) and processed again once the batch is acknowledged."""
    acknowledge(closed["batch"], PaymentBatch.Status.SUBMITTING)
    wallet = closed["wallets"][0]
    assert send(client, item(wallet)).status_code == 202
    event = CallbackEvent.objects.get()
    assert event.processed_at is None and event.failed and not event.flagged
    assert status_of(wallet) == "pending"
    acknowledge(closed["batch"])
    earlier = timezone.now() - datetime.timedelta(minutes=10)
    CallbackEvent.objects.filter(pk=event.pk).update(received_at=earlier, last_attempt_at=earlier)
    assert tasks.retry_callback_events() == 1
    assert status_of(wallet) == "paid"
    assert not ResultDiscrepancy.objects.exists()


# --- By polling ---------------------------------------------------------------------------------


class Answering:
    """An adapter whose status query answers what the test says."""

    def __init__(self, batch_reference, *items):
        self.status = BatchStatus(batch_reference=batch_reference, items=tuple(items))

    def fetch_batch_status(self, batch_reference):
        return self.status


def result(line, status="paid", amount="ours", reference=None):
    return ItemResult(
        reference=reference or line.reference,
        status=status,
        paid_at=timezone.now() if status == "paid" else None,
        amount=line.amount_total if amount == "ours" else amount,
    )


def test_polling_a_batch_never_sent_pays_nothing(closed):
    batch, wallet = closed["batch"], closed["wallets"][0]
    assert batch_poll(batch=batch, adapter=Answering(batch.reference, result(wallet))) == 0
    assert status_of(wallet) == "pending"
    assert discrepancies(source="poll") == [
        (Kind.NOT_ACKNOWLEDGED, wallet.reference, "paid", None, wallet.amount_total)
    ]


def test_polling_pays_nothing_for_a_reference_outside_the_batch(closed):
    batch, cash, wallet = closed["batch"], closed["cash"], closed["wallets"][0]
    acknowledge(batch)
    answer = Answering(batch.reference, result(cash), result(wallet))
    assert batch_poll(batch=batch, adapter=answer) == 1
    assert status_of(cash) == "pending" and status_of(wallet) == "paid"
    assert discrepancies(source="poll") == [
        (Kind.OTHER_BATCH, cash.reference, "paid", None, cash.amount_total)
    ]
    # The answer about another batch altogether settles nothing of this one.
    second = closed["wallets"][1]
    assert batch_poll(batch=batch, adapter=Answering("OTHER-BATCH", result(second))) == 0
    assert status_of(second) == "pending"


def test_polling_pays_nothing_when_the_amount_differs_and_counts_the_repeats(closed):
    batch, first, second = closed["batch"], *closed["wallets"]
    acknowledge(batch)
    PaymentLine.objects.filter(batch=batch).update(status="submitted")
    answer = Answering(batch.reference, result(first, amount=1), result(second, amount=None))
    for _ in range(3):  # polled again and again while the lines wait
        assert batch_poll(batch=batch, adapter=answer) == 0
    assert status_of(first) == status_of(second) == "submitted"
    assert discrepancies(source="poll") == sorted(
        [
            (Kind.AMOUNT, first.reference, "paid", first.amount_total, 1),
            (Kind.NO_AMOUNT, second.reference, "paid", second.amount_total, None),
        ],
        key=lambda row: row[1],
    )
    assert set(ResultDiscrepancy.objects.values_list("times_seen", flat=True)) == {3}
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.ACKNOWLEDGED  # not completed by a wrong answer


def test_the_reconciliation_page_lists_the_results_not_applied(client, closed, officers):
    acknowledge(closed["batch"])
    first = closed["wallets"][0]
    send(client, item(first, amount=1), {**item(first), "reference": "NOT-OURS-2"})
    url = reverse("payments:reconciliation", args=[closed["period"].pk])
    client.force_login(officers["district"])
    html = client.get(url).content.decode()
    assert 'data-refused-results="1"' in html  # the stranger belongs to no list of ours
    assert 'data-refused="amount"' in html and first.reference in html
    assert "Số tiền khác với số tiền đã gửi" in html
    client.force_login(officers["commune"])  # the line is in their commune
    assert 'data-refused="amount"' in client.get(url).content.decode()
