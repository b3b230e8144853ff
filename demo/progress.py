"""How far the demo's payment history is: read by the pages while the worker builds it.

Nothing is stored for it: the planned periods (demo.history) say which months the history has
and which of them are not reconciled yet, so the progress survives an interruption as the
history does. The dashboards and the payment lists show it through org's background notices
(registered in demo.apps)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from payments.models import PaymentPeriod, PeriodStatus

# The demo's change reason on its planned periods (demo.history.HISTORY_REASON, repeated here
# so that the pages need not import the history's machinery).
HISTORY_REASON = "seed_demo history"


@dataclass(frozen=True)
class HistoryProgress:
    months: list[datetime.date]  # every month of the history, oldest first
    done: int  # the months whose lists are all reconciled

    @property
    def total(self) -> int:
        return len(self.months)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def current(self) -> int:
        """The month being built, counted from 1 (the first one not done yet)."""
        return min(self.done + 1, self.total)


def history_progress() -> HistoryProgress | None:
    """The demo history's progress, or None when there is none (no demo, or a demo seeded
    without history). One query."""
    planned = PaymentPeriod.history.filter(
        history_type="+", history_change_reason=HISTORY_REASON
    ).values("id")
    pending: dict[datetime.date, bool] = {}
    for month, status in PaymentPeriod.objects.filter(pk__in=planned).values_list(
        "month", "status"
    ):
        pending[month] = pending.get(month, False) or status != PeriodStatus.RECONCILED
    if not pending:
        return None
    months = sorted(pending)
    return HistoryProgress(months=months, done=sum(1 for m in months if not pending[m]))


def history_notice(*, user=None) -> str | None:
    """The line the dashboards and the payment lists show while the history is built."""
    progress = history_progress()
    if progress is None or progress.complete:
        return None
    return _("Building the demo's payment history: month %(current)s of %(total)s") % {
        "current": progress.current,
        "total": progress.total,
    }
