"""Care arrangements (Decree 20 Art. 20) on the register: the facts the rulebook's care rule
(`beneficiaries.rules.care`) needs, looked up once for every door (registration, a SET_CARE or
END_CARE change, the import, the checker's approval), and the writes that follow a decision.

An arrangement is written `pending` with its change (or its registration) and becomes `active`
when the checker approves; a rejected or withdrawn change leaves it `rejected`. An END_CARE, or
the stop of the person cared for (a death or any other reason), ends it: `end_month` is the last
month paid and the status `ended`, in the transaction that approves the change.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from beneficiaries.care_models import CareArrangement, CareCode, CareStatus
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    ChangeKind,
    ChangeRecord,
    ChangeStatus,
)
from beneficiaries.rules.care import EXCLUSIVE_CODES, CareFacts, care_end_errors, care_errors
from beneficiaries.services.inputs import CareInput
from beneficiaries.services.rulebook import add_problems, id_number_recorded_dead, own_id_numbers
from core.errors import FieldErrors
from core.months import add_months
from providers.models import Provider

logger = logging.getLogger(__name__)

# The arrangements that hold their months against another (awaiting approval counts).
COUNTING_STATUSES = (CareStatus.PENDING, CareStatus.ACTIVE, CareStatus.ENDED)
OPEN_CHANGE_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.PROPOSED)


def categories_in_month(beneficiary: Beneficiary, month: datetime.date) -> frozenset[str]:
    """The category codes `beneficiary` holds in `month` (one query)."""
    return frozenset(
        BeneficiaryCategory.objects.filter(
            beneficiary=beneficiary, active=True, start_month__lte=month
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .values_list("category__code", flat=True)
    )


def carer_on_register(id_number: str) -> Beneficiary | None:
    """The carer, when they are a beneficiary themself (by ID number, not a rejected one)."""
    if not id_number:
        return None
    return (
        Beneficiary.objects.filter(id_number=id_number)
        .exclude(status=BeneficiaryStatus.REJECTED)
        .first()
    )


def other_arrangements(
    beneficiary: Beneficiary | None, *, exclude_pk: int | None = None
) -> tuple[tuple[str, datetime.date, datetime.date | None], ...]:
    """The person's arrangements that hold their months: (code, start, end)."""
    if beneficiary is None or beneficiary.pk is None:
        return ()
    rows = CareArrangement.objects.filter(beneficiary=beneficiary, status__in=COUNTING_STATUSES)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    return tuple(rows.values_list("code", "start_month", "end_month"))


def check_care(
    errors: FieldErrors,
    care: CareInput,
    *,
    start_month: datetime.date | None,
    beneficiary: Beneficiary | None,
    categories: Iterable[str],
    disability_level: str,
    person_id_numbers: tuple[str, ...],
    exclude_pk: int | None = None,
) -> None:
    """The rulebook's care rule (`rules.care_errors`) with the register's facts: the person's
    other arrangements, is the carer recorded dead, is the carer this person on the register."""
    carer = carer_on_register(care.carer_id_number)
    facts = CareFacts(
        categories=frozenset(categories),
        disability_level=disability_level or "",
        person_id_numbers=person_id_numbers,
        carer_is_person=bool(beneficiary and carer and carer.pk == beneficiary.pk),
        carer_recorded_dead=id_number_recorded_dead(care.carer_id_number),
        others=other_arrangements(beneficiary, exclude_pk=exclude_pk),
    )
    add_problems(errors, care_errors(care, start_month=start_month, facts=facts))


def check_care_of_person(
    errors: FieldErrors,
    care: CareInput,
    *,
    beneficiary: Beneficiary,
    start_month: datetime.date | None,
    exclude_pk: int | None = None,
) -> None:
    """`check_care` for a person on the register, with what they hold in the start month."""
    check_care(
        errors,
        care,
        start_month=start_month,
        beneficiary=beneficiary,
        categories=categories_in_month(beneficiary, start_month) if start_month else (),
        disability_level=beneficiary.disability_level,
        person_id_numbers=own_id_numbers(beneficiary),
        exclude_pk=exclude_pk,
    )


