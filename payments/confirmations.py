"""What a confirmation page says before an irreversible step of the payment cycle: the real
figures from the database, a sentence that says what will happen, and a token bound to those
figures. A POST whose token does not match the figures now (none, or the list changed since the
page was shown) does not act: the view sends the officer back to the confirmation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from beneficiaries.models import ChangeRecord
from core.confirm import confirmation_token, token_is
from core.months import add_months, month_label
from org.text import format_number, format_vnd
from payments.models import PaymentBatch, PaymentPeriod
from payments.selectors import Totals, lines_for, provider_totals
from payments.services.closing import preparer_closes, preparer_refusal


@dataclass(frozen=True)
class Confirmation:
    """One irreversible step, as the officer is asked to confirm it."""

    title: str
    sentence: str
    token: str
    lines: int = 0
    amount: int = 0
    by_provider: list[Totals] = field(default_factory=list)
    # Why this user may not take the step at all (the page says so instead of a button).
    refusal: str = ""


def token_matches(confirmation: Confirmation, given: str | None) -> bool:
    """True when the POSTed token is the one for the figures as they are now."""
    return token_is(confirmation.token, given)


def close_confirmation(*, user, period: PaymentPeriod) -> Confirmation:
    """Closing a list: its lines, its total and the split by provider, as they are now; the
    officer who generated the list is told up front that someone else must close it."""
    plist = period.payment_list
    lines = lines_for(user=user, payment_list=plist)
    totals = lines.aggregate(n=Count("id"), total=Sum("amount_total"))
    n, total = totals["n"], totals["total"] or 0
    return Confirmation(
        title=_("Close the list"),
        sentence=_(
            "Close the list %(month)s of %(unit)s: %(lines)s lines, %(amount)s. "
            "Once closed it cannot be changed."
        )
        % {
            "month": month_label(period.month),
            "unit": period.unit.name,
            "lines": format_number(n),
            "amount": format_vnd(total),
        },
        token=confirmation_token("close", user, period.pk, plist.generated_at, n, total),
        lines=n,
        amount=total,
        by_provider=provider_totals(lines),
        refusal=preparer_refusal(plist) if preparer_closes(plist, user) else "",
    )


def submit_confirmation(*, user, period: PaymentPeriod) -> Confirmation:
    """Sending a closed list: the batches not yet acknowledged, with their control totals."""
    rows = (
        PaymentBatch.objects.filter(payment_list__period=period)
        .exclude(status__in=[PaymentBatch.Status.ACKNOWLEDGED, PaymentBatch.Status.COMPLETED])
        .select_related("provider")
        .order_by("provider__code")
    )
    batches = [Totals(b.provider.display_name, b.control_count, b.control_amount) for b in rows]
    n = sum(b.count for b in batches)
    total = sum(b.amount for b in batches)
    return Confirmation(
        title=_("Send to the providers"),
        sentence=_(
            "Send the list %(month)s of %(unit)s to %(providers)s providers: %(lines)s lines, "
            "%(amount)s. Once sent it cannot be taken back."
        )
        % {
            "month": month_label(period.month),
            "unit": period.unit.name,
            "providers": len(batches),
            "lines": format_number(n),
            "amount": format_vnd(total),
        },
        token=confirmation_token("submit", user, period.pk, period.status, n, total, len(batches)),
        lines=n,
        amount=total,
        by_provider=batches,
    )


def defer_confirmation(*, user, period: PaymentPeriod, change: ChangeRecord) -> Confirmation:
    """Deferring a change: whose, which, and the month it moves to."""
    to_month: datetime.date = add_months(period.month, 1)
    return Confirmation(
        title=_("Defer to next month"),
        sentence=_(
            "Defer the decision on the change “%(kind)s” of %(name)s to the list %(to)s: the list "
            "%(month)s closes without it; approved later, it is paid as arrears."
        )
        % {
            "kind": change.get_kind_display(),
            "name": change.beneficiary.full_name,
            "to": month_label(to_month),
            "month": month_label(period.month),
        },
        token=confirmation_token(
            "defer", user, period.pk, change.pk, change.status, change.deferred_until
        ),
    )
