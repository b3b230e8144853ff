"""The rulebook's checks on a care arrangement (Decree 20/2021 Art. 20, care support): who may
care for whom, under which code, for which months.

Pure functions: what needs the database (the person's categories in the start month, their
other arrangements, is the carer's number recorded dead, is the carer this very person on the
register) is looked up by `beneficiaries.services.care_checks` and passed in as facts. Each
returns {field name: [coded ValidationError]}, empty when everything is fine. Field names are
the import's columns where the import has one (`care_code`, `carer_full_name`, ...).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries.care_models import CareCode, CareVariant
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.rules.accounts import ACCOUNT_PROVIDERS, check_account_number
from beneficiaries.rules.identity import (
    ADULT_AGE,
    age_on,
    check_id_number,
    check_phone,
    error,
    id_birth_year,
)

FieldProblems = dict[str, list[ValidationError]]

# CS_DISABLED_PARENT: 9 months of pregnancy and 36 months of raising the child.
DISABLED_PARENT_MAX_MONTHS = 45
# Household care and fostering of the same disabled person exclude each other (Art. 20: the
# support goes to whoever actually cares for them).
EXCLUSIVE_CODES = frozenset({CareCode.HOUSEHOLD_DISABLED, CareCode.FOSTER_DISABLED})
SEVERE_LEVELS = ("severe", "extremely_severe")


@dataclass(frozen=True)
class CareFacts:
    """What a care arrangement is checked against (looked up by the services)."""

    # The person cared for, in the start month.
    categories: frozenset[str]
    disability_level: str
    person_id_numbers: tuple[str, ...] = ()
    # The carer is this very person on the register (carer_beneficiary == beneficiary).
    carer_is_person: bool = False
    carer_recorded_dead: bool = False
    # The person's other arrangements that count (pending, active, ended): (code, start, end).
    others: tuple[tuple[str, datetime.date, datetime.date | None], ...] = ()


@dataclass(frozen=True)
class CareInput:
    """A care arrangement (Decree 20 Art. 20) as typed or stored, the one the rules check: the
    code, the carer (empty for CS_DISABLED_PARENT), the carer's account (none: cash) and, when
    known, its last month. Its first month is the change's effective month or the registration's
    start month. (`beneficiaries.services.inputs` hands it to the services.)"""

    code: str
    variant: str = ""
    carer_full_name: str = ""
    carer_id_number: str = ""
    carer_date_of_birth: datetime.date | None = None
    carer_relationship: str = ""
    carer_phone: str = ""
    account_provider: str = ""
    account_number: str = ""
    end_month: datetime.date | None = None


def _add(problems: FieldProblems, name: str, errors: Iterable[ValidationError]) -> None:
    errors = list(errors)
    if errors:
        problems.setdefault(name, []).extend(errors)


def month_count(start: datetime.date, end: datetime.date) -> int:
    """Months from `start` to `end`, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_overlap(
    a_start: datetime.date,
    a_end: datetime.date | None,
    b_start: datetime.date,
    b_end: datetime.date | None,
) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def carer_adult_errors(
    number: str, *, start_month: datetime.date, date_of_birth: datetime.date | None
) -> list[ValidationError]:
    """The carer is 18 or over on the first day of the start month. With a date of birth the age
    is exact; with only the ID number (its birth year) a year difference under 18 is refused,
    and exactly 18 needs the date of birth: the carer may turn 18 later that year."""
    if date_of_birth is not None:
        if age_on(date_of_birth, start_month) >= ADULT_AGE:
            return []
        return [
            error(
                Code.NOT_ADULT,
                _(
                    "The carer is under 18 on the first day of the start month (born "
                    "%(day)s): a carer must be an adult."
                )
                % {"day": date_of_birth.strftime("%d/%m/%Y")},
            )
        ]
    year = id_birth_year(number)
    if year is None:
        return []
    difference = start_month.year - year
    if difference > ADULT_AGE:
        return []
    if difference == ADULT_AGE:
        return [
            error(
                Code.CARER_BIRTH_DATE_NEEDED,
                _(
                    "The ID number says the carer was born in %(year)s: they turn 18 in the "
                    "start month's year. Enter the carer's date of birth to show they are 18 "
                    "on the first day of the start month."
                )
                % {"year": year},
            )
        ]
    return [
        error(
            Code.NOT_ADULT,
            _(
                "The ID number says the carer was born in %(year)s: they are under 18 in the "
                "start month. A carer must be an adult."
            )
            % {"year": year},
        )
    ]


