"""Reads of the payment cycle, scoped by the user."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from beneficiaries.models import ChangeKind, ChangeReason, ChangeRecord, ChangeStatus
from core.months import add_months
from core.reference_text import translated
from org.models import AdministrativeUnit, UnitLevel
from org.roles import closing_unit_id_of
from org.scoping import scope_queryset
from org.text import name_sort_key
from payments.models import (
    Channel,
    LineKind,
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentList,
    PaymentPeriod,
)
from payments.reform import predecessor_closing_unit_ids
from payments.services.closing import blocking_changes
from payments.services.snapshot import changes_decided_since_generation


def period_list(*, user) -> QuerySet[PaymentPeriod]:
    """The periods of the closing units in the user's scope, and those of a commune user's
    closing unit (a three-tier commune's list is closed by its district: the officer may follow
    it; a two-tier commune closes its own)."""
    qs = PaymentPeriod.objects.select_related("unit", "payment_list", "payment_list__closed_by")
    if user.unit_id and user.unit.level == UnitLevel.COMMUNE:
        return qs.filter(unit_id=closing_unit_id_of(user.unit)).order_by("-month")
    return scope_queryset(qs, user=user, unit_field="unit").order_by("-month", "unit__path")


def period_get(*, user, pk: int) -> PaymentPeriod:
    """One period the user may see (404 otherwise)."""
    try:
        return period_list(user=user).get(pk=pk)
    except PaymentPeriod.DoesNotExist as exc:
        raise Http404 from exc


def lines_for(*, user, payment_list: PaymentList) -> QuerySet[PaymentLine]:
    """The lines the user may see: a commune officer only their commune's."""
    qs = payment_list.lines.select_related("provider", "commune")
    return scope_queryset(qs, user=user, unit_field="commune")


@dataclass(frozen=True)
class Totals:
    label: str
    count: int
    amount: int


def _totals(qs, field: str, labels=None) -> list[Totals]:
    rows = qs.values(field).annotate(n=Count("id"), total=Sum("amount_total")).order_by(field)
    return [
        Totals(labels.get(r[field], r[field]) if labels else r[field], r["n"], r["total"] or 0)
        for r in rows
    ]


def provider_totals(lines) -> list[Totals]:
    """Count and amount of `lines` by provider, each named in the interface's language."""
    return [
        Totals(translated(t.label), t.count, t.amount) for t in _totals(lines, "provider__name")
    ]


def _district_figures(user, payment_list: PaymentList) -> dict:
    """For a commune officer, whose review shows their own commune's lines first: the whole
    list's figures (lines, amount, by channel) after them. Two aggregate queries."""
    if not (user.unit_id and user.unit.level == UnitLevel.COMMUNE):
        return {}
    if user.unit_id == payment_list.period.unit_id:  # a two-tier commune: the list is its own
        return {}
    whole = payment_list.lines.all()
    return {
        "own_commune": user.unit,
        "district_totals": whole.aggregate(
            n=Count("id"),
            total=Sum("amount_total"),
            by_account=Count("id", filter=Q(channel="account")),
        ),
        "district_by_channel": _totals(whole, "channel", {c.value: c.label for c in Channel}),
    }


