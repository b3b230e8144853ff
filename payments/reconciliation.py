"""Reconciling a period against the providers' own statements (đối soát, thanh quyết toán).

Once every line of a submitted list is final, each provider's statement of the batch is fetched
and compared with our lines, reference by reference: the control totals, the result and the
amount of every line. The outcome per provider is stored with the service fee the province's
contract sets, and every disagreement is stored as an issue. People whose money was not
collected three months running get a suspension proposed in their commune's queue. Failed and
uncollected lines need nothing here: the next month's list carries them over (in cash through
VNPost when the account failed).
"""

from __future__ import annotations

import calendar
import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import (
    BeneficiaryStatus,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
)
from beneficiaries.services.proposals import (
    stop_propose_uncollected,
    suspension_propose_uncollected,
)
from core.errors import AppError
from core.months import add_months
from org.models import UnitLevel
from org.review import ReviewStatus
from org.roles import communes_q, require_list_officer
from payments.errors import PaymentErrorCode
from payments.models import (
    LineStatus,
    PaymentBatch,
    PaymentLine,
    PaymentList,
    PaymentPeriod,
    PeriodStatus,
    Reconciliation,
    ReconciliationIssue,
    ReconciliationTotal,
)
from payments.signals import period_figures_changed_on_commit
from providers.adapters import ProviderError
from providers.models import ProviderContract, ResultDiscrepancy
from providers.services import adapter_for

logger = logging.getLogger(__name__)

FINAL = (LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID)
# Months in a row without the money being collected after which a suspension is proposed
# (Decree 20/2021, Art. 8(3)(a)).
UNCOLLECTED_MONTHS = 3


@dataclass(frozen=True)
class StatementItem:
    reference: str
    status: str
    amount: int | None


