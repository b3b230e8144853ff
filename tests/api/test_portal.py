"""The one-stop portal: an application becomes a submitted registration in the commune's queue
(idempotent on the dossier id, checked like the registration page, nothing half-saved); the
decision goes back as a signed webhook, retried until the portal answers, and by a status
endpoint."""

import datetime
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from api.errors import ApiErrorCode
from api.models import PortalApplication, WebhookDelivery
from api.portal import ApplicationRefused, application_receive, webhook_send
from api.services import api_token_create
from api.tasks import resend_webhooks
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord
from beneficiaries.services.changes import change_record_approve, change_record_reject
from tests.api.conftest import auth

pytestmark = pytest.mark.django_db
URL = "/api/v1/portal/applications/"


def application(commune: str, dossier: str = "HS-2026-000123", **changes) -> dict:
    data = {
        "dossier_id": dossier,
        "received_on": "2026-11-20",
        "commune": commune,
        "applicant": {
            "full_name": "Lê  Thị Xuân",
            "date_of_birth": "1938-04-12",
            "sex": "F",
            "id_number": "046138004512",
            "phone": "0912345678",
        },
        "category": "K5C",
        "documents": [{"name": "To khai 1a.pdf", "kind": "to_khai", "size": 183204}],
    }
    data.update(changes)
    return data


def post(client, key, data):
    return client.post(URL, json.dumps(data), content_type="application/json", **auth(key))


def test_an_application_becomes_a_submitted_registration_once(client, tokens, hue_units):
    commune = hue_units["commune"]
    response = post(client, tokens["district"], application(commune.code))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["dossier_id"], body["status"], body["commune"]) == (
        "HS-2026-000123",
        "received",
        commune.code,
    )
    assert body["start_month"] == "2026-12-01"  # the month after receipt
    change = ChangeRecord.objects.get(pk=body["change_id"])
    assert (change.kind, change.status, change.source) == ("register", "submitted", "portal")
    assert change.source_reference == "HS-2026-000123" and change.commune == commune
    person = change.beneficiary
    assert (person.full_name, person.status) == ("Lê Thị Xuân", "pending")
    assert PortalApplication.objects.get().documents[0]["kind"] == "to_khai"
    # Sent again (the portal retried): the same application, nothing new.
    again = post(client, tokens["district"], application(commune.code))
    assert again.status_code == 200 and again.json()["change_id"] == change.pk
    assert Beneficiary.objects.count() == 1 and ChangeRecord.objects.count() == 1


def test_a_bad_application_is_refused_by_field_and_nothing_is_saved(client, tokens, hue_units):
    commune = hue_units["commune"].code
    bad_id = application(commune, applicant={**application(commune)["applicant"], "sex": "M"})
    response = post(client, tokens["district"], bad_id)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["applicant"] and "id_number" in errors["applicant"]
    young = application(
        commune,
        applicant={
            **application(commune)["applicant"],
            "date_of_birth": "1990-01-01",
            "id_number": "046190004512",
        },
    )
    assert "category" in post(client, tokens["district"], young).json()
    shape = post(client, tokens["district"], {"dossier_id": "x y", "category": "K99"}).json()
    assert {"dossier_id", "category", "applicant", "commune", "received_on"} <= set(shape)
    far = post(client, tokens["district"], application(hue_units["far_commune"].code)).json()
    assert "commune" in far
    assert not Beneficiary.objects.exists() and not PortalApplication.objects.exists()


