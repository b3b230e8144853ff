"""The allowance policy as pure functions (Decree 20/2021/NĐ-CP, Decree 76/2024/NĐ-CP).

Nothing here touches the database or settings: the reference rows come in as a `PolicyTables`
value (see `beneficiaries.policy_tables.load_policy_tables`), so every rule can be tested on
hand-built tables and the same tables can be reused for a whole payment list.

Conventions:

- A *month* is a `date`; any day names its month (the functions use the first day).
- Money is integer VND. Amount = standard level × coefficient, rounded half-up to whole đồng,
  computed with `Decimal`, never floats.
- Ages are whole years. Which day of the month counts is an `AgeRule`; the policy default is
  the first day of the month (`"first_day"`), the other reading (`"birthday_month"`: a person
  counts as N for the whole month in which they turn N) is one argument away.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, get_args

from django.utils.translation import gettext, gettext_noop

AgeRule = Literal["first_day", "birthday_month"]
AGE_RULES: tuple[str, ...] = get_args(AgeRule)
DEFAULT_AGE_RULE: AgeRule = "first_day"

CHILD_UNDER_AGE = 16  # Decree 20: a child is under 16.
ELDERLY_FROM_AGE = 60  # an elderly person is 60 and over.

# Decree 20 Art. 6 cl. 3 (K4 with cl. 5, 6, 8 of Art. 5): the categories an additive category
# (K4, single parent) is paid on top of. The database only flags K4 as additive.
ADDITIVE_PARTNERS: frozenset[str] = frozenset({"K5A", "K5B", "K5C", "K5D", "K6", "K8"})

CARE_SUPPORT_PREFIX = "CS_"
FUNERAL_CODE = "FUNERAL"

# Why a held category is not paid, or paid on top: msgids marked here, translated when a part is
# built (`gettext`, a plain string in the active language: the amount's explanation).
NOTE_NOT_HIGHEST = gettext_noop("Not paid: only the single highest amount is paid")
NOTE_AGE = gettext_noop("Not eligible by age this month")
NOTE_DISABILITY = gettext_noop("Not eligible: no disability level, or not the required one")
NOTE_CHILDREN = gettext_noop("Not eligible: the number of children being raised is missing")
NOTE_NO_BAND = gettext_noop("No allowance coefficient applies this month")
NOTE_ADDITIVE = gettext_noop(
    "Paid in addition to the highest allowance (Decree 20/2021/NĐ-CP, Art. 6)"
)


class PolicyError(Exception):
    """The reference data cannot answer the question (no level in force, unknown code, …)."""


# --- Inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoefficientBand:
    """One `CategoryCoefficient` row.

    Conditions left empty (None / "") always hold. `max_age` and `valid_to` are exclusive.
    `age_group` is "" (any), "child" (under 16) or "elderly" (60 and over). A `per_child` band
    is multiplied by the number of dependent children. A band with a `variant` applies only when
    that variant is asked for (care support); allowance bands have none.
    """

    category_code: str
    min_age: int | None
    max_age: int | None
    age_group: str
    disability_level: str
    per_child: bool
    variant: str
    coefficient: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None

    def valid_in(self, month: datetime.date) -> bool:
        return self.valid_from <= month and (self.valid_to is None or month < self.valid_to)

    @property
    def has_age_condition(self) -> bool:
        return self.min_age is not None or self.max_age is not None or self.age_group != ""

    def age_holds(self, age: int) -> bool:
        if self.min_age is not None and age < self.min_age:
            return False
        if self.max_age is not None and age >= self.max_age:
            return False
        if self.age_group == "":
            return True
        if self.age_group == "child":
            return age < CHILD_UNDER_AGE
        if self.age_group == "elderly":
            return age >= ELDERLY_FROM_AGE
        raise PolicyError(f"Unknown age group {self.age_group!r} on a {self.category_code} band.")


@dataclass(frozen=True)
class StandardLevelRow:
    """One `StandardLevel` row: national when `province_code` is None."""

    province_code: str | None
    effective_month: datetime.date
    amount: int


@dataclass(frozen=True)
class PolicyTables:
    """Everything the rules read: coefficient bands, standard levels, and the additive rule.

    `additive` maps an additive category ("K4") to the codes it is paid on top of.
    """

    bands: tuple[CoefficientBand, ...]
    levels: tuple[StandardLevelRow, ...]
    additive: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Person:
    """What the rules need to know about a beneficiary.

    `categories` are the category codes held in the month; care-support and funeral codes are
    ignored. `disability_level` is "", "severe" or "extremely_severe".
    """

    date_of_birth: datetime.date
    categories: tuple[str, ...]
    disability_level: str = ""
    dependent_children: int | None = None


# --- Outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementPart:
    """One category the person holds, and whether it is paid.

    `coefficient` and `amount` are what the category would pay on its own (0 when the person
    does not meet its conditions this month); only parts with `paid=True` are in the total.
    `note` says, in Vietnamese, why a part is not paid (or that it is paid on top).
    """

    code: str
    coefficient: Decimal
    amount: int
    paid: bool
    note: str = ""


@dataclass(frozen=True)
class Entitlement:
    """A person's monthly allowance: the total and how it was reached."""

    amount: int
    coefficient: Decimal
    paid_categories: tuple[str, ...]
    standard_level: int
    parts: tuple[EntitlementPart, ...]


