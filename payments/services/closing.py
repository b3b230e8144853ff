"""Closing (chốt) a generated list: its lines are frozen with a content hash and split into one
batch per provider."""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import (
    ChangeRecord,
    ChangeStatus,
    FuneralSupport,
    FuneralSupportStatus,
)
from core.errors import AppError, AppForbidden
from org.models import Role
from org.roles import communes_q, require_list_officer
from payments.errors import PaymentErrorCode
from payments.models import (
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentList,
    PaymentPeriod,
    PeriodStatus,
)
from payments.months import require_month_in_window
from payments.services.periods import CLOSED_STATUSES
from payments.services.snapshot import (
    changes_decided_since_generation,
    policy_approved_since_generation,
)
from payments.signals import period_figures_changed_on_commit
from providers.models import Provider

logger = logging.getLogger(__name__)


def blocking_changes(period: PaymentPeriod):
    """Changes of the unit's communes that wait for a decision and take effect by this month
    (unless the district deferred the decision to a later list)."""
    return ChangeRecord.objects.filter(
        communes_q(period.unit),
        status=ChangeStatus.SUBMITTED,
        effective_month__lte=period.month,
    ).filter(Q(deferred_until__isnull=True) | Q(deferred_until__lte=period.month))


def describe_changes(changes: list[ChangeRecord]) -> str:
    """ "Nguyễn Văn An: Suspension (no. 12), ...": the first five, and how many more."""
    text = ", ".join(
        _("%(name)s: %(kind)s (no. %(id)s)")
        % {"name": c.beneficiary.full_name, "kind": c.get_kind_display(), "id": c.pk}
        for c in changes[:5]
    )
    if len(changes) > 5:
        text += " " + _("and more")
    return text


