"""The payment cycle's shortcuts on the overview (beneficiaries.shortcuts): the list due or
overdue, failed payments to follow, people who did not collect (to call). A few cheap queries."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.shortcuts import Shortcut
from core.months import month_label
from org.models import Role, UnitLevel
from org.roles import CHECKER_ROLES, closing_unit_id_of
from org.scoping import scope_queryset
from payments.models import LineStatus, PaymentLine, PaymentList, PaymentPeriod, PeriodStatus
from payments.months import month_due


def _closing_unit_id(user) -> int | None:
    if user.role in CHECKER_ROLES:  # on their closing unit (ROLE_LEVELS, org.roles)
        return user.unit_id
    if user.role == Role.COMMUNE_OFFICER and user.unit_id and user.unit.level == UnitLevel.COMMUNE:
        return closing_unit_id_of(user.unit)
    return None


def _list_due(user, unit_id: int) -> Shortcut:
    month = month_due(unit_id)
    period = PaymentPeriod.objects.filter(unit_id=unit_id, month=month).first()
    label = _("The list for %(month)s") % {"month": month_label(month)}
    if period is None:
        return Shortcut(
            "list_due",
            label,
            reverse("payments:list"),
            note=_("not opened yet"),
            urgent=timezone.localdate() > _deadline_of(month),
        )
    overdue = period.past_deadline
    note = period.get_status_display()
    if overdue:
        note = _("%(status)s · past the closing deadline %(day)s") % {
            "status": note,
            "day": period.closing_deadline.strftime("%d/%m"),
        }
    return Shortcut(
        "list_due", label, reverse("payments:review", args=[period.pk]), note=note, urgent=overdue
    )


def _deadline_of(month):
    return PaymentPeriod(month=month).closing_deadline


def _results_shortcuts(user, unit_id: int) -> list[Shortcut]:
    """Failed and not collected lines of the latest list with results the user may see."""
    latest = (
        PaymentList.objects.filter(
            period__unit_id=unit_id,
            period__status__in=[PeriodStatus.SUBMITTED, PeriodStatus.RECONCILED],
        )
        .order_by("-period__month")
        .values_list("pk", "period_id", "period__month")
        .first()
    )
    if latest is None:
        return []
    list_id, period_id, month = latest
    counts = scope_queryset(
        PaymentLine.objects.filter(payment_list_id=list_id), user=user, unit_field="commune"
    ).aggregate(
        failed=Count("id", filter=Q(status=LineStatus.FAILED)),
        unpaid=Count("id", filter=Q(status=LineStatus.UNPAID)),
    )
    lines = reverse("payments:lines", args=[period_id])
    out = [
        Shortcut(
            "failed",
            _("Failed payments to follow (%(month)s)") % {"month": month_label(month)},
            f"{lines}?{urlencode({'status': LineStatus.FAILED})}",
            counts["failed"],
            urgent=counts["failed"] > 0,
        )
    ]
    if user.role == Role.COMMUNE_OFFICER:
        out.append(
            Shortcut(
                "to_call",
                _("People to call: not collected (%(month)s)") % {"month": month_label(month)},
                f"{lines}?{urlencode({'status': LineStatus.UNPAID})}",
                counts["unpaid"],
                urgent=counts["unpaid"] > 0,
            )
        )
    return out


def payment_shortcuts(*, user) -> list[Shortcut]:
    """A commune or district officer's: the list due (or overdue), failed payments and, for
    the commune, the people who did not collect their money."""
    unit_id = _closing_unit_id(user)
    if unit_id is None:
        return []
    return [_list_due(user, unit_id), *_results_shortcuts(user, unit_id)]
