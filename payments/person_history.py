"""A person's payment history, month by month, for their page in the register.

beneficiaries cannot import payments, so this module registers `payment_history_panel` with
`beneficiaries.person_summary.person_panel_register` (PaymentsConfig.ready); the person's page
includes `payments/_person_history.html` with what it returns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from beneficiaries.person_summary import PersonPanel
from org.models import UnitLevel
from org.roles import closing_unit_id_of
from org.scoping import scope_queryset, user_can_see_unit
from payments.models import LineStatus, PaymentLine, PaymentPeriod

# Two years of months on the page; "show more" shows them all.
HISTORY_MONTHS = 24
SHOW_ALL_PARAM = "lich_su"


@dataclass(frozen=True)
class HistoryRow:
    month: datetime.date
    period_id: int
    period_visible: bool  # the user may open the list's page
    list_closed: bool
    line: PaymentLine
    carried_to_month: datetime.date | None

    @property
    def failed(self) -> bool:
        return self.line.status in (LineStatus.FAILED, LineStatus.UNPAID)


def period_visible(user, period: PaymentPeriod) -> bool:
    """Whether `user` may open this period's page (the rule of `selectors.period_list`, for a
    period already loaded: no query)."""
    if user.unit_id and user.unit.level == UnitLevel.COMMUNE:
        return period.unit_id == closing_unit_id_of(user.unit)
    return user_can_see_unit(user, period.unit)


def history_lines(*, user, beneficiary_id: int) -> QuerySet[PaymentLine]:
    """The person's lines the user may see (their commune's lines), newest month first, with
    everything the history shows joined in: one query when evaluated."""
    qs = (
        PaymentLine.objects.filter(beneficiary_id=beneficiary_id)
        .select_related(
            "provider",
            "commune",
            "payment_list__period__unit",
            "carried_over_to__payment_list__period",
        )
        # A month's lines in the list's order: the person's own line, then their care lines.
        .order_by("-payment_list__period__month", "-payment_list_id", "line_no")
    )
    return scope_queryset(qs, user=user, unit_field="commune")


def payment_history(*, user, beneficiary_id: int, show_all: bool = False) -> tuple[list, bool]:
    """(rows, more): the person's lines as `HistoryRow`s, the last HISTORY_MONTHS unless
    `show_all`; `more` says that older ones were left out. One query."""
    lines = history_lines(user=user, beneficiary_id=beneficiary_id)
    if not show_all:
        lines = lines[: HISTORY_MONTHS + 1]
    lines = list(lines)
    more = not show_all and len(lines) > HISTORY_MONTHS
    rows = []
    for line in lines[:HISTORY_MONTHS] if more else lines:
        period = line.payment_list.period
        carried = line.carried_over_to
        rows.append(
            HistoryRow(
                month=period.month,
                period_id=period.pk,
                period_visible=period_visible(user, period),
                list_closed=line.payment_list.closed_at is not None,
                line=line,
                carried_to_month=carried.payment_list.period.month if carried else None,
            )
        )
    return rows, more


def payment_history_panel(*, user, beneficiary, params) -> PersonPanel | None:
    """The person page's payment history (registered with beneficiaries), in the user's
    scope; `?lich_su=all` shows every month."""
    show_all = params.get(SHOW_ALL_PARAM) == "all"
    rows, more = payment_history(user=user, beneficiary_id=beneficiary.pk, show_all=show_all)
    return PersonPanel(
        "payments/_person_history.html",
        {"rows": rows, "more": more, "show_all_param": SHOW_ALL_PARAM, "limit": HISTORY_MONTHS},
    )