def check_care_end(
    errors: FieldErrors,
    *,
    beneficiary: Beneficiary,
    arrangement_id: int | None,
    first_month_not_paid: datetime.date | None,
) -> None:
    """END_CARE: one of the person's arrangements in force, ended after its first month."""
    arrangement = (
        CareArrangement.objects.filter(beneficiary=beneficiary, pk=arrangement_id).first()
        if arrangement_id
        else None
    )
    if arrangement is None or arrangement.status != CareStatus.ACTIVE:
        errors.add(
            "care_arrangement",
            Code.CARE_NOT_ACTIVE,
            _("Choose one of the person's care arrangements in force."),
        )
        return
    errors.extend(
        "effective_month",
        care_end_errors(
            start_month=arrangement.start_month,
            end_month=arrangement.end_month,
            first_month_not_paid=first_month_not_paid,
        ),
    )


def care_input_of(arrangement: CareArrangement) -> CareInput:
    """An arrangement as stored, as the rule reads it (to check it again at approval)."""
    return CareInput(
        code=arrangement.code,
        variant=arrangement.variant,
        carer_full_name=arrangement.carer_full_name,
        carer_id_number=arrangement.carer_id_number,
        carer_date_of_birth=arrangement.carer_date_of_birth,
        carer_relationship=arrangement.carer_relationship,
        carer_phone=arrangement.carer_phone,
        account_provider=arrangement.account_provider.code if arrangement.account_provider else "",
        account_number=arrangement.account_number,
        end_month=arrangement.end_month,
    )


def stored_care_errors(change: ChangeRecord, errors: FieldErrors) -> None:
    """The care rule again on the arrangement a SET_CARE (or a registration) holds, when the
    checker decides; and an END_CARE's arrangement must still be in force."""
    arrangement = change.care_arrangement
    if arrangement is None:
        return
    if change.kind == ChangeKind.END_CARE:
        check_care_end(
            errors,
            beneficiary=change.beneficiary,
            arrangement_id=arrangement.pk,
            first_month_not_paid=change.effective_month,
        )
        return
    if arrangement.status != CareStatus.PENDING:
        errors.add(
            "care_code",
            Code.CARE_NOT_PENDING,
            _("The care arrangement of this change is no longer awaiting approval."),
        )
        return
    check_care_of_person(
        errors,
        care_input_of(arrangement),
        beneficiary=change.beneficiary,
        start_month=arrangement.start_month,
        exclude_pk=arrangement.pk,
    )


def care_write(
    *,
    beneficiary: Beneficiary,
    care: CareInput,
    start_month: datetime.date,
    status: str,
    decision_number: str,
    decision_date: datetime.date | None,
    user,
    reason: str = "",
) -> CareArrangement:
    """Write a checked arrangement (pending with its change; active for an initial load)."""
    arrangement = CareArrangement(
        beneficiary=beneficiary,
        code=care.code,
        variant=care.variant,
        status=status,
        carer_full_name=care.carer_full_name,
        carer_id_number=care.carer_id_number,
        carer_date_of_birth=care.carer_date_of_birth,
        carer_relationship=care.carer_relationship,
        carer_phone=care.carer_phone,
        carer_beneficiary=carer_on_register(care.carer_id_number),
        account_provider=Provider.objects.get(code=care.account_provider)
        if care.account_provider
        else None,
        account_number=care.account_number if care.account_provider else "",
        start_month=start_month,
        end_month=care.end_month,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        created_by=user,
    )
    _tag(user, arrangement, reason=reason)
    arrangement.save()
    logger.info(
        "care arrangement recorded",
        extra={
            "care_arrangement_id": arrangement.pk,
            "beneficiary_id": beneficiary.pk,
            "code": arrangement.code,
            "status": arrangement.status,
            "user_id": getattr(user, "pk", None),
        },
    )
    return arrangement


def _tag(user, instance, *, reason: str = "") -> None:
    instance._history_user = user
    if reason:
        instance._change_reason = reason


def care_activate(arrangement: CareArrangement, user) -> None:
    """The checker approved the change that proposed it: in force from its start month."""
    if arrangement.status != CareStatus.PENDING:
        return
    # One of the same code still "active" but with its last month before this one's start (an
    # end set when it was proposed) has ended: say so, so only one is in force per code.
    for done in CareArrangement.objects.select_for_update().filter(
        beneficiary_id=arrangement.beneficiary_id,
        code=arrangement.code,
        status=CareStatus.ACTIVE,
        end_month__lt=arrangement.start_month,
    ):
        done.status = CareStatus.ENDED
        _tag(user, done)
        done.save(update_fields=["status"])
    arrangement.status = CareStatus.ACTIVE
    _tag(user, arrangement)
    arrangement.save(update_fields=["status"])
    logger.info(
        "care arrangement activated",
        extra={"care_arrangement_id": arrangement.pk, "user_id": getattr(user, "pk", None)},
    )