def _requirement_errors(code: str, facts: CareFacts) -> list[ValidationError]:
    """What the person cared for must hold in the start month for this code."""
    if code == CareCode.FOSTER_K1 and "K1" not in facts.categories:
        return [
            error(
                Code.CARE_REQUIREMENT_NOT_MET,
                _("Fostering a child needs the child to hold category K1 in the start month."),
            )
        ]
    if code == CareCode.FOSTER_K5D and "K5D" not in facts.categories:
        return [
            error(
                Code.CARE_REQUIREMENT_NOT_MET,
                _(
                    "Fostering an elderly person needs them to hold category K5D in the start "
                    "month."
                ),
            )
        ]
    if code in EXCLUSIVE_CODES and not (
        "K6" in facts.categories and facts.disability_level == "extremely_severe"
    ):
        return [
            error(
                Code.CARE_REQUIREMENT_NOT_MET,
                _(
                    "This care support needs the person cared for to hold K6 with an extremely "
                    "severe disability in the start month."
                ),
            )
        ]
    if code == CareCode.DISABLED_PARENT and not (
        "K6" in facts.categories and facts.disability_level in SEVERE_LEVELS
    ):
        return [
            error(
                Code.CARE_REQUIREMENT_NOT_MET,
                _(
                    "This support is for a person holding K6 with a severe or extremely severe "
                    "disability in the start month."
                ),
            )
        ]
    return []


def _carer_errors(care: CareInput, facts: CareFacts, start_month: datetime.date) -> FieldProblems:
    problems: FieldProblems = {}
    if not care.carer_full_name.strip():
        _add(problems, "carer_full_name", [error(Code.REQUIRED, _("Enter the carer's full name."))])
    if not care.carer_relationship.strip():
        _add(
            problems,
            "carer_relationship",
            [
                error(
                    Code.REQUIRED,
                    _("Enter the carer's relationship to the person cared for."),
                )
            ],
        )
    number = care.carer_id_number
    if not number:
        _add(
            problems,
            "carer_id_number",
            [error(Code.REQUIRED, _("Enter the carer's personal ID number."))],
        )
    else:
        found = check_id_number(number, care.carer_date_of_birth)
        if not found and (number in set(facts.person_id_numbers) or facts.carer_is_person):
            found = [
                error(
                    Code.SAME_PERSON_AS_BENEFICIARY,
                    _(
                        "This is the ID number of the person cared for: the carer is another "
                        "person."
                    ),
                )
            ]
        if not found:
            found = carer_adult_errors(
                number, start_month=start_month, date_of_birth=care.carer_date_of_birth
            )
            if facts.carer_recorded_dead:
                found.append(
                    error(
                        Code.RECORDED_DEAD,
                        _(
                            "This ID number belongs to a person recorded as dead in the "
                            "register: they cannot be the carer."
                        ),
                    )
                )
        _add(problems, "carer_id_number", found)
    _add(problems, "carer_phone", check_phone(care.carer_phone))
    if care.account_provider:
        if care.account_provider not in ACCOUNT_PROVIDERS:
            _add(
                problems,
                "care_account_provider",
                [error(Code.PROVIDER_INVALID, _("Choose Viettel Pay or VietinBank."))],
            )
        else:
            _add(
                problems,
                "care_account_number",
                check_account_number(care.account_provider, care.account_number),
            )
    elif care.account_number:
        _add(
            problems,
            "care_account_provider",
            [error(Code.PROVIDER_INVALID, _("Choose the provider of the carer's account."))],
        )
    return problems


def _overlap_errors(
    care: CareInput, facts: CareFacts, start_month: datetime.date
) -> list[ValidationError]:
    for code, start, end in facts.others:
        if not months_overlap(start_month, care.end_month, start, end):
            continue
        if code == care.code:
            return [
                error(
                    Code.CARE_OVERLAP,
                    _(
                        "The person already has an arrangement of this kind (in force or awaiting "
                        "approval) for these months, from %(start)s: end it first."
                    )
                    % {"start": start.strftime("%m/%Y")},
                )
            ]
        if care.code in EXCLUSIVE_CODES and code in EXCLUSIVE_CODES:
            return [
                error(
                    Code.CARE_EXCLUSIVE,
                    _(
                        "Household care and fostering of the same disabled person exclude each "
                        "other: the person already has the other one for these months, from "
                        "%(start)s."
                    )
                    % {"start": start.strftime("%m/%Y")},
                )
            ]
    return []


