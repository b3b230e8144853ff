"""The rulebook (`beneficiaries.rules`) with the register's facts looked up: is this ID number
recorded dead, which numbers are the beneficiary's own, does the account already pay someone,
which policy tables and age rule are in force. Registration, every change kind, the import and
the portal call these (through `checks`), so one rule gives one code on every door.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import AccountHolder, AccountStatus, PaymentAccount
from beneficiaries import rules
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeKind, ChangeReason, ChangeRecord, ChangeStatus
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.inputs import AccountInput, ChangeInput, RecipientInput
from core.errors import FieldErrors


def add_problems(errors: FieldErrors, problems: dict[str, list[ValidationError]]) -> None:
    """Collect a rule's {field: [coded errors]} into `errors`."""
    for name, found in problems.items():
        errors.extend(name, found)


def id_number_recorded_dead(number: str) -> bool:
    """Does this ID number (current or old CMND) belong to someone the register records as dead
    (a date of death, or an approved stop for death)? Only a number made of ASCII digits is
    looked up: anything else is refused by the format rule, and PostgreSQL refuses a NUL."""
    if not (number and rules.ascii_digits(number)):
        return False
    return (
        Beneficiary.objects.filter(Q(id_number=number) | Q(legacy_id_number=number))
        .filter(
            Q(date_of_death__isnull=False)
            | Q(
                changes__kind=ChangeKind.STOP,
                changes__reason=ChangeReason.DEATH,
                changes__status=ChangeStatus.APPROVED,
            )
        )
        .exists()
    )


def own_id_numbers(beneficiary: Beneficiary) -> tuple[str, ...]:
    """The numbers that identify the beneficiary themselves (the ID and the old CMND)."""
    return tuple(n for n in (beneficiary.id_number, beneficiary.legacy_id_number) if n)


def check_recipient(
    errors: FieldErrors,
    recipient: RecipientInput,
    *,
    today: datetime.date,
    beneficiary_id_numbers: tuple[str, ...] = (),
    prefix: str = "recipient_",
) -> None:
    """The rulebook's recipient rule (`rules.recipient_errors`), with the register's answer to
    "is this ID number recorded dead?"."""
    add_problems(
        errors,
        rules.recipient_errors(
            recipient,
            today=today,
            beneficiary_id_numbers=beneficiary_id_numbers,
            recorded_dead=id_number_recorded_dead(recipient.id_number),
            prefix=prefix,
        ),
    )


def check_funeral_payee(
    errors: FieldErrors,
    *,
    deceased: Beneficiary,
    name: str,
    id_number: str,
    relationship: str,
    today: datetime.date,
) -> None:
    """The rulebook's funeral-payee rule (`rules.funeral_payee_errors`) for `deceased`."""
    add_problems(
        errors,
        rules.funeral_payee_errors(
            name=name,
            id_number=id_number,
            relationship=relationship,
            today=today,
            deceased_id_numbers=own_id_numbers(deceased),
            recorded_dead=id_number_recorded_dead(id_number),
        ),
    )


def check_account(
    errors: FieldErrors, account: AccountInput, *, has_recipient: bool, prefix: str = "account_"
) -> None:
    """The rulebook's account rule, and no account that already pays another beneficiary in
    their own name (ACCOUNT_TAKEN)."""
    problems = rules.account_errors(
        provider_code=account.provider_code,
        account_number=account.account_number,
        holder=account.holder,
        has_recipient=has_recipient,
        prefix=prefix,
    )
    add_problems(errors, problems)
    if (
        not problems
        and account.holder == AccountHolder.BENEFICIARY
        and PaymentAccount.objects.filter(
            provider__code=account.provider_code,
            account_number=account.account_number,
            status__in=[AccountStatus.ACTIVE, AccountStatus.PENDING],
            holder=AccountHolder.BENEFICIARY,
        ).exists()
    ):
        errors.add(
            f"{prefix}number",
            Code.ACCOUNT_TAKEN,
            _(
                "This account already receives the allowance of another beneficiary in "
                "their own name."
            ),
        )


def changed_category_errors(
    beneficiary: Beneficiary,
    categories: list[str],
    disability_level: str,
    month: datetime.date | None,
) -> list[ValidationError]:
    """`rules.category_age_errors` for `beneficiary` with these categories and disability level
    in `month` (a change's effective month): CATEGORY_AGE, as at registration."""
    return rules.category_age_errors(
        tables=load_policy_tables(),
        categories=categories,
        date_of_birth=beneficiary.date_of_birth,
        month=month,
        disability_level=disability_level,
        dependent_children=beneficiary.dependent_children,
        age_rule=settings.TROCAP_AGE_RULE,
    )


def check_disability_change(
    errors: FieldErrors, beneficiary: Beneficiary, data: ChangeInput
) -> None:
    """A new disability level must leave the categories that applied still applying (a K6
    person changed to a level no K6 band pays is refused with CATEGORY_AGE, as at
    registration)."""
    held = list(beneficiary.categories.filter(active=True).values_list("category__code", flat=True))
    before = {
        e.message
        for e in changed_category_errors(
            beneficiary, held, beneficiary.disability_level, data.effective_month
        )
    }
    errors.extend(
        "new_disability_level",
        [
            e
            for e in changed_category_errors(
                beneficiary, held, data.new_disability_level, data.effective_month
            )
            if e.message not in before
        ],
    )


def stored_change_errors(change: ChangeRecord, *, today: datetime.date) -> FieldErrors:
    """The rulebook run again on a change as it is stored, when the checker decides: the new
    recipient or guardian (a registration's or a recipient change's), the funeral payee of a
    death, the new category in its effective month, the care arrangement of a registration or a
    SET_CARE (its code, carer and months) or the arrangement an END_CARE ends. A change recorded
    before a rule existed, or whose facts changed since (the guardian has died), is refused with
    the same codes."""
    errors = FieldErrors()
    person = change.beneficiary
    if change.kind in (ChangeKind.REGISTER, ChangeKind.SET_RECIPIENT) and change.recipient_id:
        stored = change.recipient
        check_recipient(
            errors,
            RecipientInput(
                kind=stored.kind,
                full_name=stored.full_name,
                id_number=stored.id_number,
                relationship=stored.relationship,
                phone=stored.phone,
            ),
            today=today,
            beneficiary_id_numbers=own_id_numbers(person),
        )
    if change.kind == ChangeKind.STOP and change.reason == ChangeReason.DEATH:
        check_funeral_payee(
            errors,
            deceased=person,
            name=change.funeral_payee_name,
            id_number=change.funeral_payee_id_number,
            relationship=change.funeral_payee_relationship,
            today=today,
        )
    if change.kind == ChangeKind.CHANGE_CATEGORY and change.new_category_id:
        errors.extend(
            "new_category",
            changed_category_errors(
                person,
                [change.new_category.code],
                change.new_disability_level or person.disability_level,
                change.effective_month,
            ),
        )
    if change.care_arrangement_id:
        # The care rule (services.care, which reads this module's lookups).
        from beneficiaries.services.care import stored_care_errors

        stored_care_errors(change, errors)
    return errors