def care_reject(arrangement: CareArrangement, user, *, reason: str = "") -> None:
    """The change that proposed it was rejected or withdrawn (or the person stopped first)."""
    if arrangement.status != CareStatus.PENDING:
        return
    arrangement.status = CareStatus.REJECTED
    _tag(user, arrangement, reason=reason)
    arrangement.save(update_fields=["status"])


def care_end(
    arrangement: CareArrangement, user, *, first_month_not_paid: datetime.date, reason: str = ""
) -> None:
    """End an arrangement in force: paid until the month before `first_month_not_paid`. One
    that would end before it started was never paid: it is withdrawn (rejected)."""
    last = add_months(first_month_not_paid, -1)
    if arrangement.end_month is not None and arrangement.end_month <= last:
        last = arrangement.end_month
    if last < arrangement.start_month:
        arrangement.status = CareStatus.REJECTED
    else:
        arrangement.status, arrangement.end_month = CareStatus.ENDED, last
    _tag(user, arrangement, reason=reason)
    arrangement.save(update_fields=["status", "end_month"])
    logger.info(
        "care arrangement ended",
        extra={
            "care_arrangement_id": arrangement.pk,
            "end_month": arrangement.end_month.isoformat() if arrangement.end_month else None,
            "status": arrangement.status,
            "user_id": getattr(user, "pk", None),
        },
    )


def care_follow_stop(change: ChangeRecord, user) -> list[ChangeRecord]:
    """A stop of the person cared for (a death or any reason) is approved: every arrangement in
    force ends with the allowance (last month paid = the stop's effective month - 1), one
    awaiting approval is rejected, and the open care changes are withdrawn (returned, for the
    caller to announce). Call inside the approval's transaction."""
    person = change.beneficiary
    why = _("The person cared for stopped receiving the allowance.")
    for arrangement in CareArrangement.objects.select_for_update().filter(
        beneficiary=person, status__in=[CareStatus.ACTIVE, CareStatus.PENDING]
    ):
        if arrangement.status == CareStatus.ACTIVE:
            care_end(
                arrangement, user, first_month_not_paid=change.effective_month, reason=why[:100]
            )
        else:
            care_reject(arrangement, user, reason=why[:100])
    withdrawn = []
    for open_change in ChangeRecord.objects.select_for_update().filter(
        beneficiary=person,
        kind__in=[ChangeKind.SET_CARE, ChangeKind.END_CARE],
        status__in=OPEN_CHANGE_STATUSES,
    ):
        open_change.status = ChangeStatus.CANCELLED
        open_change.reason_detail = (f"{open_change.reason_detail}\n{why}").strip()
        _tag(user, open_change)
        open_change.save(update_fields=["status", "reason_detail"])
        withdrawn.append(open_change)
    return withdrawn


# The codes that end when the person cared for loses what they need (rules.care requirements).
CODES_NEEDING_CATEGORY = {
    "K1": (CareCode.FOSTER_K1,),
    "K5D": (CareCode.FOSTER_K5D,),
    "K6": (CareCode.HOUSEHOLD_DISABLED, CareCode.FOSTER_DISABLED, CareCode.DISABLED_PARENT),
}


def care_follow_requirements(change: ChangeRecord, user) -> None:
    """A category or disability change is approved: the arrangements in force whose code needs
    what the person loses (K1, K5D or K6 ends; the disability is no longer extremely severe)
    end with it, paid until the month before the change's effective month. Call inside the
    approval's transaction."""
    codes: set[str] = set()
    if change.kind == ChangeKind.CHANGE_CATEGORY and change.old_category_id:
        codes.update(CODES_NEEDING_CATEGORY.get(change.old_category.code, ()))
    level = change.new_disability_level
    if level and level != "extremely_severe":
        codes.update(EXCLUSIVE_CODES)
    if not codes:
        return
    why = _("The person cared for no longer holds what this care support needs.")
    for arrangement in CareArrangement.objects.select_for_update().filter(
        beneficiary_id=change.beneficiary_id, status=CareStatus.ACTIVE, code__in=codes
    ):
        care_end(arrangement, user, first_month_not_paid=change.effective_month, reason=why[:100])


def care_for_person(beneficiary: Beneficiary) -> list[CareArrangement]:
    """The person's arrangements, newest first (for their page)."""
    return list(
        CareArrangement.objects.filter(beneficiary=beneficiary)
        .select_related("carer_beneficiary", "account_provider")
        .order_by("-start_month", "-id")
    )