def content_hash(payment_list: PaymentList) -> str:
    """SHA-256 over every line's payable content, in line order."""
    digest = hashlib.sha256()
    fields = (
        "line_no",
        "reference",
        "beneficiary_id",
        "commune_id",
        "beneficiary_id_number",
        "full_name",
        "categories",
        "coefficient",
        "amount_regular",
        "amount_care",
        "amount_arrears",
        "arrears_months",
        "amount_funeral",
        "amount_carried_over",
        "amount_total",
        "payee_name",
        "payee_id_number",
        "channel",
        "provider__code",
        "account_number",
    )
    for row in (
        payment_list.lines.order_by("line_no").values_list(*fields).iterator(chunk_size=5000)
    ):
        digest.update(("\x1f".join(str(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def preparer_closes(payment_list: PaymentList, user) -> bool:
    """True when `user` generated the list: the preparer (người lập) may not also approve
    (chốt) it. A list the system generated (a beat or worker run, nobody) has no preparer."""
    return payment_list.generated_by_id is not None and payment_list.generated_by_id == user.pk


def preparer_refusal(payment_list: PaymentList) -> str:
    """What the preparer is told: someone else must close the list. On a two-tier commune the
    way out is named, so that a commune with a single leader who generated is not stuck: its
    officer generates again (becoming the preparer) and the leader closes."""
    params = {"who": payment_list.generated_by}
    if getattr(payment_list.generated_by, "role", None) == Role.COMMUNE_LEADER:
        return (
            _(
                "You generated this list (%(who)s), so you cannot also close it: ask the commune "
                "officer to generate it again and then close it, or another leader of the commune "
                "to check and close it."
            )
            % params
        )
    return (
        _(
            "The officer who generated this list (%(who)s) cannot also close it: another "
            "officer of the unit must check and close it."
        )
        % params
    )


def payment_list_close(*, period: PaymentPeriod, closed_by) -> PaymentList:
    """Close (chốt) a generated list: only a district officer of the closing unit, only when no
    change for the month waits for a decision and nothing was decided since generation. The lines
    are frozen with a content hash, carried-over lines and funeral support are marked, and the
    list is split into one batch per provider with control totals. Two officers closing at once:
    one succeeds, the other gets an AppError (ALREADY_CLOSED) saying who closed it. The
    preparer and the approver are different people: the officer who generated the list is
    refused (PREPARER_CANNOT_CLOSE); a list the system generated may be closed by any of the
    unit's district officers."""
    require_month_in_window(period.month, period.unit_id)
    with transaction.atomic():
        period = PaymentPeriod.objects.select_for_update().select_related("unit").get(pk=period.pk)
        require_list_officer(
            closed_by,
            period.unit,
            message=_("Only an officer of %(unit)s can close its list.") % {"unit": period.unit},
            code=PaymentErrorCode.NOT_OFFICER_OF_UNIT,
        )
        payment_list = PaymentList.objects.select_related("closed_by", "generated_by").get(
            period=period
        )
        if period.status in CLOSED_STATUSES:
            raise AppError(
                PaymentErrorCode.ALREADY_CLOSED,
                _("This list was already closed by %(who)s at %(when)s."),
                params={
                    "who": payment_list.closed_by,
                    "when": timezone.localtime(payment_list.closed_at).strftime("%d/%m/%Y %H:%M"),
                },
            )
        if period.status != PeriodStatus.GENERATED or payment_list.generated_at is None:
            raise AppError(
                PaymentErrorCode.NOT_GENERATED, _("Generate the list before closing it.")
            )
        if preparer_closes(payment_list, closed_by):
            raise AppForbidden(
                PaymentErrorCode.PREPARER_CANNOT_CLOSE, preparer_refusal(payment_list)
            )
        if payment_list.generation_error:
            raise AppError(
                PaymentErrorCode.GENERATION_FAILED,
                _("The last generation of this list failed: generate it again before closing."),
            )
        waiting = blocking_changes(period).count()
        if waiting:
            raise AppError(
                PaymentErrorCode.CHANGES_WAITING,
                _(
                    "%(n)s changes for this month wait for a decision: "
                    "approve, reject or defer them first."
                ),
                params={"n": waiting},
            )
        stale = list(
            changes_decided_since_generation(period, payment_list)
            .select_related("beneficiary")
            .order_by("decided_at", "id")[:6]
        )
        if stale:
            raise AppError(
                PaymentErrorCode.CHANGES_SINCE_GENERATION,
                _(
                    "Changes were decided after the point in the register this list reflects, "
                    "so they are not in it: %(changes)s. Generate the list again to take them in."
                ),
                params={"changes": describe_changes(stale)},
            )
        rules = policy_approved_since_generation(period, payment_list)
        if rules:
            raise AppError(
                PaymentErrorCode.POLICY_CHANGED_SINCE_GENERATION,
                _(
                    "Standard levels or coefficient bands were approved after this list was "
                    "generated, so its amounts do not follow them: %(rows)s. Generate the list "
                    "again to take them in."
                ),
                params={"rows": "; ".join(rules[:6])},
            )
        unpriced = payment_list.lines.filter(cannot_compute=True)
        if unpriced.exists():
            raise AppError(
                PaymentErrorCode.LINES_CANNOT_COMPUTE,
                _(
                    "The policy tables cannot price %(n)s people of this list (%(names)s): "
                    "correct the standard levels or coefficient bands, or the person's record, "
                    "then generate the list again."
                ),
                params={
                    "n": unpriced.count(),
                    "names": ", ".join(
                        unpriced.order_by("line_no").values_list("full_name", flat=True)[:5]
                    ),
                },
            )
        now = timezone.now()
        payment_list.content_hash = content_hash(payment_list)
        payment_list.closed_at = now
        payment_list.closed_by = closed_by
        payment_list._history_user = closed_by
        payment_list.save()
        period.status = PeriodStatus.CLOSED
        period._history_user = closed_by
        period.save(update_fields=["status"])
        lines = payment_list.lines.all()
        # What a line carried over came from the same person's lines of the same kind: their
        # allowance (no arrangement) or the same care arrangement.
        for line_id, beneficiary_id, arrangement_id in lines.filter(
            amount_carried_over__gt=0
        ).values_list("id", "beneficiary_id", "care_arrangement_id"):
            PaymentLine.objects.filter(
                beneficiary_id=beneficiary_id,
                care_arrangement_id=arrangement_id,
                status__in=[LineStatus.FAILED, LineStatus.UNPAID],
                carried_over_to__isnull=True,
                payment_list__closed_at__isnull=False,
                payment_list__period__month__lt=period.month,
            ).update(carried_over_to_id=line_id)
        FuneralSupport.objects.filter(
            beneficiary_id__in=lines.filter(amount_funeral__gt=0).values("beneficiary_id"),
            status=FuneralSupportStatus.DUE,
        ).update(status=FuneralSupportStatus.LISTED)
        for provider_id, count, total in _provider_totals(payment_list):
            batch = PaymentBatch.objects.create(
                payment_list=payment_list,
                provider_id=provider_id,
                reference=f"{period.month:%Y%m}-{period.unit.code}-{Provider.objects.get(pk=provider_id).code}",
                control_count=count,
                control_amount=total,
            )
            lines.filter(provider_id=provider_id).update(batch=batch)
        period_figures_changed_on_commit(period)
    logger.info(
        "payment_list_closed",
        extra={
            "period_id": period.pk,
            "lines": payment_list.line_count,
            "batches": payment_list.batches.count(),
        },
    )
    return payment_list


def _provider_totals(payment_list: PaymentList):
    from django.db.models import Count, Sum

    return (
        payment_list.lines.values_list("provider_id")
        .annotate(n=Count("id"), total=Sum("amount_total"))
        .order_by("provider_id")
    )
