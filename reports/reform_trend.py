"""The coverage trend across the 2025 administrative reform.

A 2025-10 unit of a reformed province has no snapshots before the reform: its months before the
effective month are the 2025-01 communes', re-aggregated onto the new communes the reform put
their people on. A whole old commune (every person moved to one new commune) counts with its
snapshots under that commune. An old commune split between several new ones is shared out per
PERSON, by where the reform put each of them (their worklist assignment; one still waiting counts
under the default commune until assigned): a new commune that is not the default gets the
figures of its own people, from the month's payment lines (counts and amounts) and the register
(active, with an account, through a recipient: the snapshot's definitions, read for those
people); the default commune gets the old commune's snapshot less the others' shares. So every
new commune's old months are the sum over the people the reform put there, and the province's
total across the reform is the old snapshots' exactly (what no person accounts for, such as a
register figure that changed since the month's snapshot, stays with the default commune).
Those months' completeness is the old closing units' (the districts).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from beneficiaries.models import ReformRun, ReformWorklistItem
from org.models import AdministrativeUnit, CodeVersion, UnitLevel
from reports.completeness import Completeness, completeness


@dataclass(frozen=True)
class SplitShare:
    """What of a split old commune counts under the unit."""

    people: frozenset[int]  # its people the reform put under the unit
    others: frozenset[int]  # its people the reform put on a new commune elsewhere
    takes_rest: bool  # its default commune is under the unit: the snapshot less `others`


@dataclass(frozen=True)
class Predecessors:
    old_communes: list[int]  # 2025-01 communes whose snapshots count whole under the unit
    effective_month: datetime.date
    done: Completeness  # the old closing units' lists, month by month
    split: dict[int, SplitShare] = field(default_factory=dict)  # old commune id -> its share

    @property
    def all_old(self) -> list[int]:
        return [*self.old_communes, *self.split]


def predecessors(unit: AdministrativeUnit) -> Predecessors | None:
    """The old communes a 2025-10 unit's trend re-aggregates, whole or per person (None if not
    reformed). Three queries, and one more for the worklist of the split communes."""
    if unit.code_version != CodeVersion.TWO_TIER:
        return None
    run = ReformRun.objects.filter(province_code=unit.province_code).first()
    if run is None:
        return None
    under = set(
        AdministrativeUnit.objects.filter(
            path__startswith=unit.path, level=UnitLevel.COMMUNE
        ).values_list("id", flat=True)
    )
    whole, split_old = [], []
    for old, news in run.correspondence.items():
        if not news or not under.intersection(news):
            continue
        if set(news) <= under:  # every new commune it went to is under the unit
            whole.append(int(old))
        else:
            split_old.append(int(old))
    split: dict[int, SplitShare] = {}
    if split_old:
        people: dict[int, tuple[set, set]] = {o: (set(), set()) for o in split_old}
        for old, person, assigned, default in ReformWorklistItem.objects.filter(
            run=run, old_commune_id__in=split_old
        ).values_list(
            "old_commune_id", "beneficiary_id", "assigned_commune_id", "default_commune_id"
        ):
            mine, others = people[old]
            (mine if (assigned or default) in under else others).add(person)
        for old in split_old:
            mine, others = people[old]
            default = run.correspondence[str(old)][0]
            split[old] = SplitShare(frozenset(mine), frozenset(others), default in under)
    if not whole and not split:
        return None
    province = AdministrativeUnit.objects.get(
        code_version=CodeVersion.THREE_TIER, level=UnitLevel.PROVINCE, code=unit.province_code
    )
    return Predecessors(
        old_communes=whole,
        effective_month=run.effective_month,
        done=completeness(province, active_only=False),
        split=split,
    )