# --- Rules --------------------------------------------------------------------------------------


def month_start(month: datetime.date) -> datetime.date:
    """The first day of the month `month` falls in."""
    return month.replace(day=1)


def vnd_amount(standard_level: int, coefficient: Decimal) -> int:
    """standard level × coefficient, rounded half-up to whole đồng."""
    if isinstance(coefficient, float):
        raise TypeError("Coefficients are Decimal, never float.")
    value = Decimal(standard_level) * Decimal(coefficient)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check_rule(rule: str) -> None:
    if rule not in AGE_RULES:
        raise PolicyError(f"Unknown age rule {rule!r}; expected one of {', '.join(AGE_RULES)}.")


def age_in_month(
    date_of_birth: datetime.date, month: datetime.date, rule: AgeRule = DEFAULT_AGE_RULE
) -> int:
    """A person's age in whole years for `month`.

    "first_day": the age on the first day of the month (a person born on the 15th turns N in
    the following month; one born on the 1st turns N in that month).
    "birthday_month": the age on the last day of the month, i.e. N for the whole month in which
    the person turns N.
    The birth month itself counts as age 0; a month before the birth month raises `PolicyError`.
    """
    _check_rule(rule)
    first = month_start(month)
    if first < month_start(date_of_birth):
        raise PolicyError(f"{first:%m/%Y} is before the birth month ({date_of_birth:%m/%Y}).")
    years = first.year - date_of_birth.year
    if rule == "first_day":
        if (first.month, first.day) < (date_of_birth.month, date_of_birth.day):
            years -= 1
        return max(years, 0)
    if first.month < date_of_birth.month:
        years -= 1
    return years


def standard_level(
    tables: PolicyTables, month: datetime.date, province_code: str | None = None
) -> int:
    """The standard level (mức chuẩn) in force in `month` for `province_code`.

    The national row in force is the one with the latest `effective_month` on or before the
    month; likewise the province's own row. A province may only raise the level, so the higher
    of the two is returned (a lower provincial row is ignored). Raises `PolicyError` when
    neither is in force.
    """
    first = month_start(month)
    national = _row_in_force(tables.levels, None, first)
    provincial = _row_in_force(tables.levels, province_code, first) if province_code else None
    amounts = [row.amount for row in (national, provincial) if row is not None]
    if not amounts:
        where = f"province {province_code}" if province_code else "the country"
        raise PolicyError(f"No standard level is in force for {where} in {first:%m/%Y}.")
    return max(amounts)


def _row_in_force(
    levels: Iterable[StandardLevelRow], province_code: str | None, month: datetime.date
) -> StandardLevelRow | None:
    rows = [
        row for row in levels if row.province_code == province_code and row.effective_month <= month
    ]
    return max(rows, key=lambda row: row.effective_month, default=None)