def care_errors(
    care: CareInput, *, start_month: datetime.date | None, facts: CareFacts
) -> FieldProblems:
    """A care arrangement from `start_month` (None: the caller refuses the missing month):
    a known code (and a variant only for CS_DISABLED_PARENT); the carer (for every code but
    CS_DISABLED_PARENT, where the carer fields and the account must be empty: the disabled
    parent is paid themself) with a name, a relationship, a valid ID number that is not the
    person's, an adult on the first day of the start month (`carer_adult_errors`), not recorded
    dead, a valid phone, an account with Viettel Pay or VietinBank or none (cash); what the
    person cared for must hold in the start month (`_requirement_errors`); the end month not
    before the start (and required, at most 45 months in all, for CS_DISABLED_PARENT); no
    other arrangement of the same code, or of the exclusive household/foster-disabled pair,
    in the same months (`facts.others`: pending ones count)."""
    problems: FieldProblems = {}
    if care.code not in CareCode.values:
        _add(
            problems,
            "care_code",
            [error(Code.CARE_CODE_INVALID, _("Choose the kind of care support."))],
        )
        return problems
    if care.variant and (
        care.code != CareCode.DISABLED_PARENT or care.variant not in CareVariant.values
    ):
        _add(
            problems,
            "care_variant",
            [
                error(
                    Code.CARE_VARIANT_INVALID,
                    _("A variant is only chosen for a disabled parent's support."),
                )
            ],
        )
    if care.code == CareCode.DISABLED_PARENT:
        given = [
            care.carer_full_name.strip(),
            care.carer_id_number,
            care.carer_relationship.strip(),
            care.carer_phone,
            care.account_provider,
            care.account_number,
        ]
        if any(given) or care.carer_date_of_birth:
            _add(
                problems,
                "carer_full_name",
                [
                    error(
                        Code.CARER_NOT_ALLOWED,
                        _(
                            "This support is paid to the disabled parent themself, as their "
                            "allowance is: leave the carer and the carer's account empty."
                        ),
                    )
                ],
            )
        if care.end_month is None:
            _add(
                problems,
                "care_end_month",
                [
                    error(
                        Code.CARE_END_REQUIRED,
                        _(
                            "Enter the last month of this support (at most %(n)s months: 9 of "
                            "pregnancy and 36 of raising the child)."
                        )
                        % {"n": DISABLED_PARENT_MAX_MONTHS},
                    )
                ],
            )
    elif start_month is not None:
        for name, found in _carer_errors(care, facts, start_month).items():
            _add(problems, name, found)
    if start_month is None:
        return problems
    _add(problems, "care_code", _requirement_errors(care.code, facts))
    if care.end_month is not None:
        if care.end_month < start_month:
            _add(
                problems,
                "care_end_month",
                [
                    error(
                        Code.CARE_END_BEFORE_START,
                        _("The last month cannot be before the first month (%(month)s).")
                        % {"month": start_month.strftime("%m/%Y")},
                    )
                ],
            )
        elif (
            care.code == CareCode.DISABLED_PARENT
            and month_count(start_month, care.end_month) > DISABLED_PARENT_MAX_MONTHS
        ):
            _add(
                problems,
                "care_end_month",
                [
                    error(
                        Code.CARE_TOO_LONG,
                        _(
                            "This support runs %(n)s months at most (9 of pregnancy and 36 of "
                            "raising the child)."
                        )
                        % {"n": DISABLED_PARENT_MAX_MONTHS},
                    )
                ],
            )
    _add(problems, "care_code", _overlap_errors(care, facts, start_month))
    return problems


def care_end_errors(
    *,
    start_month: datetime.date,
    end_month: datetime.date | None,
    first_month_not_paid: datetime.date | None,
) -> list[ValidationError]:
    """Ending an arrangement from `first_month_not_paid`: after its first month (an arrangement
    never paid is withdrawn, not ended), and not after an end it already has."""
    if first_month_not_paid is None:
        return []
    if end_month is not None and first_month_not_paid > end_month:
        return [
            error(
                Code.CARE_ALREADY_ENDS,
                _("The arrangement already ends after %(month)s.")
                % {"month": end_month.strftime("%m/%Y")},
            )
        ]
    if first_month_not_paid <= start_month:
        return [
            error(
                Code.CARE_END_BEFORE_START,
                _(
                    "The arrangement is paid from %(month)s: it can end from the month after at "
                    "the earliest."
                )
                % {"month": start_month.strftime("%m/%Y")},
            )
        ]
    return []
