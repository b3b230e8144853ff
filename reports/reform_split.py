"""A split old commune's months before the 2025 reform, shared out per person onto the new
communes the reform put its people on (the rule: reports.reform_trend)."""

from __future__ import annotations

import datetime

from core.months import add_months
from org.models import AdministrativeUnit
from reports.coverage import FIELDS, _filter, people_figures
from reports.models import CoverageSnapshot
from reports.reform_trend import Predecessors


def split_rows(
    before: Predecessors,
    first: datetime.date,
    last: datetime.date,
    provider: str = "",
    category: str = "",
) -> list[dict]:
    """One row per split old commune and month from `first` to `last` (before the reform) that
    has a snapshot: {"month", "commune__parent_id", "commune_id", *FIELDS}, the figures of its
    people under the unit; for the unit holding its default commune, the snapshot less the
    people put elsewhere. Rows as coverage.trend reads its snapshots (the old commune and its
    district, for the completeness of the month)."""
    end = min(last, add_months(before.effective_month, -1))
    if end < first:
        return []
    key = (provider or "", category or "")
    parents = dict(
        AdministrativeUnit.objects.filter(pk__in=list(before.split)).values_list("id", "parent_id")
    )
    snapshots = {
        (row["commune_id"], row["month"]): row
        for row in CoverageSnapshot.objects.filter(
            _filter(provider, category),
            commune_id__in=list(before.split),
            month__gte=first,
            month__lte=end,
        ).values("commune_id", "month", *FIELDS)
    }
    rows = []
    for old, share in sorted(before.split.items()):
        group = share.others if share.takes_rest else share.people
        if not group and not share.takes_rest:
            continue
        this = first
        while this <= end:
            base = snapshots.get((old, this))
            if base is not None:
                figures = people_figures(old, group, this).get(key) or dict.fromkeys(FIELDS, 0)
                if share.takes_rest:
                    cell = {name: base[name] - figures[name] for name in FIELDS}
                else:
                    cell = {name: figures[name] for name in FIELDS}
                rows.append(
                    {"month": this, "commune__parent_id": parents[old], "commune_id": old, **cell}
                )
            this = add_months(this, 1)
    return rows