def review(*, user, period: PaymentPeriod) -> dict:
    """Everything the review page shows: totals by commune, channel, provider and category; what
    changed since last month; warnings. A fixed number of aggregate queries."""
    payment_list = period.payment_list
    lines = lines_for(user=user, payment_list=payment_list)
    communes = dict(lines.values_list("commune_id", "commune__name").distinct())
    by_commune = _totals(lines, "commune_id", communes)
    by_channel = _totals(lines, "channel", {c.value: c.label for c in Channel})
    by_provider = provider_totals(lines)
    by_category = _totals(lines, "categories")
    totals = lines.aggregate(
        n=Count("id"),
        people=Count("beneficiary_id", distinct=True),
        regular=Sum("amount_regular"),
        care=Sum("amount_care"),
        care_lines=Count("id", filter=Q(line_kind=LineKind.CARE_SUPPORT)),
        arrears=Sum("amount_arrears"),
        funeral=Sum("amount_funeral"),
        carried=Sum("amount_carried_over"),
        total=Sum("amount_total"),
        # A carer is the payee of a care line, not a recipient of the person's allowance.
        via_recipient=Count("id", filter=Q(payee_is_recipient=True, line_kind=LineKind.ALLOWANCE)),
        by_account=Count("id", filter=Q(channel="account")),
    )

    # What changed since last month's list of the same unit.
    previous = PaymentList.objects.filter(
        period__unit=period.unit, period__month=add_months(period.month, -1)
    ).first()
    added = left = changed = []
    if previous is not None:
        added, left, changed = _compared_with(user, period, lines, previous)

    # Warnings.
    no_account = lines.filter(channel=Channel.CASH, line_kind=LineKind.ALLOWANCE).count()
    carers_in_cash = lines.filter(channel=Channel.CASH, line_kind=LineKind.CARE_SUPPORT).count()
    bad_ids = lines.filter(
        Q(beneficiary_id_number="") | ~Q(beneficiary_id_number__regex=r"^[0-9]{12}$")
    ).count()
    shared = (
        lines.filter(channel="account")
        .values("provider_id", "account_number")
        .annotate(
            people=Count("beneficiary_id", distinct=True),
            payees=Count("payee_id_number", distinct=True),
        )
        .filter(payees__gt=1)
        .order_by("-people")
    )
    shared_accounts = list(shared[:50])
    waiting = blocking_changes(period)
    if user.unit_id and user.unit.level == UnitLevel.COMMUNE:
        waiting = waiting.filter(commune=user.unit)
    waiting = list(waiting.select_related("beneficiary", "commune")[:200])
    decided_since: list = []
    if payment_list.generated_at and not payment_list.closed_at:
        decided_since = list(
            changes_decided_since_generation(period, payment_list)
            .select_related("beneficiary", "commune")
            .order_by("decided_at", "id")[:200]
        )
    # People the rules could not price: a blocking warning (closing refuses the list).
    cannot_compute = list(
        lines.filter(cannot_compute=True)
        .order_by("line_no")
        .values("line_no", "full_name", "commune__name", "cannot_compute_reason")[:200]
    )
    return {
        **_district_figures(user, payment_list),
        "totals": totals,
        "by_commune": by_commune,
        "by_channel": by_channel,
        "by_provider": by_provider,
        "by_category": by_category,
        "previous": previous,
        "added": added,
        "left": left,
        "changed": changed,
        "no_account": no_account,
        "carers_in_cash": carers_in_cash,
        "bad_ids": bad_ids,
        "shared_accounts": shared_accounts,
        "waiting": waiting,
        "decided_since": decided_since,
        "cannot_compute": cannot_compute,
    }


COMPARED = ("beneficiary_id", "full_name", "amount_regular", "categories", "coefficient")
# The changes that take someone off the monthly allowance, newest last.
DECREASES = (ChangeKind.STOP, ChangeKind.SUSPEND, ChangeKind.MOVE, ChangeKind.CHANGE_CATEGORY)
LIMIT = 200


