"""Opening a payment period: which units close lists, and a unit's period of a month."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import AppError
from org.models import AdministrativeUnit, UnitLevel
from payments.calculations import (
    add_months,
)
from payments.errors import PaymentErrorCode
from payments.models import (
    PaymentList,
    PaymentPeriod,
    PeriodStatus,
)
from payments.months import require_month_in_window

__all__ = ["CLOSED_STATUSES", "closing_units", "payment_period_open", "require_month_in_window"]

CLOSED_STATUSES = (PeriodStatus.CLOSED, PeriodStatus.SUBMITTED, PeriodStatus.RECONCILED)


def closing_units() -> list[AdministrativeUnit]:
    """Every unit that closes lists: the parents of active communes (districts in three-tier
    data, provinces in two-tier data)."""
    parent_ids = (
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, active=True)
        .values_list("parent_id", flat=True)
        .distinct()
    )
    return list(AdministrativeUnit.objects.filter(pk__in=parent_ids).order_by("path"))


@transaction.atomic
def payment_period_open(*, unit: AdministrativeUnit, month: datetime.date) -> PaymentPeriod:
    """The period of a closing unit and month, created as a draft if it does not exist yet.
    Only for a month in the window (see payments.months: AppError MONTH_...)."""
    if not unit.children.filter(level=UnitLevel.COMMUNE).exists():
        raise AppError(
            PaymentErrorCode.UNIT_CLOSES_NO_LISTS,
            _("%(unit)s does not close payment lists: it has no communes."),
            params={"unit": unit},
        )
    require_month_in_window(month, unit)
    month = month.replace(day=1)
    period, _created = PaymentPeriod.objects.get_or_create(
        unit=unit, month=month, defaults={"deadline": add_months(month, -1).replace(day=25)}
    )
    PaymentList.objects.get_or_create(period=period)
    return period
