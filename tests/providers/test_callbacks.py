"""Provider callbacks: stored raw before trusted, signature checked, processed idempotently,
a forged one kept for audit and applied to nothing."""

import datetime
import hashlib
import hmac
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.models import PaymentBatch, PaymentLine
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers import services, tasks
from providers.models import CallbackEvent, Provider
from tests.core.test_metrics import scrape, value
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
SECRET = "callback-secret"


@pytest.fixture
def lines(hue_units, officers, settings):
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {"base_url": "http://127.0.0.1:9", "secret": SECRET, "timeout": 1.0},
    }
    viettel = Provider.objects.get(code="VIETTELPAY")
    for i in range(2):
        b = BeneficiaryFactory(
            commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1 + i)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
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
    # Sent and acknowledged by the provider: only then may a callback settle its lines.
    PaymentBatch.objects.filter(payment_list__period=period).update(
        status=PaymentBatch.Status.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    return list(PaymentLine.objects.filter(payment_list__period=period).order_by("line_no"))


def send(client, payload, secret=SECRET, tamper=False):
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if tamper:
        body = body.replace(b"paid", b"pai ")
    return client.post(
        reverse("providers:callback", args=["VIETTELPAY"]),
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature,
    )


def items(lines, status="paid"):
    return {
        "items": [
            {
                "reference": line.reference,
                "status": status,
                "failure_code": "",
                "paid_at": "2026-12-05T09:30:00+07:00",
                "amount": line.amount_total,
            }
            for line in lines
        ]
    }


def test_a_signed_callback_is_stored_then_applied_once(client, lines):
    response = send(client, items(lines))
    assert response.status_code == 200
    event = CallbackEvent.objects.get()
    assert event.signature_valid is True and event.processed_at is not None
    assert '"reference"' in event.body  # the raw body, as received
    assert {line.status for line in PaymentLine.objects.filter(pk__in=[x.pk for x in lines])} == {
        "paid"
    }
    # The same callback again (providers retry): stored again, changes nothing.
    assert send(client, items(lines)).status_code == 200
    assert CallbackEvent.objects.count() == 2
    # A later, contradicting callback for final lines changes nothing either.
    send(client, items(lines, status="failed"))
    assert {line.status for line in PaymentLine.objects.filter(pk__in=[x.pk for x in lines])} == {
        "paid"
    }


def test_a_forged_callback_is_kept_for_audit_and_applies_nothing(client, lines):
    assert send(client, items(lines), secret="wrong").status_code == 400
    assert send(client, items(lines), tamper=True).status_code == 400
    assert CallbackEvent.objects.filter(signature_valid=False).count() == 2
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"pending"}


def test_out_of_order_callbacks_each_settle_their_own_lines(client, lines):
    send(client, items(lines[1:]))
    send(client, items(lines[:1]))
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"paid"}
    assert lines[0].batch.__class__.objects.get(pk=lines[0].batch_id).status == "completed"


def test_unknown_provider_or_method(client):
    assert (
        client.post(
            reverse("providers:callback", args=["NOPE"]), b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(reverse("providers:callback", args=["VIETTELPAY"])).status_code == 405


def backdate(event, minutes=10):
    """As if the event, and its last attempt, were `minutes` older."""
    earlier = timezone.now() - datetime.timedelta(minutes=minutes)
    CallbackEvent.objects.filter(pk=event.pk).update(
        received_at=earlier, last_attempt_at=earlier if event.last_attempt_at else None
    )


@pytest.fixture
def flaky_handler(monkeypatch):
    """The registered handler, failing the first `fail` times it is called."""
    real = services._callback_handler
    state = {"fail": 1, "calls": 0}

    def handler(**kwargs):
        state["calls"] += 1
        if state["fail"]:
            state["fail"] -= 1
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "_callback_handler", handler)
    return state


def test_a_callback_whose_processing_raised_is_kept_and_processed_again(
    client, lines, flaky_handler
):
    response = send(client, items(lines))
    assert response.status_code == 202  # stored and verified: ours to retry, not theirs
    event = CallbackEvent.objects.get()
    assert event.signature_valid is True and event.processed_at is None
    assert event.error == "database went away"
    assert "RuntimeError" in event.traceback and event.attempts == 1
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"pending"}
    assert tasks.retry_callback_events() == 0  # not yet: it just failed

    backdate(event)
    assert tasks.retry_callback_events() == 1
    event.refresh_from_db()
    assert event.processed_at is not None and event.error == "" and event.traceback == ""
    assert event.attempts == 2
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"paid"}
    backdate(event)
    assert tasks.retry_callback_events() == 0  # processed: never again


