"""The portal round trip, every part real: a script acting as the one-stop portal (its own
process) sends an application through the API with its token; a district officer approves it in
Chromium; a Celery worker (its own process) POSTs the signed decision to the script's webhook."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from api.services import api_token_create
from beneficiaries.models import Beneficiary, ChangeRecord
from org.models import AdministrativeUnit, Role
from providers.mock.process import free_port
from tests.factories import UserFactory
from tests.helpers import test_database_url
from tests.workers import Workers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_portal_sends_an_application_and_gets_the_decision_back(
    page, live_server, screenshot, tmp_path
):
    from config.celery import app
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=open("/dev/null", "w"))  # noqa: SIM115
    commune = AdministrativeUnit.objects.get(code="19777", code_version="2025-01")
    district = commune.parent
    UserFactory(username="huyen", role=Role.DISTRICT_OFFICER, unit=district)
    admin = UserFactory(username="quantri", role=Role.ADMIN, unit=None, is_staff=True)
    _token, key = api_token_create(
        name="Cổng dịch vụ công", unit=district, role=Role.DISTRICT_OFFICER, created_by=admin
    )
    port = free_port()
    app.control.purge()
    workers = Workers(
        {
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "TROCAP_PORTAL_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook",
            "TROCAP_PORTAL_WEBHOOK_SECRET": "portal-e2e-secret",
            "TROCAP_PORTAL_WEBHOOK_BACKOFF": "1",
        },
        tmp_path,
    )
    workers.start(beat=False)
    portal = subprocess.Popen(
        [
            sys.executable,
            "scripts/portal_client.py",
            "--api",
            live_server.url,
            "--token",
            key,
            "--commune",
            commune.code,
            "--listen",
            f"127.0.0.1:{port}",
            "--secret",
            "portal-e2e-secret",
            "--dossier",
            "HS-E2E-0001",
            "--wait",
            "120",
            "--poll",
            "300",  # the decision must come by the webhook
        ],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        events, lines = {}, []
        for line in portal.stdout:
            lines.append(line)
            if not line.startswith("{"):
                continue  # not an event: kept for the failure message
            event = json.loads(line)
            events[event["event"]] = event
            if event["event"] in ("sent", "refused", "unreachable"):
                break
        assert "sent" in events, "".join(lines) + (portal.stdout.read() if portal.poll() else "")
        change = ChangeRecord.objects.get(pk=events["sent"]["change_id"])
        assert (change.status, change.source, change.commune) == ("submitted", "portal", commune)

        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("#id_username", "huyen")
        page.fill("#id_password", "mat-khau-123")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/bien-dong/")
        assert page.locator("text=Lê Thị Xuân").count() >= 1  # in the queue, like any other
        page.goto(f"{live_server.url}/bien-dong/{change.pk}/")
        screenshot("portal-application")
        page.click("button:has-text('Duyệt')")
        page.wait_for_selector("[data-status=approved]")

        out, _ = portal.communicate(timeout=120)
        for line in out.splitlines():
            lines.append(line)
            if line.startswith("{"):
                event = json.loads(line)
                events[event["event"]] = event
    finally:
        if portal.poll() is None:
            portal.kill()
        workers.stop()
    assert portal.returncode == 0, lines
    decision = events["decision"]
    assert (decision["via"], decision["dossier_id"], decision["status"]) == (
        "webhook",
        "HS-E2E-0001",
        "approved",
    )
    assert Beneficiary.objects.get(pk=change.beneficiary_id).status == "active"