def test_only_a_system_token_sends_and_the_status_is_scoped(client, tokens, officers, hue_units):
    client.force_login(officers["district"])
    data = application(hue_units["commune"].code)
    assert client.post(URL, json.dumps(data), content_type="application/json").status_code == 403
    client.logout()
    post(client, tokens["commune"], data)  # a commune's own token may send for it
    status = client.get(f"{URL}HS-2026-000123/", **auth(tokens["province"]))
    assert status.status_code == 200 and status.json()["status"] == "received"
    _other, other_key = api_token_create(
        name="Cổng huyện khác",
        unit=hue_units["other_district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    assert client.get(f"{URL}HS-2026-000123/", **auth(other_key)).status_code == 404
    assert client.get(f"{URL}HS-unknown/", **auth(tokens["province"])).status_code == 404


class Portal:
    """A stand-in for the portal's webhook: records what arrives, answers `status`."""

    def __init__(self, status: int = 204):
        self.status, self.received = status, []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                portal.received.append((dict(self.headers), body))
                self.send_response(portal.status)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def portal():
    p = Portal()
    with override_settings(TROCAP_PORTAL_WEBHOOK_URL=p.url, TROCAP_PORTAL_WEBHOOK_SECRET="s3"):
        yield p
    p.close()


def test_the_decision_is_signed_sent_and_retried_until_the_portal_answers(
    client, tokens, officers, hue_units, portal, django_capture_on_commit_callbacks
):
    body = post(client, tokens["district"], application(hue_units["commune"].code)).json()
    change = ChangeRecord.objects.get(pk=body["change_id"])
    with django_capture_on_commit_callbacks() as callbacks:
        change_record_approve(
            change=change, approved_by=officers["district"], today=datetime.date(2026, 11, 21)
        )
    assert len(callbacks) == 1  # the webhook is queued once the decision is committed
    delivery = WebhookDelivery.objects.get()
    portal.status = 503  # the portal is down: the attempt is recorded, nothing delivered
    assert webhook_send(delivery) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error, delivery.delivered_at) == (1, "HTTP 503", None)
    portal.status = 204
    assert webhook_send(delivery) is True
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.delivered_at is not None
    assert webhook_send(delivery) is True and len(portal.received) == 2  # not sent a third time

    headers, raw = portal.received[-1]
    expected = "sha256=" + hmac.new(b"s3", raw, hashlib.sha256).hexdigest()
    assert headers["X-Trocap-Signature"] == expected
    payload = json.loads(raw)
    assert (payload["dossier_id"], payload["status"]) == ("HS-2026-000123", "approved")
    assert payload["delivery_id"] == delivery.pk
    status = client.get(f"{URL}HS-2026-000123/", **auth(tokens["district"])).json()
    assert status["status"] == "approved" and status["notified_at"] is not None
    assert Beneficiary.objects.get().status == "active"


def test_a_rejection_goes_back_with_its_reason_and_a_lost_retry_is_queued_again(
    client, tokens, officers, hue_units, portal, django_capture_on_commit_callbacks
):
    body = post(client, tokens["district"], application(hue_units["commune"].code)).json()
    change = ChangeRecord.objects.get(pk=body["change_id"])
    with django_capture_on_commit_callbacks():
        change_record_reject(
            change=change, rejected_by=officers["district"], reason="Thiếu giấy xác nhận"
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["status"] == "rejected"
    assert delivery.payload["rejection_reason"] == "Thiếu giấy xác nhận"
    # A worker took it and died: after long enough, the beat job queues it again.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, last_attempt_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert resend_webhooks() == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        delivered_at=datetime.datetime.now(tz=datetime.UTC)
    )
    assert resend_webhooks() == 0


def test_the_admin_shows_applications_and_deliveries_read_only(client, tokens, officers, hue_units):
    post(client, tokens["district"], application(hue_units["commune"].code))
    client.force_login(officers["admin"])
    for name in ("portalapplication", "webhookdelivery", "apitoken"):
        response = client.get(f"/admin/api/{name}/")
        assert response.status_code == 200, name
    html = client.get("/admin/api/portalapplication/").content.decode()
    assert "HS-2026-000123" in html
    assert client.get("/admin/api/webhookdelivery/add/").status_code == 403


def test_a_refusal_keeps_the_codes_next_to_the_portals_field_names(officers, hue_units):
    commune = hue_units["commune"]
    data = application(commune.code)
    data["applicant"] = {**data["applicant"], "sex": "M"}
    data["received_on"] = datetime.date(2026, 11, 20)
    data["applicant"]["date_of_birth"] = datetime.date(1938, 4, 12)
    with pytest.raises(ApplicationRefused) as excinfo:
        application_receive(data=data, sent_by=officers["district"])
    assert excinfo.value.codes == {"applicant": {"id_number": [Code.ID_NUMBER_SEX_MISMATCH]}}
    assert excinfo.value.errors["applicant"]["id_number"]  # and the message the portal shows
    far = {**data, "commune": hue_units["far_commune"].code}
    with pytest.raises(ApplicationRefused) as excinfo:
        application_receive(data=far, sent_by=officers["district"])
    assert excinfo.value.codes == {"commune": [ApiErrorCode.PORTAL_COMMUNE_INVALID]}
