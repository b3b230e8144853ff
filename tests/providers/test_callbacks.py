"""Provider callbacks: stored raw before trusted, signature checked, processed idempotently,
a forged one kept for audit and applied to nothing."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from accounts.models import PaymentAccount
from beneficiaries.models import Category
from payments.models import PaymentLine
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.models import CallbackEvent, Provider
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
