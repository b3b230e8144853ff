"""Changes the system proposes: they wait in the commune officer's queue (status "proposed"),
who submits or cancels them. Each is proposed once (a system source reference)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaries.models import (
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
    MonthMoved,
)
from beneficiaries.policy import age_in_month
from beneficiaries.services.checks import OPEN_STATUSES
from core.months import add_months

logger = logging.getLogger(__name__)

# category -> the age at which it ends
AGE_LIMITS = {"K1": 16, "K2": 22, "K3": 16, "K7": 3}


def age_limit_month(date_of_birth: datetime.date, age: int, rule: str) -> datetime.date:
    """The first month in which a person counts as `age` years old under the age rule."""
    month = date_of_birth.replace(day=1)
    month = add_months(month, 12 * age - 1)
    while age_in_month(date_of_birth, month, rule) < age:
        month = add_months(month, 1)
    return month


@transaction.atomic  # not durable: seeding a demo proposes inside its own transaction
def age_changes_propose(*, month: datetime.date, rule: str | None = None) -> int:
    """Propose the changes age brings by `month`: a K1 (or K3) child turning 16, a K2 student
    turning 22, a K7 child turning 3. The category ends from the month the age is reached; if the
    person holds no other category, the proposal is to stop the allowance.

    Idempotent: a person gets one proposal per category that ends. Returns how many were made.
    """
    rule = rule or settings.TROCAP_AGE_RULE
    month = month.replace(day=1)
    created = 0
    youngest = {
        code: datetime.date(month.year - limit, month.month, 1)
        for code, limit in AGE_LIMITS.items()
    }
    rows = (
        BeneficiaryCategory.objects.filter(
            active=True,
            category__code__in=list(AGE_LIMITS),
            beneficiary__status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
        )
        .select_related("beneficiary", "beneficiary__commune", "category")
        .order_by("beneficiary_id")
    )
    for row in rows:
        code, b = row.category.code, row.beneficiary
        # Cheap prefilter: nobody born more than a month after the cut-off can have reached the age.
        if b.date_of_birth > add_months(youngest[code], 1):
            continue
        effective = age_limit_month(b.date_of_birth, AGE_LIMITS[code], rule)
        if effective > month:
            continue
        reference = f"age:{b.pk}:{code}"
        if ChangeRecord.objects.filter(
            source=ChangeSource.SYSTEM, source_reference=reference
        ).exists():
            continue
        others = set(
            b.categories.filter(active=True)
            .exclude(pk=row.pk)
            .values_list("category__code", flat=True)
        )
        detail = _("Turns %(age)s in %(month)s: category %(code)s ends.") % {
            "age": AGE_LIMITS[code],
            "month": effective.strftime("%m/%Y"),
            "code": code,
        }
        if code == "K1" and "K2" not in others:
            detail += " " + _(
                "If the young person is still studying, register category K2 instead of stopping."
            )
        change = ChangeRecord(
            beneficiary=b,
            commune=b.commune,
            kind=ChangeKind.CHANGE_CATEGORY if others else ChangeKind.STOP,
            reason=ChangeReason.AGE,
            reason_detail=detail,
            effective_month=max(effective, b.start_month or effective),
            # The age was reached before the allowance started: from its start, and why.
            requested_month=effective if b.start_month and effective < b.start_month else None,
            month_moved=MonthMoved.BEFORE_START
            if b.start_month and effective < b.start_month
            else "",
            status=ChangeStatus.PROPOSED,
            source=ChangeSource.SYSTEM,
            source_reference=reference,
            old_category=row.category,
        )
        change.save()
        created += 1
    logger.info("age changes proposed", extra={"month": month.isoformat(), "proposed": created})
    return created


@transaction.atomic  # not durable: the reconciliation proposes inside its own transaction
def suspension_propose_uncollected(
    *, beneficiary_ids: Sequence[int], month: datetime.date, months: int
) -> int:
    """Propose suspending each of `beneficiary_ids` (in that order) whose allowance was not
    collected in `month` and the `months - 1` before it (Decree 20/2021, Art. 8(3)(a)); the
    caller (payments' reconciliation) finds who. Only people still receiving get one; none while
    another suspension or stop is open; one per person and month. Suspended from the month after.
    Returns how many were proposed."""
    month = month.replace(day=1)
    first = add_months(month, 1 - months)
    blocked = set(
        ChangeRecord.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            kind__in=[ChangeKind.SUSPEND, ChangeKind.STOP],
            status__in=OPEN_STATUSES,
        ).values_list("beneficiary_id", flat=True)
    )
    people = Beneficiary.objects.filter(
        pk__in=beneficiary_ids, status=BeneficiaryStatus.ACTIVE
    ).select_related("commune")
    by_id = {b.pk: b for b in people}
    created = 0
    for beneficiary_id in dict.fromkeys(beneficiary_ids):
        b = by_id.get(beneficiary_id)
        if b is None or b.pk in blocked:
            continue
        detail = _(
            "The allowance was not collected in %(first)s–%(last)s (%(n)s months in a row)."
        ) % {"first": f"{first:%m/%Y}", "last": f"{month:%m/%Y}", "n": months}
        created += _propose_uncollected_once(
            b=b,
            kind=ChangeKind.SUSPEND,
            reference=f"uncollected:{b.pk}:{month:%Y-%m}",
            detail=detail,
            month=month,
        )
    if created:
        logger.info(
            "uncollected suspensions proposed",
            extra={"month": month.isoformat(), "proposed": created},
        )
    return created


@transaction.atomic  # not durable: the reconciliation proposes inside its own transaction
def stop_propose_uncollected(
    *, beneficiary_ids: Sequence[int], month: datetime.date, months: int
) -> int:
    """Propose stopping each of `beneficiary_ids` (in that order) who was suspended for not
    collecting and has again not collected in `month` and the `months - 1` before it, all
    months of that suspension (Circular 02/2021/TT-BLĐTBXH, Art. 2); the caller (payments'
    reconciliation) finds who by the lists. Checked here against the register: the person is
    still suspended, their latest approved suspension is for not collecting and took effect no
    later than the first of those months, and no stop or resumption is open or approved since.
    One per person and month; the stop takes effect from the month after. Returns how many were
    proposed."""
    month = month.replace(day=1)
    first = add_months(month, 1 - months)
    people = Beneficiary.objects.filter(
        pk__in=beneficiary_ids, status=BeneficiaryStatus.SUSPENDED
    ).select_related("commune")
    by_id = {b.pk: b for b in people}
    suspended_from: dict[int, tuple[datetime.date, str]] = {}
    for beneficiary_id, effective, reason in (
        ChangeRecord.objects.filter(
            beneficiary_id__in=list(by_id),
            kind=ChangeKind.SUSPEND,
            status=ChangeStatus.APPROVED,
        )
        .order_by("effective_month", "decided_at", "id")
        .values_list("beneficiary_id", "effective_month", "reason")
    ):
        suspended_from[beneficiary_id] = (effective, reason)  # the latest wins
    settled: dict[int, list[tuple[str, datetime.date]]] = {}
    for beneficiary_id, status, effective in ChangeRecord.objects.filter(
        beneficiary_id__in=list(by_id),
        kind__in=[ChangeKind.STOP, ChangeKind.RESUME],
        status__in=[*OPEN_STATUSES, ChangeStatus.APPROVED],
    ).values_list("beneficiary_id", "status", "effective_month"):
        settled.setdefault(beneficiary_id, []).append((status, effective))
    created = 0
    for beneficiary_id in dict.fromkeys(beneficiary_ids):
        b = by_id.get(beneficiary_id)
        if b is None or beneficiary_id not in suspended_from:
            continue
        since, reason = suspended_from[beneficiary_id]
        if reason != ChangeReason.NOT_COLLECTED or since > first:
            continue
        if any(
            status != ChangeStatus.APPROVED or effective >= since
            for status, effective in settled.get(beneficiary_id, [])
        ):
            continue  # a stop or a resumption is on its way, or has been decided since
        detail = _(
            "Suspended from %(since)s for not collecting the allowance, and still not "
            "collected in %(first)s–%(last)s (%(n)s more months): the allowance stops "
            "(Circular 02/2021, Art. 2)."
        ) % {
            "since": f"{since:%m/%Y}",
            "first": f"{first:%m/%Y}",
            "last": f"{month:%m/%Y}",
            "n": months,
        }
        created += _propose_uncollected_once(
            b=b,
            kind=ChangeKind.STOP,
            reference=f"uncollected:stop:{b.pk}:{month:%Y-%m}",
            detail=detail,
            month=month,
        )
    if created:
        logger.info(
            "uncollected stops proposed",
            extra={"month": month.isoformat(), "proposed": created},
        )
    return created


def _propose_uncollected_once(*, b, kind: str, reference: str, detail: str, month) -> int:
    """A system proposal (suspend or stop, for not collecting) effective next month, once per
    person and month (`reference`): 1 if made, 0 if it already was."""
    if ChangeRecord.objects.filter(source=ChangeSource.SYSTEM, source_reference=reference).exists():
        return 0
    ChangeRecord.objects.create(
        beneficiary=b,
        commune=b.commune,
        kind=kind,
        reason=ChangeReason.NOT_COLLECTED,
        reason_detail=detail,
        effective_month=add_months(month, 1),
        status=ChangeStatus.PROPOSED,
        source=ChangeSource.SYSTEM,
        source_reference=reference,
    )
    return 1
