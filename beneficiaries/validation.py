"""Checks on what officers type, as pure functions returning coded Vietnamese messages.

The rulebook (`beneficiaries.rules`) holds the checks on identity, people, accounts and
categories; this module keeps the normalisation of typed numbers and the checks of dates. Each
check returns a list of `ValidationError(message, code=BeneficiaryErrorCode...)`: the same
checks serve the browser forms and the import, so a bad value gets the same message (and code)
wherever it comes from. Database checks (a duplicate ID anywhere) live in the services.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code

# The rulebook's checks, where the forms and older callers look for them.
from beneficiaries.rules import (  # noqa: F401
    CATEGORY_CODES,
    MOBILE_RE,
    VIETINBANK_RE,
    VIETTEL_PREFIXES,
    ascii_digits,
    check_account_number,
    check_category_requirements,
    check_id_number,
    check_phone,
)

MAX_AGE = 130


def normalize_text_digits(value: str) -> str:
    """What a number typed or pasted becomes before it is checked, compared or stored: Unicode
    NFKC (fullwidth "０４６" -> "046"), with invisible characters (zero-width spaces and joiners,
    the BOM, direction marks: Unicode category Cf) and whitespace removed. Anything that is still
    not an ASCII digit stays, for the checks to refuse (Arabic-Indic digits, letters)."""
    value = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in value if not c.isspace() and unicodedata.category(c) != "Cf")


def normalize_phone(phone: str) -> str:
    """ " 0912.345.678 ", "+84 912 345 678", "84912345678" -> "0912345678"."""
    digits = re.sub(r"[.\-()]", "", normalize_text_digits(phone))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def normalize_id_number(number: str) -> str:
    return normalize_text_digits(number)


def _error(code: Code, message: str) -> ValidationError:
    return ValidationError(message, code=str(code))


def check_person_dates(
    *, date_of_birth: datetime.date | None, today: datetime.date
) -> list[ValidationError]:
    if date_of_birth is None:
        return []
    if date_of_birth > today:
        return [_error(Code.DATE_OF_BIRTH_FUTURE, _("The date of birth is in the future."))]
    if today.year - date_of_birth.year > MAX_AGE:
        return [
            _error(
                Code.DATE_OF_BIRTH_TOO_OLD,
                _("The date of birth gives an age over %(max)s years.") % {"max": MAX_AGE},
            )
        ]
    return []


def check_decision(
    *,
    decision_date: datetime.date | None,
    date_of_birth: datetime.date | None,
    today: datetime.date,
) -> list[ValidationError]:
    if decision_date is None:
        return []
    if date_of_birth is not None and decision_date < date_of_birth:
        return [
            _error(
                Code.DECISION_BEFORE_BIRTH, _("The decision is dated before the person was born.")
            )
        ]
    if decision_date > today:
        return [_error(Code.DECISION_DATE_FUTURE, _("The decision date is in the future."))]
    return []


def check_start_month(
    *,
    start_month: datetime.date | None,
    decision_date: datetime.date | None,
    date_of_birth: datetime.date | None,
) -> list[ValidationError]:
    """The allowance starts in the month the decision is signed, never before birth."""
    if start_month is None:
        return []
    if date_of_birth is not None and start_month < date_of_birth.replace(day=1):
        return [
            _error(
                Code.START_BEFORE_BIRTH, _("The allowance cannot start before the person was born.")
            )
        ]
    if decision_date is not None and start_month < decision_date.replace(day=1):
        return [
            _error(
                Code.START_BEFORE_DECISION,
                _("The allowance starts in the month the decision is signed (%(month)s) or later.")
                % {"month": decision_date.strftime("%m/%Y")},
            )
        ]
    return []


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)
