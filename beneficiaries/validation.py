"""Checks on what officers type, as pure functions returning coded Vietnamese messages.

Each check returns a list of `ValidationError(message, code=BeneficiaryErrorCode...)`: the same
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
from providers.models import ProviderCode

# Mobile prefixes since the 2018 renumbering (10 digits). Viettel owns these:
VIETTEL_PREFIXES = (
    "086",
    "096",
    "097",
    "098",
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
)
# re.ASCII: \d would otherwise match any script's digits ("٠٩١٢...").
MOBILE_RE = re.compile(r"^0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$", re.ASCII)
VIETINBANK_RE = re.compile(r"^\d{9,14}$", re.ASCII)
CATEGORY_CODES = ("K1", "K2", "K3", "K4", "K5A", "K5B", "K5C", "K5D", "K6", "K7", "K8")
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


def ascii_digits(value: str) -> bool:
    """Only 0-9: str.isdigit() alone also takes "０" and "٠"."""
    return value.isascii() and value.isdigit()


def _error(code: Code, message: str) -> ValidationError:
    return ValidationError(message, code=str(code))


def check_id_number(
    number: str, date_of_birth: datetime.date | None, sex: str | None
) -> list[ValidationError]:
    """A 12-digit personal ID: digits 1-3 the birth-registration province, digit 4 century and
    sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s), digits 5-6 the birth year."""
    if not number:
        return []
    if not ascii_digits(number) or len(number) != 12:
        return [
            _error(
                Code.ID_NUMBER_FORMAT,
                _(
                    "The personal ID number must have exactly 12 digits (the number on the CCCD "
                    "card)."
                ),
            )
        ]
    errors = []
    century_sex = int(number[3])
    if century_sex > 5:
        errors.append(
            _error(
                Code.ID_NUMBER_CENTURY,
                _(
                    "The 4th digit of the ID number (%(digit)s) is not a valid century and sex "
                    "code (0 to 5)."
                )
                % {"digit": number[3]},
            )
        )
        return errors
    century = 1900 + 100 * (century_sex // 2)
    id_sex = "F" if century_sex % 2 else "M"
    if sex and sex != id_sex:
        errors.append(
            _error(
                Code.ID_NUMBER_SEX_MISMATCH,
                _(
                    "The ID number says %(id_sex)s (4th digit %(digit)s), but the person is "
                    "entered as %(sex)s."
                )
                % {
                    "id_sex": _("female") if id_sex == "F" else _("male"),
                    "digit": number[3],
                    "sex": _("female") if sex == "F" else _("male"),
                },
            )
        )
    if date_of_birth is not None:
        id_year = century + int(number[4:6])
        if id_year != date_of_birth.year:
            errors.append(
                _error(
                    Code.ID_NUMBER_YEAR_MISMATCH,
                    _(
                        "The ID number says born in %(id_year)s (digits 4-6: %(digits)s), but "
                        "the date of birth is in %(year)s."
                    )
                    % {"id_year": id_year, "digits": number[3:6], "year": date_of_birth.year},
                )
            )
    return errors


def check_phone(phone: str) -> list[ValidationError]:
    if not phone:
        return []
    if not MOBILE_RE.match(phone):
        return [
            _error(
                Code.PHONE_INVALID,
                _(
                    "%(phone)s is not a Vietnamese mobile number: 10 digits starting with 03, "
                    "05, 07, 08 or 09."
                )
                % {"phone": phone},
            )
        ]
    return []


def check_account_number(provider_code: str, number: str) -> list[ValidationError]:
    """Viettel Pay wallets are keyed by a Viettel mobile number; VietinBank accounts are 9 to 14
    digits. VNPost pays cash and takes no account."""
    if provider_code == ProviderCode.VIETTELPAY:
        if not MOBILE_RE.match(number or ""):
            return [
                _error(
                    Code.ACCOUNT_NUMBER_INVALID,
                    _("A Viettel Pay wallet number is the holder's 10-digit mobile number."),
                )
            ]
        if not number.startswith(VIETTEL_PREFIXES):
            return [
                _error(
                    Code.ACCOUNT_NOT_VIETTEL,
                    _(
                        "%(number)s is not a Viettel number (086, 096, 097, 098, 032–039): a "
                        "Viettel Pay wallet needs one."
                    )
                    % {"number": number},
                )
            ]
        return []
    if provider_code == ProviderCode.VIETINBANK:
        if not VIETINBANK_RE.match(number or ""):
            return [
                _error(
                    Code.ACCOUNT_NUMBER_INVALID,
                    _("A VietinBank account number has 9 to 14 digits, nothing else."),
                )
            ]
        return []
    if provider_code == ProviderCode.VNPOST:
        return [
            _error(
                Code.PROVIDER_HAS_NO_ACCOUNT, _("VNPost pays in cash: it has no account to record.")
            )
        ]
    return [
        _error(
            Code.PROVIDER_INVALID,
            _("Unknown payment provider %(code)s.") % {"code": provider_code},
        )
    ]


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


def check_category_requirements(
    categories: list[str], *, disability_level: str, dependent_children: int | None
) -> dict[str, list[ValidationError]]:
    """Fields a category requires: a disability level for K6, a number of children for K4.
    Returns errors keyed by the field they belong to."""
    errors: dict[str, list[ValidationError]] = {}
    if "K6" in categories and not disability_level:
        errors["disability_level"] = [
            _error(
                Code.DISABILITY_LEVEL_REQUIRED,
                _("Category K6 needs the disability level (severe or extremely severe)."),
            )
        ]
    if "K4" in categories and not dependent_children:
        errors["dependent_children"] = [
            _error(
                Code.DEPENDENT_CHILDREN_REQUIRED,
                _("Category K4 needs the number of children being raised (at least 1)."),
            )
        ]
    return errors


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)
