"""The one-stop portal (Cổng dịch vụ công / Hệ thống một cửa điện tử), both ways.

In: the portal posts an application; it becomes a submitted registration (a `register` change,
source "portal") in the commune's queue, checked by the same rules as the registration page.
The dossier id stands for the decision until the district decides; the allowance is asked from
the month after the application was received unless the portal says otherwise. Sending the same
dossier again answers the application already made.

Out: when the district approves or rejects it (or the commune withdraws it), a signed webhook
tells the portal, retried with backoff until it answers 2xx; the portal may also poll the
application's status.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import ApiErrorCode
from api.models import PortalApplication, WebhookDelivery
from beneficiaries.models import ChangeRecord, ChangeSource, ChangeStatus
from beneficiaries.services.inputs import RecipientInput, RegistrationInput
from beneficiaries.services.registration import beneficiary_register
from core.errors import AppForbidden
from core.months import add_months
from org.models import AdministrativeUnit, UnitLevel
from org.scoping import user_can_see_unit
from providers.adapters.base import sign

logger = logging.getLogger(__name__)

# Where registration_errors' fields are in the portal's JSON.
FIELD_PATHS = {
    "full_name": ("applicant", "full_name"),
    "date_of_birth": ("applicant", "date_of_birth"),
    "sex": ("applicant", "sex"),
    "id_number": ("applicant", "id_number"),
    "phone": ("applicant", "phone"),
    "categories": ("category",),
    "disability_level": ("disability_level",),
    "dependent_children": ("dependent_children",),
    "decision_number": ("dossier_id",),
    "decision_date": ("received_on",),
    "start_month": ("start_month",),
    "commune": ("commune",),
}


def _nest(errors: dict[str, list]) -> dict:
    """registration_errors' flat fields as the portal's nested ones."""
    nested: dict = {}
    for name, messages in errors.items():
        if name.startswith("recipient_"):
            path = ("recipient", name.removeprefix("recipient_"))
        else:
            path = FIELD_PATHS.get(name, (name,))
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], []).extend(messages)
    return nested


class ApplicationRefused(Exception):
    """The application cannot be taken: `errors` says why, nested as the portal sent it;
    `codes` the same, with the error codes instead of the messages."""

    def __init__(self, errors: dict, codes: dict | None = None):
        super().__init__(errors)
        self.errors = errors
        self.codes = codes or {}


def application_status(application: PortalApplication) -> str:
    """received (waiting for the district), approved, rejected or withdrawn."""
    return {
        ChangeStatus.APPROVED: "approved",
        ChangeStatus.REJECTED: "rejected",
        ChangeStatus.CANCELLED: "withdrawn",
    }.get(application.change.status, "received")


class DossierTaken(Exception):
    """The dossier id is already an application the sender may not see (another unit's): the
    caller answers 409 and says nothing of whose or what it is."""


def _dossier_lock(dossier_id: str) -> None:
    """Hold the lock of this dossier id until the transaction ends: the same dossier sent
    again at the same moment waits here until the first request committed (then finds its
    application) or rolled back (then is judged on its own). PostgreSQL: a transaction-level
    advisory lock on a hash of the id. SQLite: its IMMEDIATE transactions (config/settings)
    already hold the database's one write lock from their first statement."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(b"portal-dossier:" + dossier_id.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def _already_received(application: PortalApplication, sent_by) -> PortalApplication:
    """The application a dossier id already made, for a sender who may see it (the same token,
    or one of the same area); anyone else learns only that the id is taken."""
    if user_can_see_unit(sent_by, application.change.commune):
        logger.info(
            "portal application repeated",
            extra={"dossier_id": application.dossier_id, "change_id": application.change_id},
        )
        return application
    logger.warning(
        "portal dossier id taken",
        extra={"dossier_id": application.dossier_id, "sent_by": sent_by.pk},
    )
    raise DossierTaken(application.dossier_id)


def application_receive(*, data: dict, sent_by) -> tuple[PortalApplication, bool]:
    """Make a checked application (see PortalApplicationInSerializer) a submitted
    registration. Returns (application, created); the same dossier id again returns the first
    one with created False, even when both arrive at once: the dossier is looked up under its
    lock (`_dossier_lock`) before anything else is checked, so a repeat never meets the
    duplicate-ID check of its own first copy. Raises ApplicationRefused with the portal's
    field names, DossierTaken for a dossier id of an application the sender may not see, or
    AppForbidden (a PermissionDenied); on any error nothing is saved."""
    dossier_id = data["dossier_id"]
    try:
        with transaction.atomic():
            _dossier_lock(dossier_id)
            existing = (
                PortalApplication.objects.select_related("change__commune")
                .filter(dossier_id=dossier_id)
                .first()
            )
            if existing is not None:
                return _already_received(existing, sent_by), False
            application = _application_create(data=data, sent_by=sent_by)
    except AppForbidden:
        raise
    except ValidationError as exc:
        logger.info(
            "portal application refused",
            extra={"dossier_id": dossier_id, "fields": sorted(exc.message_dict)},
        )
        codes = {name: [e.code for e in problems] for name, problems in exc.error_dict.items()}
        raise ApplicationRefused(_nest(exc.message_dict), _nest(codes)) from exc
    except IntegrityError:
        # A database without the lock, and the same dossier at the same moment: the other
        # request made it.
        existing = (
            PortalApplication.objects.select_related("change__commune")
            .filter(dossier_id=dossier_id)
            .first()
        )
        if existing is None:
            raise
        return _already_received(existing, sent_by), False
    logger.info(
        "portal application received",
        extra={
            "dossier_id": application.dossier_id,
            "change_id": application.change_id,
            "commune_code": application.change.commune.code,
        },
    )
    return application, True


def _application_create(*, data: dict, sent_by) -> PortalApplication:
    """The registration and its application, inside the caller's transaction."""
    commune = (
        AdministrativeUnit.objects.filter(
            code=data["commune"], level=UnitLevel.COMMUNE, active=True
        )
        .order_by("-code_version")
        .first()
    )
    if commune is None or not user_can_see_unit(sent_by, commune):
        logger.info(
            "portal application refused",
            extra={"dossier_id": data["dossier_id"], "commune_code": data["commune"]},
        )
        raise ApplicationRefused(
            {"commune": [_("There is no active commune with this code in your area.")]},
            {"commune": [ApiErrorCode.PORTAL_COMMUNE_INVALID]},
        )
    applicant, received = data["applicant"], data["received_on"]
    recipient = data.get("recipient")
    registration = RegistrationInput(
        full_name=applicant["full_name"],
        date_of_birth=applicant["date_of_birth"],
        sex=applicant["sex"],
        commune=commune,
        categories=(data["category"],),
        decision_number=data["dossier_id"],
        decision_date=received,
        start_month=data.get("start_month") or add_months(received.replace(day=1), 1),
        ethnicity=applicant.get("ethnicity") or "Kinh",
        id_number=applicant.get("id_number", ""),
        phone=applicant.get("phone", ""),
        address=applicant.get("address", ""),
        disability_level=data.get("disability_level", ""),
        dependent_children=data.get("dependent_children"),
        recipient=RecipientInput(**recipient) if recipient else None,
    )
    change = beneficiary_register(
        data=registration, maker=sent_by, submit=True, source=ChangeSource.PORTAL
    )
    change.source_reference = data["dossier_id"]
    change.reason_detail = _("Application %(dossier)s from the one-stop portal.") % {
        "dossier": data["dossier_id"]
    }
    change.save(update_fields=["source_reference", "reason_detail"])
    return PortalApplication.objects.create(
        dossier_id=data["dossier_id"],
        change=change,
        received_on=received,
        documents=data.get("documents", []),
        payload=json.loads(json.dumps(data, default=str)),
        sent_by=sent_by,
    )


# -- out: the decision back to the portal ----------------------------------------------------


def decision_payload(application: PortalApplication) -> dict:
    change = application.change
    return {
        "event": "application.decided",
        "dossier_id": application.dossier_id,
        "status": application_status(application),
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
        "rejection_reason": change.rejection_reason,
        "start_month": change.effective_month.isoformat(),
        "change_id": change.pk,
    }


def on_change_decided(sender, change: ChangeRecord, **kwargs) -> None:
    """A decision on a portal application: record the webhook and send it once committed."""
    if change.source != ChangeSource.PORTAL:
        return
    application = PortalApplication.objects.filter(change=change).first()
    if application is None:
        return
    application.change = change
    delivery = WebhookDelivery.objects.create(
        application=application,
        event="application.decided",
        payload=decision_payload(application),
    )
    logger.info(
        "portal webhook queued",
        extra={
            "dossier_id": application.dossier_id,
            "delivery_id": delivery.pk,
            "status": delivery.payload["status"],
        },
    )
    # api.tasks imports this module at its top: importing it here breaks that cycle.
    from api.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.delay(delivery.pk))


