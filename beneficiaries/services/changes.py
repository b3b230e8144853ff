"""Changes to an existing beneficiary under maker-checker: a commune officer records, submits or
cancels; a district officer above the commune approves or rejects; an approved change is applied
from its effective month (at once, or by `changes_apply_due` when that month comes).

Applying is one function per change kind, chosen from `APPLIERS`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries import validation
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    CareStatus,
    Category,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
    FuneralSupport,
    MonthMoved,
)
from beneficiaries.policy import funeral_support_amount
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.care import (
    care_activate,
    care_end,
    care_follow_requirements,
    care_follow_stop,
    care_reject,
    care_write,
)
from beneficiaries.services.checks import (
    OPEN_STATUSES,
    change_errors,
    check_decision_file,
    check_funeral_payee,
    death_effective_month,
    require_checker,
    require_maker,
    tag,
)
from beneficiaries.services.closed_months import first_open_month
from beneficiaries.services.inputs import ChangeInput, care_normalized
from beneficiaries.services.registration import account_write
from beneficiaries.services.rulebook import stored_change_errors
from beneficiaries.signals import change_decided
from core.errors import AppError, FieldErrors
from core.months import add_months

logger = logging.getLogger(__name__)


def _log_decision(event: str, change: ChangeRecord, user) -> None:
    logger.info(
        event,
        extra={
            "change_id": change.pk,
            "kind": change.kind,
            "commune_code": change.commune.code,
            "status": change.status,
            "user_id": getattr(user, "pk", None),
        },
    )


# --- The maker: record, submit, cancel -------------------------------------------------------


@transaction.atomic(durable=True)
def change_record_create(
    *,
    beneficiary: Beneficiary,
    data: ChangeInput,
    maker,
    submit: bool = True,
    decision_file: UploadedFile | None = None,
    source: str = ChangeSource.OFFICER,
    today: datetime.date | None = None,
) -> ChangeRecord:
    """Record a change (stop, suspend, resume, category, disability, move, recipient, account,
    care arrangement set or ended).

    Nothing about the beneficiary changes until a district officer approves. A new recipient,
    account or care arrangement is written inert (inactive / pending) and linked to the change.
    Raises AppError (coded, by field) or AppForbidden (NOT_MAKER).
    """
    today = today or timezone.localdate()
    data = replace(data, care=care_normalized(data.care))
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_maker(maker, beneficiary.commune)
    errors = change_errors(beneficiary=beneficiary, data=data, today=today)
    errors.extend("decision_file", check_decision_file(decision_file))
    errors.raise_if_any()

    effective = (
        death_effective_month(data.date_of_death)
        if data.reason == ChangeReason.DEATH
        else data.effective_month
    )
    requested = effective
    effective = first_open_month(
        kind=data.kind, reason=data.reason, commune_id=beneficiary.commune_id, month=effective
    )
    recipient = None
    account = None
    if data.kind == ChangeKind.SET_RECIPIENT:
        recipient = AuthorizedRecipient(
            beneficiary=beneficiary,
            kind=data.recipient.kind,
            full_name=" ".join(data.recipient.full_name.split()),
            id_number=data.recipient.id_number,
            relationship=data.recipient.relationship.strip(),
            phone=data.recipient.phone,
            valid_from=effective,
            active=False,
        )
        tag(maker, recipient)
        recipient.save()
    elif data.kind == ChangeKind.REMOVE_RECIPIENT:
        recipient = beneficiary.recipients.get(active=True)
    if data.kind == ChangeKind.SET_ACCOUNT:
        account = account_write(
            beneficiary=beneficiary,
            recipient=beneficiary.recipients.filter(active=True).first(),
            data=data.account,
            status=AccountStatus.PENDING,
            opened_on=None,
            user=maker,
        )
    elif data.kind == ChangeKind.CLOSE_ACCOUNT:
        account = beneficiary.accounts.get(status=AccountStatus.ACTIVE)
    care = None
    if data.kind == ChangeKind.SET_CARE:
        care = care_write(
            beneficiary=beneficiary,
            care=data.care,
            start_month=effective,
            status=CareStatus.PENDING,
            decision_number=data.decision_number,
            decision_date=data.decision_date,
            user=maker,
        )
    elif data.kind == ChangeKind.END_CARE:
        care = beneficiary.care_arrangements.get(pk=data.care_arrangement_id)
    change = ChangeRecord(
        beneficiary=beneficiary,
        commune=beneficiary.commune,
        kind=data.kind,
        reason=data.reason,
        reason_detail=data.reason_detail.strip(),
        effective_month=effective,
        requested_month=requested if effective != requested else None,
        month_moved=MonthMoved.LIST_CLOSED if effective != requested else "",
        date_of_death=data.date_of_death if data.reason == ChangeReason.DEATH else None,
        funeral_payee_name=data.funeral_payee_name.strip(),
        funeral_payee_id_number=data.funeral_payee_id_number,
        funeral_payee_relationship=data.funeral_payee_relationship.strip(),
        decision_number=data.decision_number.strip(),
        decision_date=data.decision_date,
        status=ChangeStatus.SUBMITTED if submit else ChangeStatus.DRAFT,
        source=source,
        old_category=Category.objects.get(code=data.old_category) if data.old_category else None,
        new_category=Category.objects.get(code=data.new_category) if data.new_category else None,
        new_disability_level=data.new_disability_level,
        new_commune=data.new_commune,
        recipient=recipient,
        account=account,
        care_arrangement=care,
        maker=maker,
        submitted_at=timezone.now() if submit else None,
    )
    if decision_file is not None:
        change.decision_file = decision_file
    tag(maker, change)
    change.save()
    _log_decision("change recorded", change, maker)
    return change


@transaction.atomic(durable=True)
def change_record_submit(
    *, change: ChangeRecord, user, funeral_payee: dict[str, str] | None = None
) -> ChangeRecord:
    """Send a draft (or a system proposal) to the district for approval. A death proposed by
    the population database check may come without the funeral support's payee: the officer
    gives it here (`funeral_payee`: name, id_number, relationship)."""
    change = ChangeRecord.objects.select_for_update().get(pk=change.pk)
    require_maker(user, change.commune)
    if change.status not in (ChangeStatus.DRAFT, ChangeStatus.PROPOSED):
        raise AppError(Code.NOT_SUBMITTABLE, _("Only a draft or a proposal can be submitted."))
    death = change.kind == ChangeKind.STOP and change.reason == ChangeReason.DEATH
    if death:
        if funeral_payee is not None:
            change.funeral_payee_name = " ".join(funeral_payee.get("name", "").split())[:120]
            change.funeral_payee_id_number = validation.normalize_id_number(
                funeral_payee.get("id_number", "")
            )
            change.funeral_payee_relationship = funeral_payee.get("relationship", "").strip()[:60]
        # The rulebook's funeral-payee rule, whether the payee came now or with the proposal.
        errors = FieldErrors()
        check_funeral_payee(
            errors,
            deceased=change.beneficiary,
            name=change.funeral_payee_name,
            id_number=change.funeral_payee_id_number,
            relationship=change.funeral_payee_relationship,
            today=timezone.localdate(),
        )
        errors.raise_if_any()
    change.status = ChangeStatus.SUBMITTED
    change.submitted_at = timezone.now()
    if change.maker_id is None:
        change.maker = user  # the officer who takes up a system proposal becomes its maker
    tag(user, change)
    change.save()
    _log_decision("change submitted", change, user)
    return change


@transaction.atomic(durable=True)
def change_record_cancel(*, change: ChangeRecord, user) -> ChangeRecord:
    """Withdraw a draft, a proposal or a change still waiting; whatever it had written stays
    inert (a new recipient stays inactive, a new account is closed)."""
    change = ChangeRecord.objects.select_for_update().get(pk=change.pk)
    require_maker(user, change.commune)
    if change.status not in OPEN_STATUSES:
        raise AppError(Code.NOT_OPEN, _("Only an open change can be cancelled."))
    change.status = ChangeStatus.CANCELLED
    tag(user, change)
    change.save()
    _discard_inert_rows(change, user)
    _log_decision("change cancelled", change, user)
    change_decided.send(sender=ChangeRecord, change=change)
    return change


def _discard_inert_rows(change: ChangeRecord, user) -> None:
    if change.kind == ChangeKind.REGISTER:
        beneficiary = change.beneficiary
        beneficiary.status = BeneficiaryStatus.REJECTED
        tag(user, beneficiary)
        beneficiary.save(update_fields=["status", "updated_at"])
        for recipient in beneficiary.recipients.filter(active=True):
            recipient.active = False
            tag(user, recipient)
            recipient.save(update_fields=["active"])
    if change.kind in (ChangeKind.SET_ACCOUNT, ChangeKind.REGISTER) and change.account_id:
        account = change.account
        if account.status == AccountStatus.PENDING:
            account.status = AccountStatus.CLOSED
            account.closed_on = timezone.localdate()
            tag(user, account)
            account.save(update_fields=["status", "closed_on"])
    if change.kind in (ChangeKind.SET_CARE, ChangeKind.REGISTER) and change.care_arrangement_id:
        care_reject(change.care_arrangement, user)


# --- The checker: reject, approve -----------------------------------------------------------


@transaction.atomic(durable=True)
def change_record_reject(*, change: ChangeRecord, rejected_by, reason: str) -> ChangeRecord:
    """Reject a submitted change with a reason the commune officer will read."""
    change = ChangeRecord.objects.select_for_update().select_related("commune").get(pk=change.pk)
    require_checker(rejected_by, change)
    if change.status != ChangeStatus.SUBMITTED:
        raise AppError(Code.NOT_WAITING, _("This change is not waiting for a decision."))
    if not reason.strip():
        raise AppError(
            Code.REJECTION_REASON_REQUIRED,
            _("Say why the change is rejected."),
            field="rejection_reason",
        )
    change.status = ChangeStatus.REJECTED
    change.checker = rejected_by
    change.decided_at = timezone.now()
    change.rejection_reason = reason.strip()
    tag(rejected_by, change)
    change.save()
    _discard_inert_rows(change, rejected_by)
    _log_decision("change rejected", change, rejected_by)
    change_decided.send(sender=ChangeRecord, change=change)
    return change


@transaction.atomic(durable=True)
def change_record_approve(
    *, change: ChangeRecord, approved_by, today: datetime.date | None = None
) -> ChangeRecord:
    """Approve a submitted change and apply it to the beneficiary from its effective month.

    Raises AppForbidden for anyone but a district officer above the commune who is not the
    maker, and AppError if the change no longer fits (e.g. it was decided meanwhile).
    """
    change = (
        ChangeRecord.objects.select_for_update(of=("self",))
        .select_related(
            "beneficiary",
            "commune",
            "new_category",
            "old_category",
            "recipient",
            "account",
            "care_arrangement",
        )
        .get(pk=change.pk)
    )
    require_checker(approved_by, change)
    if change.status != ChangeStatus.SUBMITTED:
        raise AppError(Code.NOT_WAITING, _("This change is not waiting for a decision."))
    today = today or timezone.localdate()
    problems = stored_change_errors(change, today=today)
    if problems:
        logger.info(
            "change approval refused by the rulebook",
            extra={
                "change_id": change.pk,
                "kind": change.kind,
                "codes": sorted({e.code for found in problems.by_field.values() for e in found}),
                "user_id": approved_by.pk,
            },
        )
        problems.raise_if_any()
    change.status = ChangeStatus.APPROVED
    change.checker = approved_by
    change.decided_at = timezone.now()
    if change.kind == ChangeKind.STOP and change.reason == ChangeReason.DEATH:
        # Due from the next list whenever the stop itself takes effect.
        _create_funeral_support(change, change.beneficiary, approved_by)
    withdrawn = []
    if change.kind == ChangeKind.STOP:
        # Care support ends with the allowance, in this transaction, whenever the stop applies.
        withdrawn = care_follow_stop(change, approved_by)
    if change.kind in (ChangeKind.CHANGE_CATEGORY, ChangeKind.CHANGE_DISABILITY):
        care_follow_requirements(change, approved_by)
    # A change takes effect from its month: one dated in a later month waits for
    # changes_apply_due (run daily by beat). Registrations apply at once: the person is paid
    # from the start month in any case, and so are care arrangements, by their months.
    if change.kind in APPLY_AT_ONCE or change.effective_month <= today.replace(day=1):
        change_apply(change=change, user=approved_by, today=today)
        change.applied_at = timezone.now()
    tag(approved_by, change)
    change.save()
    _log_decision("change approved", change, approved_by)
    change_decided.send(sender=ChangeRecord, change=change)
    for other in withdrawn:
        _log_decision("change cancelled", other, approved_by)
        change_decided.send(sender=ChangeRecord, change=other)
    return change


def change_records_approve_bulk(
    *, changes: Iterable[ChangeRecord], approved_by, today: datetime.date | None = None
) -> tuple[int, list[str]]:
    """Approve several changes, each in its own transaction: one that fails does not stop the
    others. Returns the number approved and a message per failure."""
    approved, failures = 0, []
    for change in changes:
        try:
            change_record_approve(change=change, approved_by=approved_by, today=today)
            approved += 1
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            failures.append(f"{change.beneficiary.full_name}: {' '.join(messages)}")
    return approved, failures


def _create_funeral_support(change: ChangeRecord, b: Beneficiary, user) -> FuneralSupport:
    """20 × the standard level of the month of death, due in the next list."""
    support = FuneralSupport(
        beneficiary=b,
        change=change,
        amount=funeral_support_amount(
            load_policy_tables(), change.date_of_death.replace(day=1), b.commune.province_code
        ),
        month_due=change.effective_month,
        payee_name=change.funeral_payee_name,
        payee_id_number=change.funeral_payee_id_number,
        payee_relationship=change.funeral_payee_relationship,
    )
    tag(user, support)
    support.save()
    return support


# --- Applying an approved change ------------------------------------------------------------


def changes_apply_due(*, today: datetime.date | None = None) -> int:
    """Apply the approved changes whose effective month has come (in month, then decision
    order), each in its own transaction. Returns how many were applied."""
    today = today or timezone.localdate()
    due = ChangeRecord.objects.filter(
        status=ChangeStatus.APPROVED,
        applied_at__isnull=True,
        effective_month__lte=today.replace(day=1),
    ).order_by("effective_month", "decided_at", "id")
    applied = 0
    for change_id in due.values_list("id", flat=True):
        with transaction.atomic(durable=True):
            change = (
                ChangeRecord.objects.select_for_update(of=("self",))
                .select_related(
                    "beneficiary", "checker", "new_category", "old_category", "recipient", "account"
                )
                .get(pk=change_id)
            )
            if change.applied_at is not None:
                continue
            change_apply(change=change, user=change.checker, today=today)
            change.applied_at = timezone.now()
            tag(change.checker, change)
            change.save(update_fields=["applied_at"])
            applied += 1
    if applied:
        logger.info("due changes applied", extra={"applied": applied, "today": today.isoformat()})
    return applied


def change_apply(*, change: ChangeRecord, user, today: datetime.date) -> None:
    """Apply an approved change to its beneficiary from the change's effective month: the
    function for its kind (see APPLIERS) says what to write; the rows are saved with `user` as
    the history author. Call inside the transaction that marks the change applied."""
    b = Beneficiary.objects.select_for_update().get(pk=change.beneficiary_id)
    dirty = APPLIERS[change.kind](change, b, user, change.effective_month, today)
    for instance in dirty:
        tag(user, instance)
        instance.save()


# One function per kind: (change, beneficiary, user, effective month, today) -> rows to save.
Applier = Callable[[ChangeRecord, Beneficiary, object, datetime.date, datetime.date], list]


def _apply_register(change, b, user, month, today) -> list:
    b.status = BeneficiaryStatus.ACTIVE
    if change.account_id and change.account.status == AccountStatus.PENDING:
        _activate_account(change.account, b, user, month)
    if change.care_arrangement_id:
        care_activate(change.care_arrangement, user)
    return [b]


def _apply_stop(change, b, user, month, today) -> list:
    b.status = BeneficiaryStatus.STOPPED
    b.end_month = add_months(month, -1)
    dirty: list = [b]
    for row in b.categories.filter(active=True):
        row.active, row.end_month = False, b.end_month
        dirty.append(row)
    if change.reason == ChangeReason.DEATH:
        b.date_of_death = change.date_of_death
    return dirty


def _apply_suspend(change, b, user, month, today) -> list:
    b.status = BeneficiaryStatus.SUSPENDED
    return [b]


def _apply_resume(change, b, user, month, today) -> list:
    b.status = BeneficiaryStatus.ACTIVE
    return [b]


def _apply_change_category(change, b, user, month, today) -> list:
    dirty: list = []
    if change.old_category_id:
        for row in b.categories.filter(active=True, category=change.old_category):
            row.active, row.end_month = False, add_months(month, -1)
            dirty.append(row)
    if change.new_category_id:
        dirty.append(
            BeneficiaryCategory(
                beneficiary=b,
                category=change.new_category,
                decision_number=change.decision_number,
                decision_date=change.decision_date or today,
                start_month=month,
            )
        )
    if change.new_disability_level:
        b.disability_level = change.new_disability_level
        dirty.append(b)
    return dirty


def _apply_change_disability(change, b, user, month, today) -> list:
    b.disability_level = change.new_disability_level
    return [b]


def _apply_move(change, b, user, month, today) -> list:
    # The old commune stops paying from M, the new one pays from M+1 (see payments).
    b.commune = change.new_commune
    return [b]


def _apply_set_recipient(change, b, user, month, today) -> list:
    dirty: list = []
    for old in b.recipients.filter(active=True).exclude(pk=change.recipient_id):
        old.active, old.valid_to = False, month - datetime.timedelta(days=1)
        dirty.append(old)
        _close_accounts_of(old, user, month)
    new = change.recipient
    new.active, new.valid_from = True, month
    dirty.append(new)
    return dirty


def _apply_remove_recipient(change, b, user, month, today) -> list:
    old = change.recipient
    old.active, old.valid_to = False, month - datetime.timedelta(days=1)
    _close_accounts_of(old, user, month)
    return [old]


def _apply_set_account(change, b, user, month, today) -> list:
    _activate_account(change.account, b, user, month)
    return []


def _apply_close_account(change, b, user, month, today) -> list:
    account = change.account
    account.status, account.closed_on = AccountStatus.CLOSED, month
    return [account]


def _apply_set_care(change, b, user, month, today) -> list:
    care_activate(change.care_arrangement, user)
    return []


def _apply_end_care(change, b, user, month, today) -> list:
    care_end(change.care_arrangement, user, first_month_not_paid=month)
    return []


# Applied on approval whatever the month: the rows carry their own months.
APPLY_AT_ONCE = frozenset({ChangeKind.REGISTER, ChangeKind.SET_CARE, ChangeKind.END_CARE})

APPLIERS: dict[str, Applier] = {
    ChangeKind.REGISTER: _apply_register,
    ChangeKind.STOP: _apply_stop,
    ChangeKind.SUSPEND: _apply_suspend,
    ChangeKind.RESUME: _apply_resume,
    ChangeKind.CHANGE_CATEGORY: _apply_change_category,
    ChangeKind.CHANGE_DISABILITY: _apply_change_disability,
    ChangeKind.MOVE: _apply_move,
    ChangeKind.SET_RECIPIENT: _apply_set_recipient,
    ChangeKind.REMOVE_RECIPIENT: _apply_remove_recipient,
    ChangeKind.SET_ACCOUNT: _apply_set_account,
    ChangeKind.CLOSE_ACCOUNT: _apply_close_account,
    ChangeKind.SET_CARE: _apply_set_care,
    ChangeKind.END_CARE: _apply_end_care,
}


def _activate_account(account: PaymentAccount, b: Beneficiary, user, month: datetime.date) -> None:
    for old in b.accounts.filter(status=AccountStatus.ACTIVE).exclude(pk=account.pk):
        old.status, old.closed_on = AccountStatus.CLOSED, month
        tag(user, old)
        old.save()
    account.status = AccountStatus.ACTIVE
    account.opened_on = account.opened_on or month
    tag(user, account)
    account.save()


def _close_accounts_of(recipient: AuthorizedRecipient, user, month: datetime.date) -> None:
    """An account in a former recipient's name must not keep receiving the allowance."""
    for account in recipient.accounts.filter(
        status__in=[AccountStatus.ACTIVE, AccountStatus.PENDING]
    ):
        account.status, account.closed_on = AccountStatus.CLOSED, month
        tag(user, account)
        account.save()
