"""The coverage trend across the 2025 administrative reform.

A 2025-10 unit of a reformed province has no snapshots before the reform: its months before the
effective month are the snapshots of the 2025-01 communes, re-aggregated onto the new communes
through the correspondence the reform applied (beneficiaries.ReformRun.correspondence). An old
commune split between several new ones counts, whole, under its DEFAULT new commune (the
snapshot is per commune, not per person: the people's actual assignments are not used), and the
dashboard says so. Those months' completeness is the old closing units' (the districts).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from beneficiaries.models import ReformRun
from org.models import AdministrativeUnit, CodeVersion, UnitLevel
from reports.completeness import Completeness, completeness


@dataclass(frozen=True)
class Predecessors:
    old_communes: list[int]  # the 2025-01 communes whose figures count under the unit
    effective_month: datetime.date
    done: Completeness  # the old closing units' lists, month by month
    split_by_default: bool  # some of them were split: counted under their default commune


def predecessors(unit: AdministrativeUnit) -> Predecessors | None:
    """The old communes a 2025-10 unit's trend re-aggregates (None if not reformed)."""
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
    old = [int(o) for o, news in run.correspondence.items() if news and news[0] in under]
    if not old:
        return None
    split = any(len(news) > 1 for o, news in run.correspondence.items() if int(o) in set(old))
    province = AdministrativeUnit.objects.get(
        code_version=CodeVersion.THREE_TIER, level=UnitLevel.PROVINCE, code=unit.province_code
    )
    return Predecessors(
        old_communes=old,
        effective_month=run.effective_month,
        done=completeness(province, active_only=False),
        split_by_default=split,
    )
