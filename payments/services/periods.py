"""Opening a payment period: which units close lists, and a unit's period of a month."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import AppError
from org.models import AdministrativeUnit
from org.roles import closes_lists, closing_units_queryset
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
    """Every unit that closes lists (org.roles): the districts of three-tier communes, the
    two-tier communes themselves."""
    return list(closing_units_queryset())


@transaction.atomic
def payment_period_open(*, unit: AdministrativeUnit, month: datetime.date) -> PaymentPeriod:
    """The period of a closing unit and month, created as a draft if it does not exist yet.
    Only for a month in the window (see payments.months: AppError MONTH_...)."""
    if not closes_lists(unit):
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
