"""The rulebook's checks on a person's identity: the personal ID number, the phone, the age.

Pure functions (no database, no settings): each returns a list of
`ValidationError(message, code=BeneficiaryErrorCode...)`, empty when the value is fine. Values are
checked as `beneficiaries.validation` normalises them (NFKC, invisible characters removed).
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code

# The birth-registration province codes of the 12-digit personal ID number (digits 1-3): the
# 63 provinces before the 2025 merger, as listed by Circular 07/2016/TT-BCA (Art. 7 and its
# annex of province codes, carried over by Circular 59/2021/TT-BCA). The code is where the birth
# was registered, so people registered after the 2025 merger keep these codes: never check them
# against the 34 new provinces.
PROVINCE_CODES = frozenset(
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
        "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
        "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
        "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
        "094", "095", "096",
    }
)  # fmt: skip

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

# Civil Code 2015 Art. 20: an adult is a person of full 18 years.
ADULT_AGE = 18


def error(code: Code, message: str) -> ValidationError:
    """One coded refusal, as every rule returns it."""
    return ValidationError(message, code=str(code))


def ascii_digits(value: str) -> bool:
    """Only 0-9: str.isdigit() alone also takes "０" and "٠"."""
    return value.isascii() and value.isdigit()


def id_birth_year(number: str) -> int | None:
    """The birth year a well-formed 12-digit ID number states (digit 4 the century, digits 5-6
    the year), or None when the number does not state one."""
    if not ascii_digits(number or "") or len(number) != 12 or int(number[3]) > 5:
        return None
    return 1900 + 100 * (int(number[3]) // 2) + int(number[4:6])


def check_id_number(
    number: str, date_of_birth: datetime.date | None = None, sex: str | None = None
) -> list[ValidationError]:
    """A 12-digit personal ID: digits 1-3 a birth-registration province code (PROVINCE_CODES),
    digit 4 century and sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s), digits 5-6
    the birth year. An empty number passes (whether one is required is the caller's rule)."""
    if not number:
        return []
    if not ascii_digits(number) or len(number) != 12:
        return [
            error(
                Code.ID_NUMBER_FORMAT,
                _(
                    "The personal ID number must have exactly 12 digits (the number on the CCCD "
                    "card)."
                ),
            )
        ]
    errors = []
    if number[:3] not in PROVINCE_CODES:
        errors.append(
            error(
                Code.ID_NUMBER_PROVINCE,
                _(
                    "The first 3 digits of the ID number (%(code)s) are not a province code: "
                    "check the number on the CCCD card."
                )
                % {"code": number[:3]},
            )
        )
    century_sex = int(number[3])
    if century_sex > 5:
        errors.append(
            error(
                Code.ID_NUMBER_CENTURY,
                _(
                    "The 4th digit of the ID number (%(digit)s) is not a valid century and sex "
                    "code (0 to 5)."
                )
                % {"digit": number[3]},
            )
        )
        return errors
    id_sex = "F" if century_sex % 2 else "M"
    if sex and sex != id_sex:
        errors.append(
            error(
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
    id_year = id_birth_year(number)
    if date_of_birth is not None and id_year != date_of_birth.year:
        errors.append(
            error(
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
            error(
                Code.PHONE_INVALID,
                _(
                    "%(phone)s is not a Vietnamese mobile number: 10 digits starting with 03, "
                    "05, 07, 08 or 09."
                )
                % {"phone": phone},
            )
        ]
    return []


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Full years of age on `day` (a birthday on 29 February counts from 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def youngest_age(number: str, day: datetime.date) -> int | None:
    """The youngest the holder of ID number `number` can be on `day`: the number states only
    the birth year, so this is the age of someone born on 31 December of that year."""
    year = id_birth_year(number)
    if year is None:
        return None
    return age_on(datetime.date(year, 12, 31), day)


def check_adult(
    number: str,
    *,
    today: datetime.date,
    date_of_birth: datetime.date | None = None,
) -> list[ValidationError]:
    """Is the person an adult (18 or over) on `today`?

    Civil Code 2015 Art. 20: an adult is a person of full 18 years; Art. 49: a guardian is an
    adult with full civil capacity; a person who receives money on another's behalf (an
    authorized recipient, the family receiving the funeral support) signs for it and must be one
    too. With a date of birth the age is exact; with only an ID number (recipients have no date
    of birth on record) the number gives the birth year, and the person must be 18 even if born
    on 31 December of it: a person turning 18 later this year is refused until they have (a
    minor must never sign for the allowance)."""
    age = youngest_age(number, today) if date_of_birth is None else age_on(date_of_birth, today)
    if age is None or age >= ADULT_AGE:
        return []
    return [
        error(
            Code.NOT_ADULT,
            _(
                "This person is under 18 (the ID number says born in %(year)s): a recipient, "
                "guardian or payee must be an adult (Civil Code 2015, Art. 20 and 49)."
            )
            % {"year": date_of_birth.year if date_of_birth else id_birth_year(number)},
        )
    ]
