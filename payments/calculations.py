"""What one person is owed on one month's list: pure functions, no database.

`payments.services.payment_list_generate` loads everything a closing unit needs in a fixed
number of queries, turns each beneficiary into a `PersonState`, and calls `compute_line` here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from beneficiaries.policy import (
    Person,
    PolicyError,
    PolicyTables,
    monthly_entitlement,
    standard_level,
)
from core.months import add_months, months_between
from org.text import format_vnd

MAX_ARREARS_MONTHS = 36


@dataclass(frozen=True)
class CategorySpan:
    code: str
    start: datetime.date
    end: datetime.date | None  # inclusive

    def holds(self, month: datetime.date) -> bool:
        return self.start <= month and (self.end is None or month <= self.end)


@dataclass
class PersonState:
    """A beneficiary as of the list's month, with the approved changes of that month applied."""

    id: int
    full_name: str
    id_number: str
    date_of_birth: datetime.date
    commune_id: int
    status: str  # active / suspended / stopped
    start_month: datetime.date | None
    end_month: datetime.date | None
    disability_level: str
    dependent_children: int | None
    phone: str = ""
    search_name: str = ""
    categories: list[CategorySpan] = field(default_factory=list)
    # months in which the person is owed nothing whatever their status (the month of a move)
    gap_months: set[datetime.date] = field(default_factory=set)
    # (effective month, "stop" | "suspend" | "resume") of approved changes, for past months
    status_events: list[tuple[datetime.date, str]] = field(default_factory=list)

    def codes_in(self, month: datetime.date) -> tuple[str, ...]:
        return tuple(sorted({c.code for c in self.categories if c.holds(month)}))

    def status_in(self, month: datetime.date) -> str:
        """The status in a month, replaying the approved status changes up to it."""
        if not self.status_events:
            return self.status
        status = "active"
        for effective, kind in sorted(self.status_events):
            if effective <= month:
                status = {"stop": "stopped", "suspend": "suspended", "resume": "active"}[kind]
        return status

    def owed_in(self, month: datetime.date) -> bool:
        """Owed the allowance for this month (paid now, or later as arrears when suspended)."""
        if self.start_month is None or month < self.start_month:
            return False
        if self.end_month is not None and month > self.end_month:
            return False
        if month in self.gap_months:
            return False
        return self.status_in(month) in ("active", "suspended")


@dataclass(frozen=True)
class Entitled:
    amount: int
    coefficient: Decimal
    codes: tuple[str, ...]
    explanation: str
    # Why the policy tables cannot price the person (no standard level, no band in force for a
    # held category): the amount is 0 and must not be taken for an answer.
    problem: str = ""


def entitlement(
    tables: PolicyTables, person: PersonState, month: datetime.date, province_code: str, rule: str
) -> Entitled:
    codes = person.codes_in(month)
    if not codes:
        return Entitled(0, Decimal(0), (), "")
    try:
        result = monthly_entitlement(
            tables,
            Person(
                date_of_birth=person.date_of_birth,
                categories=codes,
                disability_level=person.disability_level,
                dependent_children=person.dependent_children,
            ),
            month,
            province_code,
            rule,
        )
    except PolicyError as exc:
        return Entitled(
            0, Decimal(0), codes, "", problem=_policy_problem(tables, month, province_code, exc)
        )
    if result.amount == 0:
        unpriced = [
            p.code
            for p in result.parts
            if not any(b.category_code == p.code and b.valid_in(month) for b in tables.bands)
        ]
        if unpriced:
            return Entitled(
                0,
                Decimal(0),
                codes,
                "",
                problem=_("No coefficient band of %(codes)s is in force in %(month)s.")
                % {"codes": ", ".join(unpriced), "month": f"{month:%m/%Y}"},
            )
    paid = [p for p in result.parts if p.paid]
    explanation = " + ".join(f"{p.code} ×{str(p.coefficient).replace('.', ',')}" for p in paid)
    if paid:
        explanation += f" × {format_vnd(result.standard_level)}"
    return Entitled(result.amount, result.coefficient, result.paid_categories or codes, explanation)


def _policy_problem(
    tables: PolicyTables, month: datetime.date, province_code: str, exc: PolicyError
) -> str:
    try:
        standard_level(tables, month.replace(day=1), province_code)
    except PolicyError:
        return _("No standard level is in force in %(month)s.") % {"month": f"{month:%m/%Y}"}
    return _("The policy tables cannot price this person: %(error)s") % {"error": exc}


@dataclass(frozen=True)
class ArrearsMonth:
    month: datetime.date
    amount: int


def arrears(
    tables: PolicyTables,
    person: PersonState,
    window_start: datetime.date | None,
    month: datetime.date,
    paid: dict[datetime.date, int],
    province_code: str,
    rule: str,
    problems: list[str] | None = None,
) -> list[ArrearsMonth]:
    """The unpaid months from `window_start` to the month before `month`: for each month the
    person was owed, what they were entitled to minus what the closed lists already paid. A
    month the rules cannot price adds its reason to `problems` (when given)."""
    if window_start is None or window_start >= month:
        return []
    first = max(window_start, add_months(month, -MAX_ARREARS_MONTHS))
    out = []
    for m in months_between(first, add_months(month, -1)):
        if not person.owed_in(m):
            continue
        owed = entitlement(tables, person, m, province_code, rule)
        if owed.problem and problems is not None:
            problems.append(owed.problem)
        due = owed.amount - paid.get(m, 0)
        if due > 0:
            out.append(ArrearsMonth(m, due))
    return out


def format_months(months: Iterable[datetime.date]) -> str:
    """ "2026-08;2026-09": the arrears_months column of the CSV contract."""
    return ";".join(f"{m:%Y-%m}" for m in months)