def _compared_with(user, period: PaymentPeriod, lines, previous: PaymentList):
    """(added, left, changed) against last month's list, by the monthly allowance (the regular
    amount): "Tăng" are people owed it now and not then; "Giảm" people owed it then and not now,
    whether or not they still have a line (a death leaves a line for the funeral support,
    a stop one for arrears or a carried-over amount), each with the reason: the kind and reason
    of the latest approved stop, suspension, move or change of category up to the month;
    "changed" the people owed it both months at a different amount. Three queries. A person's
    own line only: their care-support lines (paid to a carer) are not compared."""
    own = {"care_arrangement__isnull": True}
    now = {
        r[0]: r
        for r in lines.filter(**own).values_list(*COMPARED, "amount_total", "amount_funeral")
    }
    before_qs = scope_queryset(previous.lines.filter(**own), user=user, unit_field="commune")
    before = {r[0]: r for r in before_qs.values_list(*COMPARED).filter(amount_regular__gt=0)}
    owed = {i for i, r in now.items() if r[2] > 0}
    added = [now[i] for i in sorted(owed - set(before), key=_by_name(now))][:LIMIT]
    changed = [
        (before[i], now[i])
        for i in sorted(owed & set(before), key=_by_name(now))
        if before[i][2] != now[i][2]
    ][:LIMIT]
    gone = sorted(set(before) - owed, key=_by_name(before))[:LIMIT]
    reasons: dict[int, str] = {}
    for beneficiary_id, kind, reason in (
        ChangeRecord.objects.filter(
            beneficiary_id__in=gone,
            status=ChangeStatus.APPROVED,
            kind__in=DECREASES,
            effective_month__lte=period.month,
        )
        .order_by("effective_month", "decided_at", "id")
        .values_list("beneficiary_id", "kind", "reason")
    ):
        reasons[beneficiary_id] = f"{ChangeKind(kind).label}: {ChangeReason(reason).label}"
    left = []
    for i in gone:
        line = now.get(i)
        left.append(
            {
                "full_name": before[i][1],
                "categories": before[i][3],
                "amount": before[i][2],
                "reason": reasons.get(i) or _("no longer owed the allowance this month"),
                "still_paid": line[5] if line else 0,
                "funeral": bool(line and line[6]),
            }
        )
    return added, left, changed


def _by_name(rows: dict):
    return lambda i: name_sort_key(rows[i][1])


def batch_progress(period: PaymentPeriod) -> list[dict]:
    """Per provider: the batch, its control totals and how many lines are in each status."""
    rows = (
        PaymentBatch.objects.filter(payment_list__period=period)
        .select_related("provider")
        .annotate(
            paid=Count("lines", filter=Q(lines__status=LineStatus.PAID)),
            failed=Count("lines", filter=Q(lines__status=LineStatus.FAILED)),
            unpaid=Count("lines", filter=Q(lines__status=LineStatus.UNPAID)),
            waiting=Count(
                "lines", filter=Q(lines__status__in=[LineStatus.PENDING, LineStatus.SUBMITTED])
            ),
            amount_paid=Sum("lines__amount_total", filter=Q(lines__status=LineStatus.PAID)),
        )
        .order_by("provider__code")
    )
    return [
        {
            "batch": b,
            "paid": b.paid,
            "failed": b.failed,
            "unpaid": b.unpaid,
            "waiting": b.waiting,
            "amount_paid": b.amount_paid or 0,
            "percent": round(100 * (b.paid + b.failed + b.unpaid) / b.control_count)
            if b.control_count
            else 100,
        }
        for b in rows
    ]


def communes_with_closed_lists(commune_ids: Iterable[int]) -> set[int]:
    """The communes among `commune_ids` whose closing unit (org.roles: the district, or the
    two-tier commune itself) has closed a payment list. Registered with beneficiaries in
    PaymentsConfig.ready: an initial load is refused for these communes."""
    parents = {
        u.pk: closing_unit_id_of(u)
        for u in AdministrativeUnit.objects.filter(pk__in=list(commune_ids)).only(
            "id", "parent_id", "code_version"
        )
    }
    closed = set(
        PaymentList.objects.filter(
            closed_at__isnull=False, period__unit_id__in=set(parents.values())
        ).values_list("period__unit_id", flat=True)
    )
    return {commune for commune, parent in parents.items() if parent in closed}


def last_closed_month_of_commune(commune_id: int) -> datetime.date | None:
    """The last month whose list for this commune's closing unit (org.roles) is closed, or
    None. Registered with beneficiaries in PaymentsConfig.ready: a change that can no longer
    reach that list moves to the month after (beneficiaries.services.closed_months). Across the
    2025 reform a new commune's people were paid by the old districts' lists: their closed
    months count too (payments.reform.predecessor_closing_unit_ids)."""
    commune = (
        AdministrativeUnit.objects.filter(pk=commune_id)
        .only("parent_id", "code_version", "path")
        .first()
    )
    if commune is None:
        return None
    unit_ids = [closing_unit_id_of(commune), *predecessor_closing_unit_ids(commune)]
    return PaymentList.objects.filter(
        closed_at__isnull=False, period__unit_id__in=unit_ids
    ).aggregate(last=Max("period__month"))["last"]
