"""The payment lists across the 2025 administrative reform (beneficiaries.reform).

While people of a split commune wait in the reform worklist, no list of the province for the
effective month or later is generated. A new closing unit's first list reads the arrears window
from the last lists its predecessors (the old closing units of the province) closed, and a change
entered on a new commune for a month its predecessors' lists closed moves to the next open month
(`predecessor_closing_unit_ids`, read by payments.selectors.last_closed_month_of_commune).
"""

from __future__ import annotations

import datetime
import logging

from django.db.models import Max
from django.utils.translation import gettext as _

from beneficiaries.reform import reform_waiting_count
from beneficiaries.reform_models import ReformRun
from core.errors import AppError
from org.models import AdministrativeUnit, CodeVersion, UnitLevel
from payments.errors import PaymentErrorCode
from payments.models import LineArrear, PaymentLine, PaymentList, PaymentPeriod, PeriodStatus
from payments.signals import period_figures_changed_on_commit

logger = logging.getLogger(__name__)


def require_reform_worklist_empty(unit: AdministrativeUnit, month: datetime.date) -> None:
    """AppError REFORM_WORKLIST_WAITING while the unit's province has people in a reform
    worklist for this month (its effective month or later)."""
    waiting = reform_waiting_count(province_code=unit.province_code, month=month)
    if waiting:
        raise AppError(
            PaymentErrorCode.REFORM_WORKLIST_WAITING,
            _(
                "%(count)s people of split communes still wait for their new commune in the "
                "administrative reform worklist: no list of this month can be generated until "
                "they are assigned."
            ),
            params={"count": waiting},
        )


def previous_close(unit: AdministrativeUnit, month: datetime.date) -> datetime.datetime | None:
    """When the unit last closed a list before `month`; for a 2025-10 unit of a reformed
    province with no closed list of its own, the earliest of its predecessors' last closes (an
    earlier start only widens the arrears window: what closed lists paid is subtracted)."""
    before = {"period__month__lt": month, "closed_at__isnull": False}
    own = (
        PaymentList.objects.filter(period__unit=unit, **before)
        .order_by("-period__month")
        .values_list("closed_at", flat=True)
        .first()
    )
    if own is not None or unit.code_version != CodeVersion.TWO_TIER:
        return own
    if not ReformRun.objects.filter(province_code=unit.province_code).exists():
        return None
    old_units = AdministrativeUnit.objects.filter(
        path__startswith=f"{CodeVersion.THREE_TIER}/{unit.province_code}/",
        level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT],
    )
    lasts = (
        PaymentList.objects.filter(period__unit__in=old_units, **before)
        .values("period__unit")
        .annotate(last=Max("closed_at"))
        .values_list("last", flat=True)
    )
    return min(lasts, default=None)


def predecessor_closing_unit_ids(commune: AdministrativeUnit) -> list[int]:
    """The old closing units (2025-01 districts) whose lists paid the people a 2025-10 commune
    took over: the districts of every old commune the reform's correspondence sends to it (as
    one of its new communes: a split one too, whose people it may have taken). Empty for a
    three-tier unit or a province the reform has not moved. Two queries."""
    if commune.code_version != CodeVersion.TWO_TIER:
        return []
    run = ReformRun.objects.filter(province_code=commune.province_code).only("correspondence")
    run = run.first()
    if run is None:
        return []
    old = [int(o) for o, news in run.correspondence.items() if commune.pk in news]
    return list(
        AdministrativeUnit.objects.filter(pk__in=old)
        .exclude(parent_id=None)
        .values_list("parent_id", flat=True)
        .distinct()
    )


def abolished_drafts(
    *, province_code: str, effective_month: datetime.date, apply: bool, reason: str = "", user=None
) -> int:
    """The lists of the province's 2025-01 closing units for `effective_month` or later that are
    not closed (draft or generated, no batch): their people move to new communes, so they are
    wrong. Counted (apply=False: the plan) or removed (apply=True, in the caller's transaction):
    the lines and their arrears months are derived data nothing refers to before closing, the
    list and the period are deleted through the ORM so their history keeps them, with the
    reform as the reason. Closed lists are never touched. Returns how many periods."""
    code = str(int(province_code)).zfill(2)
    periods = (
        PaymentPeriod.objects.filter(
            unit__path__startswith=f"{CodeVersion.THREE_TIER}/{code}/",
            month__gte=effective_month,
            status__in=[PeriodStatus.DRAFT, PeriodStatus.GENERATED],
        )
        .exclude(payment_list__closed_at__isnull=False)
        .exclude(payment_list__batches__isnull=False)
        .distinct()
    )
    if not apply:
        return periods.count()
    removed = list(periods.select_related("unit").order_by("month", "unit__path"))
    for period in removed:
        payment_list = PaymentList.objects.filter(period=period).first()
        lines = 0
        if payment_list is not None:
            LineArrear.objects.filter(line__payment_list=payment_list)._raw_delete(
                LineArrear.objects.db
            )
            lines = PaymentLine.objects.filter(payment_list=payment_list)._raw_delete(
                PaymentLine.objects.db
            )
            payment_list._change_reason, payment_list._history_user = reason, user
            payment_list.delete()
        # The old communes' coverage of the month loses these lines' figures (after the commit).
        period_figures_changed_on_commit(period)
        period._change_reason, period._history_user = reason, user
        period.delete()
        logger.info(
            "unit_reform_draft_removed",
            extra={
                "unit_id": period.unit_id,
                "month": f"{period.month:%Y-%m}",
                "lines": lines,
            },
        )
    return len(removed)