def _bands_for(tables: PolicyTables, code: str, month: datetime.date) -> list[CoefficientBand]:
    return [band for band in tables.bands if band.category_code == code and band.valid_in(month)]


def _band_failures(band: CoefficientBand, person: Person, age: int) -> set[str]:
    """The conditions of an allowance band that do not hold: "age", "disability", "children",
    "variant"."""
    failures = set()
    if band.variant:
        failures.add("variant")
    if not band.age_holds(age):
        failures.add("age")
    if band.disability_level and band.disability_level != person.disability_level:
        failures.add("disability")
    if band.per_child and not person.dependent_children:
        failures.add("children")
    return failures


def _band_value(band: CoefficientBand, person: Person) -> Decimal:
    if band.per_child:
        return band.coefficient * (person.dependent_children or 0)
    return band.coefficient


def category_coefficient(
    tables: PolicyTables,
    code: str,
    person: Person,
    month: datetime.date,
    rule: AgeRule = DEFAULT_AGE_RULE,
) -> Decimal | None:
    """The coefficient `person` gets for allowance category `code` in `month`, or None.

    Among the category's bands valid in the month whose conditions hold (age in
    [min_age, max_age), child/elderly group, disability level), the highest coefficient; a
    per-child band counts once per dependent child (no children: the band does not apply).
    None when no band applies, e.g. K1 at 16, K5C at 79, K6 without a disability level.
    """
    first = month_start(month)
    age = age_in_month(person.date_of_birth, first, rule)
    values = [
        _band_value(band, person)
        for band in _bands_for(tables, code, first)
        if not _band_failures(band, person, age)
    ]
    return max(values, default=None)


def _ineligibility_note(
    tables: PolicyTables, code: str, person: Person, month: datetime.date, rule: AgeRule
) -> str:
    bands = _bands_for(tables, code, month)
    age = age_in_month(person.date_of_birth, month, rule)
    failures = [_band_failures(band, person, age) for band in bands if not band.variant]
    for reason, note in (
        ("age", NOTE_AGE),
        ("children", NOTE_CHILDREN),
        ("disability", NOTE_DISABILITY),
    ):
        if {reason} in failures:
            return gettext(note)
    if any("age" in failure for failure in failures):
        return gettext(NOTE_AGE)
    return gettext(NOTE_NO_BAND)


def _is_allowance_code(code: str) -> bool:
    return not code.startswith(CARE_SUPPORT_PREFIX) and code != FUNERAL_CODE


def monthly_entitlement(
    tables: PolicyTables,
    person: Person,
    month: datetime.date,
    province_code: str | None,
    rule: AgeRule = DEFAULT_AGE_RULE,
) -> Entitlement:
    """The monthly allowance of `person` in `month`, paid in `province_code`.

    Each allowance category held pays standard level × its coefficient (rounded half-up per
    category). A person in several categories is paid only the single highest amount, except
    that an additive category (K4) is paid on top of the highest of its partners (K5*, K6, K8)
    when the person also qualifies for one of them; whichever of the two totals is higher is
    paid (ties go to the single highest). Held categories the person does not qualify for this
    month appear as unpaid parts with a note. Care-support and funeral codes are ignored. No
    payable category: amount 0. Raises `PolicyError` when no standard level is in force.
    """
    first = month_start(month)
    _check_rule(rule)
    level = standard_level(tables, first, province_code)
    codes = tuple(dict.fromkeys(code for code in person.categories if _is_allowance_code(code)))

    coefficients: dict[str, Decimal] = {}
    for code in codes:
        coefficient = category_coefficient(tables, code, person, first, rule)
        if coefficient is not None:
            coefficients[code] = coefficient
    amounts = {code: vnd_amount(level, coefficient) for code, coefficient in coefficients.items()}

    paid = _paid_codes(amounts, tables.additive)
    on_top = set(paid[1:])

    parts = []
    for code in codes:
        if code not in amounts:
            note = _ineligibility_note(tables, code, person, first, rule)
            parts.append(EntitlementPart(code, Decimal(0), 0, False, note))
            continue
        if code not in paid:
            note = gettext(NOTE_NOT_HIGHEST)
        elif code in on_top:
            note = gettext(NOTE_ADDITIVE)
        else:
            note = ""
        parts.append(EntitlementPart(code, coefficients[code], amounts[code], code in paid, note))

    return Entitlement(
        amount=sum((amounts[code] for code in paid), 0),
        coefficient=sum((coefficients[code] for code in paid), Decimal(0)),
        paid_categories=paid,
        standard_level=level,
        parts=tuple(parts),
    )


