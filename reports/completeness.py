"""How complete a month is on a dashboard: of the closing units it covers, how many have closed
the month's list.

A dashboard of a province adds up districts (three-tier) or the province's own list (two-tier);
a month in which one district of nine has closed is not a month in which 8 % were paid. The
closing units of a dashboard are the units that close lists for its communes (the communes'
parents); one takes part in a month once it has a period for that month or an earlier one (it
has gone live). Payment figures (paid through an account, in cash) are only measured against
the people of units that have closed the month: a unit without a list is "no list yet", never
0 %.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from org.models import AdministrativeUnit, CodeVersion, UnitLevel
from org.roles import closing_unit_id_of
from payments.models import PaymentPeriod, PeriodStatus

CLOSED = frozenset({PeriodStatus.CLOSED, PeriodStatus.SUBMITTED, PeriodStatus.RECONCILED})

# What a unit's list of the month is: none yet, generated but not closed, closed.
NO_LIST, OPEN, CLOSED_LIST = "none", "open", "closed"


@dataclass(frozen=True)
class MonthCompleteness:
    month: datetime.date
    level: str  # the closing units' level (district, or province / commune in two-tier data)
    taking_part: frozenset[int]  # closing units live by this month
    closed: frozenset[int]
    listed: frozenset[int]  # closing units with a generated list (closed or not)

    @property
    def total(self) -> int:
        return len(self.taking_part)

    @property
    def closed_count(self) -> int:
        return len(self.closed & self.taking_part)

    @property
    def complete(self) -> bool:
        return bool(self.taking_part) and self.taking_part <= self.closed

    def state_of(self, units: set[int] | frozenset[int]) -> str:
        """The state of the list(s) of these closing units: closed when all are closed, none
        when none has a list, open otherwise."""
        if units and units <= self.closed:
            return CLOSED_LIST
        if not units & self.listed:
            return NO_LIST
        return OPEN

    def summary(self) -> str:
        """ "3/9 huyện đã chốt 12/2026", or "Chưa có danh sách tháng 12/2026"."""
        month = f"{self.month:%m/%Y}"
        if not self.taking_part:
            return _("No list yet for %(month)s") % {"month": month}
        params = {"closed": self.closed_count, "total": self.total, "month": month}
        if self.level == UnitLevel.DISTRICT:
            return _("%(closed)s/%(total)s districts have closed %(month)s") % params
        if self.level == UnitLevel.COMMUNE:
            return _("%(closed)s/%(total)s communes have closed %(month)s") % params
        return _("%(closed)s/%(total)s provinces have closed %(month)s") % params


@dataclass
class Completeness:
    """The closing units of a dashboard's unit and the state of their periods, month by month."""

    units: dict[int, tuple[str, str]]  # closing unit id -> (its level, its path)
    first_month: dict[int, datetime.date]  # closing unit id -> its first period
    closed: dict[datetime.date, set[int]] = field(default_factory=lambda: defaultdict(set))
    listed: dict[datetime.date, set[int]] = field(default_factory=lambda: defaultdict(set))

    def month(self, month: datetime.date) -> MonthCompleteness:
        levels = sorted({level for level, _path in self.units.values()})
        return MonthCompleteness(
            month=month,
            level=levels[0] if len(levels) == 1 else UnitLevel.DISTRICT,
            taking_part=frozenset(u for u, first in self.first_month.items() if first <= month),
            closed=frozenset(self.closed.get(month, ())),
            listed=frozenset(self.listed.get(month, ())),
        )

    def units_of(self, unit: AdministrativeUnit) -> set[int]:
        """The closing units of the communes at or under `unit`."""
        if unit.level == UnitLevel.COMMUNE:
            closing = closing_unit_id_of(unit)
            return {closing} if closing in self.units else set()
        return {pk for pk, (_level, path) in self.units.items() if path.startswith(unit.path)}

    def latest_complete_month(self) -> datetime.date | None:
        """The latest month every closing unit live by then has closed; else the latest month
        any of them closed; else None."""
        months = sorted(self.closed, reverse=True)
        for month in months:
            if self.month(month).complete:
                return month
        return months[0] if months else None


def completeness(unit: AdministrativeUnit, *, active_only: bool = True) -> Completeness:
    """The closing units of the communes at or under `unit` (org.roles: for a three-tier
    commune its district, a two-tier commune itself), and their periods. Two queries.
    `active_only=False` also counts abolished communes' units (the months before the 2025
    reform: reports.reform_trend)."""
    communes = AdministrativeUnit.objects.filter(
        path__startswith=unit.path, level=UnitLevel.COMMUNE
    )
    if active_only:
        communes = communes.filter(active=True)
    rows = AdministrativeUnit.objects.filter(
        Q(pk__in=communes.filter(code_version=CodeVersion.THREE_TIER).values("parent_id"))
        | Q(pk__in=communes.filter(code_version=CodeVersion.TWO_TIER).values("pk"))
    ).values_list("id", "level", "path")
    units = {pk: (level, path) for pk, level, path in rows}
    result = Completeness(units=units, first_month={})
    for unit_id, month, status, generated_at in PaymentPeriod.objects.filter(
        unit_id__in=list(units)
    ).values_list("unit_id", "month", "status", "payment_list__generated_at"):
        if unit_id not in result.first_month or month < result.first_month[unit_id]:
            result.first_month[unit_id] = month
        if status in CLOSED:
            result.closed[month].add(unit_id)
        if status in CLOSED or generated_at is not None:
            result.listed[month].add(unit_id)
    return result
