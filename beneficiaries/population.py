"""Checking the register against the national population database (CSDL quốc gia về dân cư).

Every night active beneficiaries not checked for TROCAP_POPULATION_RECHECK_DAYS are sent in
batches; a registration is checked at once, or queued when the service is down. A mismatch
(name, date of birth, sex) or an ID the database does not know shows on the person's page and
in the commune's queue; a death proposes a stop (with funeral support, paid to the recipient or
guardian when there is one) in the commune's queue, from the month after the death.
"""

from __future__ import annotations

import datetime
import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import (
    Beneficiary,
    BeneficiaryStatus,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
    PopulationCheck,
    PopulationResult,
)
from beneficiaries.services.checks import death_effective_month
from beneficiaries.services.rulebook import stored_change_errors
from providers.adapters.base import sign

logger = logging.getLogger(__name__)

OPEN = (ChangeStatus.DRAFT, ChangeStatus.PROPOSED, ChangeStatus.SUBMITTED)


class PopulationUnavailable(Exception):
    """The service did not answer (down, busy, too slow): check again later."""


class PopulationRejected(Exception):
    """The service refused the request itself (a bug or a wrong secret): do not retry as is."""


@dataclass(frozen=True)
class Answer:
    ref: str
    result: str
    fields: tuple[str, ...] = ()
    date_of_death: datetime.date | None = None