def webhook_signature(body: bytes, secret: str) -> str:
    """The X-Trocap-Signature header: "sha256=" and the hex HMAC-SHA256 of the body."""
    return "sha256=" + sign(secret, body)


def webhook_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(
        {**delivery.payload, "delivery_id": delivery.pk}, ensure_ascii=False, sort_keys=True
    ).encode()


def webhook_send(delivery: WebhookDelivery, *, timeout: float = 10.0) -> bool:
    """One attempt: POST the signed body to TROCAP_PORTAL_WEBHOOK_URL. Records the attempt;
    True once the portal answered 2xx (then, and later, nothing is sent again)."""
    if delivery.delivered_at is not None:
        return True
    url = settings.TROCAP_PORTAL_WEBHOOK_URL
    now = timezone.now()
    fields = {"attempts": delivery.attempts + 1, "last_attempt_at": now}
    log = {
        "delivery_id": delivery.pk,
        "dossier_id": delivery.payload.get("dossier_id"),
        "attempt": fields["attempts"],
    }
    if not url:
        fields["last_error"] = "TROCAP_PORTAL_WEBHOOK_URL is not set."
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        logger.warning("portal webhook not sent: no URL", extra=log)
        return False
    body = webhook_body(delivery)
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("X-Trocap-Event", delivery.event)
    request.add_header("X-Trocap-Delivery", str(delivery.pk))
    request.add_header(
        "X-Trocap-Signature", webhook_signature(body, settings.TROCAP_PORTAL_WEBHOOK_SECRET)
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            ok = 200 <= response.status < 300
            error = "" if ok else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        ok, error = False, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        ok, error = False, str(exc)[:500] or exc.__class__.__name__
    fields["last_error"] = error
    if ok:
        fields["delivered_at"] = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, delivered_at__isnull=True).update(**fields)
    if ok:
        logger.info("portal webhook delivered", extra=log)
    else:
        logger.warning("portal webhook failed", extra={**log, "error": error})
    return ok


def webhooks_due(*, stale_seconds: float) -> list[int]:
    """Deliveries not yet delivered whose last attempt is older than `stale_seconds` (a worker
    lost them), with attempts left."""
    cutoff = timezone.now() - datetime.timedelta(seconds=stale_seconds)
    return list(
        WebhookDelivery.objects.filter(
            delivered_at__isnull=True,
            attempts__lt=settings.TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS,
        )
        .exclude(last_attempt_at__gt=cutoff)
        .values_list("pk", flat=True)
    )