def test_a_callback_that_keeps_failing_backs_off_then_stops(client, lines, flaky_handler, settings):
    settings.TROCAP_CALLBACK_MAX_ATTEMPTS = 3
    flaky_handler["fail"] = 100
    send(client, items(lines))
    event = CallbackEvent.objects.get()
    backdate(event, minutes=6)
    assert tasks.retry_callback_events() == 1  # 5 minutes after the first attempt
    assert tasks.retry_callback_events() == 0  # not in a hot loop
    backdate(CallbackEvent.objects.get(), minutes=6)
    assert tasks.retry_callback_events() == 0  # the second retry waits 10 minutes
    backdate(CallbackEvent.objects.get(), minutes=11)
    assert tasks.retry_callback_events() == 1
    backdate(CallbackEvent.objects.get(), minutes=60 * 25)
    assert tasks.retry_callback_events() == 0  # three attempts: left for a person to look at
    event.refresh_from_db()
    assert event.attempts == 3 and event.error and event.processed_at is None
    assert flaky_handler["calls"] == 3


def test_a_forged_callback_is_not_retried(client, lines):
    send(client, items(lines), secret="wrong")
    backdate(CallbackEvent.objects.get())
    assert tasks.retry_callback_events() == 0


def test_an_unsigned_body_that_is_not_json_or_huge_is_refused_and_not_kept_whole(
    client, lines, caplog
):
    url = reverse("providers:callback", args=["VIETTELPAY"])
    garbage = b"\x00not json " + b"x" * 10_000
    with caplog.at_level(logging.INFO, logger="providers"):
        response = client.post(url, garbage, content_type="text/plain")
    assert response.status_code == 400
    event = CallbackEvent.objects.get()
    assert event.signature_valid is False and len(event.body) <= services.UNSIGNED_BODY_KEPT
    refused = [r for r in caplog.records if r.getMessage() == "callback_refused"]
    assert [(r.event_id, r.provider, r.code) for r in refused] == [
        (event.pk, "VIETTELPAY", "BAD_SIGNATURE")
    ]
    # Signed but unreadable: the provider's own words, kept whole.
    body = b"{not json" + b" " * 5000
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE=signature)
    assert response.status_code == 400
    assert len(CallbackEvent.objects.latest("pk").body) == len(body)

    huge = b"{" + b" " * (1024 * 1024 + 1)
    assert client.post(url, huge, content_type="application/json").status_code == 413
    assert CallbackEvent.objects.count() == 2


def test_callback_log_lines_carry_ids_and_no_account_number(client, lines, caplog):
    with caplog.at_level(logging.INFO, logger="providers"):
        send(client, items(lines))
    event = CallbackEvent.objects.get()
    processed = [r for r in caplog.records if r.getMessage() == "callback_processed"]
    assert [(r.event_id, r.provider, r.items) for r in processed] == [(event.pk, "VIETTELPAY", 2)]
    for line in lines:
        assert line.account_number not in caplog.text


def test_the_metrics_count_callbacks_by_outcome(client, lines):
    before = scrape(client)
    assert send(client, items(lines)).status_code == 200
    assert send(client, items(lines), secret="wrong").status_code == 400
    after = scrape(client)

    def grew(outcome):
        labels = {"provider": "VIETTELPAY", "outcome": outcome}
        return value(after, "trocap_callbacks_total", **labels) - value(
            before, "trocap_callbacks_total", **labels
        )

    assert (grew("received"), grew("processed"), grew("refused")) == (2, 1, 1)
