"""The rulebook's checks on the people who receive money for a beneficiary: an authorized
recipient or guardian, and the family member who receives the funeral support.

Pure functions: whatever needs the database (is this ID number recorded dead? whose record is
this?) is looked up by the services and passed in as a fact. Each returns
{field name: [coded ValidationError]}, empty when everything is fine.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.rules.identity import check_adult, check_id_number, check_phone, error

RECIPIENT_KINDS = ("authorized", "guardian")

FieldProblems = dict[str, list[ValidationError]]


class RecipientLike(Protocol):
    kind: str
    full_name: str
    id_number: str
    relationship: str
    phone: str


def _add(problems: FieldProblems, name: str, errors: list[ValidationError]) -> None:
    if errors:
        problems.setdefault(name, []).extend(errors)


def _payee_identity(
    number: str,
    *,
    today: datetime.date,
    beneficiary_id_numbers: Collection[str],
    recorded_dead: bool,
    same_person_message: str,
) -> list[ValidationError]:
    """A valid ID number of a living adult who is not the beneficiary."""
    problems = check_id_number(number)
    if problems:
        return problems
    if number in {n for n in beneficiary_id_numbers if n}:
        return [error(Code.SAME_PERSON_AS_BENEFICIARY, same_person_message)]
    problems = check_adult(number, today=today)
    if recorded_dead:
        problems.append(
            error(
                Code.RECORDED_DEAD,
                _(
                    "This ID number belongs to a person recorded as dead in the register: "
                    "the money cannot be paid to them."
                ),
            )
        )
    return problems


def recipient_errors(
    recipient: RecipientLike,
    *,
    today: datetime.date,
    beneficiary_id_numbers: Collection[str] = (),
    recorded_dead: bool = False,
    prefix: str = "recipient_",
) -> FieldProblems:
    """An authorized recipient or guardian: a kind, a name, a relationship, a valid ID number
    (required, with a real province code), an adult on `today` (see `check_adult`), not the
    beneficiary (`beneficiary_id_numbers`: the beneficiary's own ID numbers, current and
    legacy), not recorded dead (`recorded_dead`: the services' lookup), and a valid phone."""
    problems: FieldProblems = {}
    if recipient.kind not in RECIPIENT_KINDS:
        _add(
            problems,
            f"{prefix}kind",
            [error(Code.RECIPIENT_KIND_INVALID, _("Choose authorized recipient or guardian."))],
        )
    if not recipient.full_name.strip():
        _add(
            problems,
            f"{prefix}full_name",
            [error(Code.REQUIRED, _("Enter the recipient's full name."))],
        )
    if not recipient.relationship.strip():
        _add(
            problems,
            f"{prefix}relationship",
            [error(Code.REQUIRED, _("Enter the recipient's relationship to the beneficiary."))],
        )
    if not recipient.id_number:
        _add(
            problems,
            f"{prefix}id_number",
            [error(Code.REQUIRED, _("Enter the recipient's personal ID number."))],
        )
    else:
        _add(
            problems,
            f"{prefix}id_number",
            _payee_identity(
                recipient.id_number,
                today=today,
                beneficiary_id_numbers=beneficiary_id_numbers,
                recorded_dead=recorded_dead,
                same_person_message=_(
                    "This is the beneficiary's own ID number: a recipient or guardian is "
                    "another person."
                ),
            ),
        )
    _add(problems, f"{prefix}phone", check_phone(recipient.phone))
    return problems


def funeral_payee_errors(
    *,
    name: str,
    id_number: str,
    relationship: str,
    today: datetime.date,
    deceased_id_numbers: Collection[str] = (),
    recorded_dead: bool = False,
) -> FieldProblems:
    """Who receives the funeral support (20 × the standard level, often paid in cash at the
    post office against a signature): a name, a valid ID number (required: the post office's
    list identifies the payee by it), a relationship to the deceased, an adult on `today`, not
    the deceased (`deceased_id_numbers`) and not recorded dead."""
    problems: FieldProblems = {}
    if not name.strip():
        _add(
            problems,
            "funeral_payee_name",
            [error(Code.REQUIRED, _("Enter who receives the funeral support."))],
        )
    if not id_number:
        _add(
            problems,
            "funeral_payee_id_number",
            [
                error(
                    Code.REQUIRED,
                    _("Enter the personal ID number of who receives the funeral support."),
                )
            ],
        )
    else:
        _add(
            problems,
            "funeral_payee_id_number",
            _payee_identity(
                id_number,
                today=today,
                beneficiary_id_numbers=deceased_id_numbers,
                recorded_dead=recorded_dead,
                same_person_message=_(
                    "This is the deceased's own ID number: the funeral support is paid to a "
                    "family member."
                ),
            ),
        )
    if not relationship.strip():
        _add(
            problems,
            "funeral_payee_relationship",
            [
                error(
                    Code.REQUIRED,
                    _("Enter the relationship of who receives the funeral support."),
                )
            ],
        )
    return problems
