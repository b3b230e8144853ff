"""What age will change in a person's allowance: pure, on the policy engine's own rules.

`next_age_change` walks the months in which the person turns a year older and asks
`beneficiaries.policy.monthly_entitlement` for each, so whatever the coefficient bands say (K1
ends at 16, K5A goes from 1.5 to 2.0 at 80, K6 becomes "elderly" at 60, …) is what it finds;
nothing about ages is written here twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from beneficiaries.policy import (
    AgeRule,
    Entitlement,
    Person,
    PolicyError,
    PolicyTables,
    age_in_month,
    monthly_entitlement,
)
from core.months import add_months

# How many birthdays ahead to look: far enough for a newborn to reach 80, not for ever.
MAX_YEARS_AHEAD = 90


@dataclass(frozen=True)
class CategoryShift:
    """One held category whose coefficient changes (None: the person no longer qualifies)."""

    code: str
    before: Decimal | None
    after: Decimal | None


@dataclass(frozen=True)
class AgeChange:
    """From `month` (the person is `age` then) the paid coefficient and amount change."""

    month: datetime.date
    age: int
    shifts: tuple[CategoryShift, ...]
    coefficient_before: Decimal
    coefficient_after: Decimal
    amount_before: int
    amount_after: int


def _coefficients(result: Entitlement) -> dict[str, Decimal | None]:
    return {part.code: (part.coefficient if part.amount else None) for part in result.parts}


def first_month_at_age(date_of_birth: datetime.date, age: int, rule: AgeRule) -> datetime.date:
    """The first month in which a person counts as `age` years old under the age rule."""
    month = add_months(date_of_birth.replace(day=1), max(12 * age - 1, 0))
    while age_in_month(date_of_birth, month, rule) < age:
        month = add_months(month, 1)
    return month


def next_age_change(
    tables: PolicyTables,
    person: Person,
    month: datetime.date,
    province_code: str | None,
    rule: AgeRule,
) -> AgeChange | None:
    """The first month after `month` in which age alone changes what `person` is paid: a
    category's coefficient changes or the person stops (or starts) qualifying for it. The other
    facts (categories, disability, children) are held as they are in `month`, so only age moves
    (amounts use the standard level in force in each month). None when no change comes within
    MAX_YEARS_AHEAD years, or when the rules cannot price the person."""
    first = month.replace(day=1)
    try:
        now = monthly_entitlement(tables, person, first, province_code, rule)
        age = age_in_month(person.date_of_birth, first, rule)
    except PolicyError:
        return None
    before = _coefficients(now)
    for years in range(age + 1, age + 1 + MAX_YEARS_AHEAD):
        candidate = first_month_at_age(person.date_of_birth, years, rule)
        if candidate <= first:
            continue
        try:
            then = monthly_entitlement(tables, person, candidate, province_code, rule)
        except PolicyError:
            return None
        after = _coefficients(then)
        if after == before:
            continue
        shifts = tuple(
            CategoryShift(code, before.get(code), after.get(code))
            for code in dict.fromkeys([*before, *after])
            if before.get(code) != after.get(code)
        )
        return AgeChange(
            month=candidate,
            age=years,
            shifts=shifts,
            coefficient_before=now.coefficient,
            coefficient_after=then.coefficient,
            amount_before=now.amount,
            amount_after=then.amount,
        )
    return None