def fee_for(amount: int, percent: Decimal) -> int:
    """The fee on ``amount`` đồng at ``percent`` %, rounded half up to the đồng."""
    return int((Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def contract_for(period: PaymentPeriod, provider) -> ProviderContract | None:
    """The province's approved contract with the provider in force during the period's month
    (a contract proposed and not yet approved by another person counts for nothing)."""
    last_day = period.month.replace(
        day=calendar.monthrange(period.month.year, period.month.month)[1]
    )
    return (
        ProviderContract.objects.filter(
            province__code=period.unit.province_code,
            province__level=UnitLevel.PROVINCE,
            province__code_version=period.unit.code_version,
            provider=provider,
            review_status=ReviewStatus.APPROVED,
            valid_from__lte=last_day,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.month))
        .order_by("-valid_from")
        .first()
    )


def _statement(batch: PaymentBatch, fetch) -> dict[str, StatementItem]:
    status = fetch(batch)
    return {
        item.reference: StatementItem(item.reference, item.status, getattr(item, "amount", None))
        for item in status.items
    }


def _fetch_from_provider(batch: PaymentBatch):
    return adapter_for(batch.provider).fetch_batch_status(batch.reference)


def period_reconcile(*, period: PaymentPeriod, user=None, fetch=None) -> Reconciliation:
    """Reconcile a submitted period whose lines are all final (again, if it was already).

    ``fetch(batch)`` returns the provider's BatchStatus (the adapter's, by default; raises
    ProviderUnavailable while a provider is down, and nothing is saved). Only a district
    officer of the closing unit, or the system (``user=None``).
    """
    period = PaymentPeriod.objects.select_related("unit").get(pk=period.pk)  # its status now
    if user is not None:
        require_list_officer(
            user,
            period.unit,
            message=_("Only an officer of %(unit)s can reconcile its list.")
            % {"unit": period.unit},
            code=PaymentErrorCode.NOT_OFFICER_OF_UNIT,
        )
    if period.status not in (PeriodStatus.SUBMITTED, PeriodStatus.RECONCILED):
        raise AppError(
            PaymentErrorCode.NOT_SENT, _("Only a list sent to the providers can be reconciled.")
        )
    payment_list = period.payment_list
    waiting = payment_list.lines.exclude(status__in=FINAL).count()
    if waiting:
        raise AppError(
            PaymentErrorCode.LINES_NOT_FINAL,
            _("%(n)s lines are still waiting for the providers' results."),
            params={"n": waiting},
        )
    fetch = fetch or _fetch_from_provider
    batches = list(payment_list.batches.select_related("provider").order_by("provider__code"))
    # The network first, outside any transaction: a provider that is down leaves nothing saved.
    try:
        statements = {batch.pk: _statement(batch, fetch) for batch in batches}
    except ProviderError as exc:
        logger.warning(
            "period_reconcile_failed",
            extra={"period_id": period.pk, "code": exc.code, "error": str(exc)[:200]},
        )
        raise

    with transaction.atomic():
        period = PaymentPeriod.objects.select_for_update().get(pk=period.pk)
        reconciliation = Reconciliation.objects.filter(period=period).first()
        if reconciliation is not None:
            reconciliation.totals.all().delete()
            reconciliation.issues.all().delete()
        else:
            reconciliation = Reconciliation(period=period)
        reconciliation.reconciled_at = timezone.now()
        reconciliation.reconciled_by = user
        reconciliation.status = Reconciliation.Status.MATCHED
        # One history row per reconciliation: the first save only gives the rows their key.
        reconciliation.skip_history_when_saving = True
        reconciliation.save()
        del reconciliation.skip_history_when_saving

        totals, issues = [], []
        for batch in batches:
            total, batch_issues = _reconcile_batch(reconciliation, period, batch, statements)
            totals.append(total)
            issues.extend(batch_issues)
        ReconciliationTotal.objects.bulk_create(totals)
        ReconciliationIssue.objects.bulk_create(issues, batch_size=2000)

        reconciliation.line_count = sum(t.control_count for t in totals)
        reconciliation.issue_count = len(issues)
        reconciliation.fee_total = sum(t.fee_amount for t in totals)
        if issues or not all(t.controls_match for t in totals):
            reconciliation.status = Reconciliation.Status.MISMATCHED
        reconciliation.suspensions_proposed = uncollected_suspensions_propose(period=period)
        if user is not None:
            reconciliation._history_user = user
            period._history_user = user
        reconciliation.save()
        if period.status != PeriodStatus.RECONCILED:
            period.status = PeriodStatus.RECONCILED
            period.save(update_fields=["status"])
        period_figures_changed_on_commit(period)
    logger.info(
        "period_reconciled",
        extra={
            "period_id": period.pk,
            "status": reconciliation.status,
            "discrepancies": reconciliation.issue_count,
            "fee_total": reconciliation.fee_total,
        },
    )
    return reconciliation


def _reconcile_batch(reconciliation, period, batch, statements):
    statement = statements[batch.pk]
    total = ReconciliationTotal(
        reconciliation=reconciliation,
        batch=batch,
        provider=batch.provider,
        control_count=batch.control_count,
        control_amount=batch.control_amount,
        statement_count=len(statement),
        statement_amount=sum(item.amount or 0 for item in statement.values()),
    )
    issues = []
    seen = set()
    lines = batch.lines.values_list("id", "reference", "status", "amount_total")
    count = amount = 0
    for line_id, reference, status, line_amount in lines.iterator(chunk_size=5000):
        count += 1
        amount += line_amount
        setattr(total, f"{status}_count", getattr(total, f"{status}_count") + 1)
        setattr(total, f"{status}_amount", getattr(total, f"{status}_amount") + line_amount)
        item = statement.get(reference)
        seen.add(reference)
        kind = None
        if item is None:
            kind = ReconciliationIssue.Kind.MISSING
        elif item.status != status:
            kind = ReconciliationIssue.Kind.STATUS
        elif item.amount is not None and item.amount != line_amount:
            kind = ReconciliationIssue.Kind.AMOUNT
        if item is not None and item.status == LineStatus.PAID:
            total.statement_paid_amount += item.amount if item.amount is not None else line_amount
        if kind is not None:
            issues.append(
                ReconciliationIssue(
                    reconciliation=reconciliation,
                    provider=batch.provider,
                    line_id=line_id,
                    reference=reference,
                    kind=kind,
                    our_status=status,
                    provider_status=item.status if item else "",
                    our_amount=line_amount,
                    provider_amount=item.amount if item else None,
                )
            )
    for reference, item in statement.items():
        if reference not in seen:
            issues.append(
                ReconciliationIssue(
                    reconciliation=reconciliation,
                    provider=batch.provider,
                    reference=reference,
                    kind=ReconciliationIssue.Kind.UNKNOWN,
                    provider_status=item.status,
                    provider_amount=item.amount,
                )
            )
            if item.status == LineStatus.PAID:
                total.statement_paid_amount += item.amount or 0
    statement_amount_known = all(item.amount is not None for item in statement.values())
    total.controls_match = (
        count == batch.control_count
        and amount == batch.control_amount
        and total.statement_count == batch.control_count
        and (not statement_amount_known or total.statement_amount == batch.control_amount)
    )
    contract = contract_for(period, batch.provider)
    if contract is not None:
        total.contract = contract
        total.fee_percent = contract.fee_percent
        # The fee is on what the provider actually paid out, by its own statement.
        total.fee_amount = fee_for(total.statement_paid_amount, contract.fee_percent)
    return total, issues


def uncollected_suspensions_propose(*, period: PaymentPeriod) -> int:
    """Propose suspending everyone in the period whose money was not collected in this month
    and the two before it (Decree 20/2021, Art. 8(3)(a)), and stopping everyone suspended for
    that who has again not collected for three months (Circular 02/2021/TT-BLĐTBXH, Art. 2).
    Proposals wait in the commune's queue; one per person and month, and none while another
    suspension or stop is open (beneficiaries.services.proposals). Returns how many of both.

    The stop's rule, as the lists can tell it: a suspended person gets no monthly amount, so
    their line, if any, is what was carried over (the unpaid months before the suspension,
    carried again each month they do not come). A suspension for not collecting took effect in
    month S; at the reconciliation of month M a stop is proposed when the three months
    M-2, M-1 and M all fall within the suspension (M-2 >= S), the closing unit has a closed
    list for each of them, and none of those lists paid the person anything (no paid line,
    carried-over arrears included; no line at all counts as nothing collected). The stop takes
    effect in M+1. So with S = 01: suspended 01, 02, 03 -> stop proposed at 03's reconciliation,
    effective 04; a paid line in 02 -> no stop before 05 (03, 04, 05 unpaid again)."""
    stops = _uncollected_stops_propose(period=period)
    month = period.month
    first = add_months(month, 1 - UNCOLLECTED_MONTHS)
    # The person's own lines only: a carer not collecting care support says nothing of them.
    own = {"care_arrangement__isnull": True}
    uncollected = PaymentLine.objects.filter(
        payment_list__period=period, status=LineStatus.UNPAID, **own
    ).values_list("beneficiary_id", flat=True)
    streaks = (
        PaymentLine.objects.filter(
            beneficiary_id__in=uncollected,
            **own,
            payment_list__closed_at__isnull=False,
            payment_list__period__month__gte=first,
            payment_list__period__month__lte=month,
        )
        .values("beneficiary_id")
        .annotate(
            months=Count("payment_list__period__month", distinct=True),
            collected=Count("id", filter=~Q(status=LineStatus.UNPAID)),
        )
        .filter(months=UNCOLLECTED_MONTHS, collected=0)
        .values_list("beneficiary_id", flat=True)
    )
    # Who is proposed is the register's business: the people, in the list's order.
    beneficiary_ids = list(
        PaymentLine.objects.filter(
            payment_list__period=period, beneficiary_id__in=list(streaks), **own
        )
        .order_by("line_no")
        .values_list("beneficiary_id", flat=True)
    )
    return stops + suspension_propose_uncollected(
        beneficiary_ids=beneficiary_ids, month=month, months=UNCOLLECTED_MONTHS
    )


def _uncollected_stops_propose(*, period: PaymentPeriod) -> int:
    """The stop half of `uncollected_suspensions_propose` (its docstring has the rule)."""
    month = period.month
    first = add_months(month, 1 - UNCOLLECTED_MONTHS)
    closed_months = (
        PaymentList.objects.filter(
            period__unit=period.unit,
            closed_at__isnull=False,
            period__month__gte=first,
            period__month__lte=month,
        )
        .values("period__month")
        .distinct()
        .count()
    )
    if closed_months < UNCOLLECTED_MONTHS:
        return 0
    collected = PaymentLine.objects.filter(
        status=LineStatus.PAID,
        care_arrangement__isnull=True,
        payment_list__closed_at__isnull=False,
        payment_list__period__month__gte=first,
        payment_list__period__month__lte=month,
    ).values("beneficiary_id")
    suspended = (
        ChangeRecord.objects.filter(
            kind=ChangeKind.SUSPEND,
            status=ChangeStatus.APPROVED,
            reason=ChangeReason.NOT_COLLECTED,
            effective_month__lte=first,
            beneficiary__status=BeneficiaryStatus.SUSPENDED,
        )
        .filter(communes_q(period.unit, "beneficiary__commune"))
        .exclude(beneficiary_id__in=collected)
        .order_by("beneficiary__commune__code", "beneficiary__full_name", "beneficiary_id")
        .values_list("beneficiary_id", flat=True)
    )
    return stop_propose_uncollected(
        beneficiary_ids=list(dict.fromkeys(suspended)), month=month, months=UNCOLLECTED_MONTHS
    )


def period_reconcile_if_complete(period_id: int) -> Reconciliation | None:
    """Reconcile the period once every batch of its list is complete; otherwise nothing."""
    period = PaymentPeriod.objects.select_related("unit").get(pk=period_id)
    if period.status != PeriodStatus.SUBMITTED:
        return None
    batches = PaymentBatch.objects.filter(payment_list__period=period)
    if not batches.exists() or batches.exclude(status=PaymentBatch.Status.COMPLETED).exists():
        return None
    return period_reconcile(period=period)


def by_commune(period: PaymentPeriod) -> list[dict]:
    """Per commune and provider: paid, failed and uncollected lines, counts and amounts."""
    rows = (
        PaymentLine.objects.filter(payment_list__period=period)
        .values("commune_id", "commune__name", "commune__code", "provider__code")
        .annotate(
            lines=Count("id"),
            amount=Sum("amount_total"),
            **{
                f"{status}_{what}": agg(
                    "amount_total" if what == "amount" else "id", filter=Q(status=status)
                )
                for status in (LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID)
                for what, agg in (("count", Count), ("amount", Sum))
            },
        )
        .order_by("commune__code", "provider__code")
    )
    return [{k: (v or 0) if k.endswith("amount") else v for k, v in row.items()} for row in rows]


def carried_forward(period: PaymentPeriod) -> dict:
    """What the next month's list will carry over: failed and uncollected lines, and how many
    of them move to cash because their account failed."""
    lines = PaymentLine.objects.filter(
        payment_list__period=period, status__in=[LineStatus.FAILED, LineStatus.UNPAID]
    )
    figures = lines.aggregate(
        count=Count("id"),
        amount=Sum("amount_total"),
        to_cash=Count("id", filter=Q(status=LineStatus.FAILED, channel="account")),
    )
    carried = lines.filter(carried_over_to__isnull=False).count()
    return {
        "count": figures["count"],
        "amount": figures["amount"] or 0,
        "to_cash": figures["to_cash"],
        "already_carried": carried,
        "next_month": add_months(period.month, 1),
    }


def reconciliation_context(period: PaymentPeriod, commune=None) -> dict:
    """What the reconciliation page shows. With `commune` (a commune officer's), the rows that
    name people or communes are that commune's only; the providers' totals stay the list's."""
    reconciliation = (
        Reconciliation.objects.filter(period=period).select_related("reconciled_by").first()
    )
    if reconciliation is None:
        return {"reconciliation": None}
    totals = list(
        reconciliation.totals.select_related("provider", "contract").order_by("provider__code")
    )
    names = (
        "control_count",
        "control_amount",
        "statement_count",
        "statement_amount",
        "paid_count",
        "paid_amount",
        "failed_count",
        "failed_amount",
        "unpaid_count",
        "unpaid_amount",
        "fee_amount",
    )
    # Zeros, not absent keys, for a list without a batch (nobody to pay that month).
    grand = dict.fromkeys(names, 0)
    for t in totals:
        for name in names:
            grand[name] += getattr(t, name)
    issues = reconciliation.issues.select_related("provider", "line")
    suspensions = ChangeRecord.objects.filter(
        source=ChangeSource.SYSTEM,
        source_reference__endswith=f":{period.month:%Y-%m}",
        source_reference__startswith="uncollected:",
    ).filter(communes_q(period.unit))
    communes = by_commune(period)
    if commune is not None:
        issues = issues.filter(line__commune=commune)
        suspensions = suspensions.filter(commune=commune)
        communes = [row for row in communes if row["commune_id"] == commune.pk]
    return {
        "reconciliation": reconciliation,
        "totals": totals,
        "grand": dict(grand),
        "communes": communes,
        "issues": list(issues[:500]),
        "carried": carried_forward(period),
        "suspensions": suspensions.select_related("beneficiary", "commune").order_by(
            "commune__code", "beneficiary__full_name"
        )[:200],
        "next_month": add_months(period.month, 1),
        "month_start": datetime.date(period.month.year, period.month.month, 1),
    }


def refused_results(period: PaymentPeriod, commune=None) -> list[ResultDiscrepancy]:
    """The providers' results about this period's batches or lines that were not applied because
    they do not match what was sent (``payments.dispatch``: a batch never acknowledged, a
    reference outside its batch, another amount), newest first; with `commune`, only those
    about that commune's lines. The lines they name keep their status until the provider sends
    a result that matches, so a person must look at them."""
    lines = PaymentLine.objects.filter(payment_list__period=period)
    if commune is not None:
        rows = ResultDiscrepancy.objects.filter(
            reference__in=lines.filter(commune=commune).values("reference")
        )
    else:
        batches = PaymentBatch.objects.filter(payment_list__period=period)
        rows = ResultDiscrepancy.objects.filter(
            Q(batch_reference__in=batches.values("reference"))
            | Q(reference__in=lines.values("reference"))
        )
    return list(rows.select_related("provider").order_by("-detected_at", "reference")[:500])