def _paid_codes(amounts: dict[str, int], additive: dict[str, frozenset[str]]) -> tuple[str, ...]:
    """The codes paid: the single highest amount, or an additive code on top of its best partner,
    whichever totals more. The first code in the tuple is the main one. `amounts` keeps the
    order the person's categories were given in, which breaks ties."""
    if not amounts:
        return ()
    best = max(amounts, key=lambda code: amounts[code])
    options: list[tuple[str, ...]] = [(best,)]
    for code, partners in additive.items():
        held_partners = [partner for partner in amounts if partner in partners]
        if code in amounts and held_partners:
            partner = max(held_partners, key=lambda partner: amounts[partner])
            options.append((partner, code))
    return max(options, key=lambda option: sum(amounts[code] for code in option))


def care_support_amount(
    tables: PolicyTables,
    code: str,
    month: datetime.date,
    province_code: str | None,
    *,
    cared_age: int | None = None,
    cared_date_of_birth: datetime.date | None = None,
    variant: str = "",
    rule: AgeRule = DEFAULT_AGE_RULE,
) -> int:
    """The monthly care support (Decree 20 Art. 20) for a carer, in VND.

    `code` is a CS_* code. The age of the person cared for is `cared_age`, or is computed from
    `cared_date_of_birth` with `rule` (give one, not both); it is needed when the code has
    age-dependent bands (CS_FOSTER_K1, CS_FOSTER_DISABLED). "child" bands apply under 16,
    min/max_age to the age. Bands with a variant apply only when that `variant` is asked for
    ("both_or_two_children" for CS_DISABLED_PARENT); plain bands always do. The highest matching
    band wins. The code itself names the disability condition (Art. 20 covers extremely severe
    disability only), so a band's disability level is not checked again here.
    Raises `PolicyError` for a non-CS code, a missing age, or when nothing applies.
    """
    if not code.startswith(CARE_SUPPORT_PREFIX):
        raise PolicyError(f"{code} is not a care-support code.")
    if cared_age is not None and cared_date_of_birth is not None:
        raise PolicyError("Give the age or the date of birth of the person cared for, not both.")
    first = month_start(month)
    if cared_date_of_birth is not None:
        cared_age = age_in_month(cared_date_of_birth, first, rule)
    else:
        _check_rule(rule)
    level = standard_level(tables, first, province_code)
    bands = [band for band in _bands_for(tables, code, first) if band.variant in ("", variant)]
    if not bands:
        raise PolicyError(f"No care-support coefficient for {code} in {first:%m/%Y}.")
    if cared_age is None and any(band.has_age_condition for band in bands):
        raise PolicyError(f"{code} depends on the age of the person cared for; give it.")
    values = [
        band.coefficient
        for band in bands
        if cared_age is None or band.age_holds(cared_age)  # no age: no band has an age condition
    ]
    if not values:
        raise PolicyError(f"No {code} coefficient applies to age {cared_age} in {first:%m/%Y}.")
    return vnd_amount(level, max(values))


def funeral_support_amount(
    tables: PolicyTables, month: datetime.date, province_code: str | None
) -> int:
    """Funeral support (Decree 20 Art. 11): the FUNERAL coefficient (20) × the standard level in
    force in `month` (the month of death), in VND. Raises `PolicyError` when either is missing."""
    first = month_start(month)
    level = standard_level(tables, first, province_code)
    bands = _bands_for(tables, FUNERAL_CODE, first)
    if not bands:
        raise PolicyError(f"No funeral-support coefficient in {first:%m/%Y}.")
    return vnd_amount(level, max(band.coefficient for band in bands))