class PopulationClient:
    """The verification service's HTTP protocol: a signed POST of up to 1000 people."""

    def __init__(self, *, base_url: str, secret: str, timeout: float = 10.0):
        self.base_url, self.secret, self.timeout = base_url.rstrip("/"), secret, timeout

    def verify(self, people: list[Beneficiary]) -> dict[int, Answer]:
        """beneficiary id → the database's answer."""
        body = json.dumps(
            {
                "request_id": uuid.uuid4().hex,
                "people": [
                    {
                        "ref": str(b.pk),
                        "id_number": b.id_number,
                        "full_name": b.full_name,
                        "date_of_birth": b.date_of_birth.isoformat(),
                        "sex": b.sex,
                    }
                    for b in people
                ],
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            f"{self.base_url}/population/v1/verify", data=body, method="POST"
        )
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("X-Signature", sign(self.secret, body))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise PopulationUnavailable(f"HTTP {exc.code}") from exc
            raise PopulationRejected(f"HTTP {exc.code}: {exc.read()[:300]!r}") from exc
        except (OSError, ValueError) as exc:
            raise PopulationUnavailable(str(exc) or exc.__class__.__name__) from exc
        answers = {}
        for row in data.get("results", []):
            death = row.get("date_of_death")
            answers[int(row["ref"])] = Answer(
                ref=row["ref"],
                result=row["result"],
                fields=tuple(row.get("fields") or ()),
                date_of_death=datetime.date.fromisoformat(death) if death else None,
            )
        return answers


def client() -> PopulationClient:
    config = settings.TROCAP_POPULATION
    return PopulationClient(
        base_url=config["base_url"], secret=config["secret"], timeout=config.get("timeout", 10)
    )


def _record(beneficiary: Beneficiary, answer: Answer, now) -> PopulationCheck:
    latest = PopulationCheck.objects.filter(beneficiary=beneficiary, latest=True).first()
    fields = ";".join(answer.fields)
    if latest is not None and (latest.result, latest.fields, latest.date_of_death) == (
        answer.result,
        fields,
        answer.date_of_death,
    ):
        latest.checked_at = now
        latest.save(update_fields=["checked_at"])
        return latest
    if latest is not None:
        latest.latest = False
        latest.save(update_fields=["latest"])
    return PopulationCheck.objects.create(
        beneficiary=beneficiary,
        result=answer.result,
        fields=fields,
        date_of_death=answer.date_of_death,
        checked_at=now,
    )


def _propose_stop_for_death(beneficiary: Beneficiary, date_of_death: datetime.date) -> bool:
    """A stop (death) proposed in the commune's queue, once: not if a stop is already open or
    decided."""
    if beneficiary.status not in (BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED):
        return False
    if (
        ChangeRecord.objects.filter(beneficiary=beneficiary, kind=ChangeKind.STOP)
        .filter(Q(status__in=OPEN) | Q(status=ChangeStatus.APPROVED))
        .exists()
    ):
        return False
    recipient = beneficiary.recipients.filter(active=True).order_by("-valid_from").first()
    change = ChangeRecord(
        beneficiary=beneficiary,
        commune=beneficiary.commune,
        kind=ChangeKind.STOP,
        reason=ChangeReason.DEATH,
        reason_detail=_(
            "The national population database records the death on %(day)s. Check it, then "
            "send the stop for approval."
        )
        % {"day": date_of_death.strftime("%d/%m/%Y")},
        effective_month=death_effective_month(date_of_death),
        status=ChangeStatus.PROPOSED,
        source=ChangeSource.POPULATION_DB,
        # One per person (the source reference is unique per source).
        source_reference=f"CSDL-DC/{beneficiary.pk}/{date_of_death.isoformat()}",
        date_of_death=date_of_death,
        funeral_payee_name=recipient.full_name if recipient else "",
        funeral_payee_id_number=recipient.id_number if recipient else "",
        funeral_payee_relationship=recipient.relationship if recipient else "",
    )
    change.save()
    logger.info(
        "death stop proposed",
        extra={
            "change_id": change.pk,
            "beneficiary_id": beneficiary.pk,
            "commune_code": beneficiary.commune.code,
        },
    )
    return True


@dataclass
class CheckSummary:
    checked: int = 0
    match: int = 0
    mismatch: int = 0
    deceased: int = 0
    not_found: int = 0
    stops_proposed: int = 0


def beneficiaries_verify(people: list[Beneficiary], *, api: PopulationClient | None = None):
    """Send `people` (at most a batch) to the database and record the answers; raises
    PopulationUnavailable (nothing recorded) when the service does not answer."""
    try:
        answers = (api or client()).verify(people)
    except PopulationUnavailable as exc:
        logger.warning(
            "population service unavailable", extra={"people": len(people), "error": str(exc)}
        )
        raise
    except PopulationRejected as exc:
        # Only the status: the refusal's body may quote what was sent.
        logger.error(
            "population service refused the request",
            extra={"people": len(people), "error": str(exc).split(":", 1)[0]},
        )
        raise
    summary = CheckSummary()
    now = timezone.now()
    with transaction.atomic():
        for person in people:
            answer = answers.get(person.pk)
            if answer is None:
                continue
            _record(person, answer, now)
            summary.checked += 1
            setattr(summary, answer.result, getattr(summary, answer.result) + 1)
            if answer.result != PopulationResult.MATCH:
                logger.info(
                    "population check",
                    extra={"beneficiary_id": person.pk, "outcome": answer.result},
                )
            if answer.result == PopulationResult.DECEASED and answer.date_of_death:
                summary.stops_proposed += _propose_stop_for_death(person, answer.date_of_death)
    logger.info("population batch checked", extra=vars(summary))
    return summary


def due_for_check(*, recheck_days: int | None = None):
    """Active (and suspended) beneficiaries with an ID number, never checked or not checked
    for `recheck_days`, the longest unchecked first."""
    days = settings.TROCAP_POPULATION_RECHECK_DAYS if recheck_days is None else recheck_days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    recent = PopulationCheck.objects.filter(latest=True, checked_at__gte=cutoff).values(
        "beneficiary_id"
    )
    return (
        Beneficiary.objects.filter(
            status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED]
        )
        .exclude(id_number="")
        .exclude(pk__in=recent)
        .order_by("id")
    )


def latest_problems(queryset):
    """The latest checks that need an officer: mismatches and unknown ID numbers."""
    return (
        PopulationCheck.objects.filter(
            latest=True,
            result__in=[PopulationResult.MISMATCH, PopulationResult.NOT_FOUND],
            beneficiary__in=queryset,
            beneficiary__status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
        )
        .select_related("beneficiary", "beneficiary__commune")
        .order_by("-checked_at")
    )


def registration_check(beneficiary: Beneficiary) -> str:
    """Check a new registration at once (a short timeout: an officer is waiting). Returns the
    result, "queued" when the service did not answer (a task checks again until it does),
    "no_id" without an ID number, or "error" when the service refused the request."""
    if not beneficiary.id_number:
        return "no_id"
    config = settings.TROCAP_POPULATION
    api = PopulationClient(
        base_url=config["base_url"],
        secret=config["secret"],
        timeout=min(config.get("timeout", 10), settings.TROCAP_POPULATION_REGISTRATION_TIMEOUT),
    )
    try:
        beneficiaries_verify([beneficiary], api=api)
    except PopulationUnavailable:
        # The task module imports this one at its top: importing it here breaks that cycle.
        from beneficiaries.tasks import verify_beneficiary

        logger.info("population check queued", extra={"beneficiary_id": beneficiary.pk})
        transaction.on_commit(lambda: verify_beneficiary.delay(beneficiary.pk))
        return "queued"
    except PopulationRejected:
        logger.warning("population check refused", extra={"beneficiary_id": beneficiary.pk})
        return "error"
    check = PopulationCheck.objects.filter(beneficiary=beneficiary, latest=True).first()
    return check.result if check else "queued"


def check_warning(check: PopulationCheck | None) -> tuple[str, str] | None:
    """(message level, Vietnamese text) of what a stored check found that an officer must see:
    a mismatch, an unknown ID number, a death. The one source of these texts, for the maker who
    registers and for the checker who approves (`change_warnings`)."""
    if check is None:
        return None
    if check.result == PopulationResult.MISMATCH:
        return "warning", _("The population database differs on: %(fields)s. Check the papers.") % {
            "fields": check.fields_display
        }
    if check.result == PopulationResult.NOT_FOUND:
        return "warning", _("The population database does not know this ID number.")
    if check.result == PopulationResult.DECEASED and check.date_of_death:
        return "error", _("The population database records this person as deceased on %(day)s.") % {
            "day": check.date_of_death.strftime("%d/%m/%Y")
        }
    return None


def registration_message(result: str, beneficiary: Beneficiary) -> tuple[str, str]:
    """(message level, Vietnamese text) for the officer who just registered someone."""
    check = PopulationCheck.objects.filter(beneficiary=beneficiary, latest=True).first()
    if result == PopulationResult.MATCH:
        return "success", _("The population database confirms the name, date of birth and sex.")
    if result in (PopulationResult.MISMATCH, PopulationResult.NOT_FOUND, PopulationResult.DECEASED):
        found = check_warning(check)
        if found is not None:
            return found
    if result == "queued":
        return "info", _(
            "The population database did not answer: the check will be made automatically "
            "as soon as it does."
        )
    if result == "error":
        return "warning", _("The population database refused the check: tell the administrator.")
    return "info", _("No ID number: the population database cannot be checked.")


def change_warnings(change: ChangeRecord) -> list[tuple[str, str]]:
    """What the checker of an open change must see, as (level, Vietnamese text): the warnings
    the maker saw (the population database's latest finding on the person, or that it could not
    be checked yet), and, as errors, what the rulebook refuses in the change as stored (a change
    recorded before a rule existed, or whose facts changed since): approving it is refused with
    the same messages (`rulebook.stored_change_errors`)."""
    beneficiary = change.beneficiary
    found: list[tuple[str, str]] = []
    check = PopulationCheck.objects.filter(beneficiary=beneficiary, latest=True).first()
    warning = check_warning(check)
    if warning is not None:
        found.append(warning)
    elif not beneficiary.id_number:
        found.append(("info", _("No ID number: the population database cannot be checked.")))
    elif check is None:
        found.append(("info", _("The population database has not checked this person yet.")))
    problems = stored_change_errors(change, today=timezone.localdate())
    found.extend(
        ("error", message)
        for errors in problems.by_field.values()
        for error in errors
        for message in error.messages
    )
    return found
