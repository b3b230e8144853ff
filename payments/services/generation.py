"""Generating a period's list (and regenerating it while it is a draft).

Generation is set-based: a fixed number of queries load everything a closing unit needs, the
amounts come from pure functions (payments.calculations, beneficiaries.policy), and the lines are
written in bulk.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    ChangeKind,
    ChangeRecord,
    ChangeStatus,
    FuneralSupport,
    FuneralSupportStatus,
)
from beneficiaries.policy import PolicyError, age_in_month
from beneficiaries.policy_tables import load_policy_tables
from core.errors import AppError
from core.metrics import record_payment_list_generated
from org.roles import communes_of
from org.text import name_sort_key
from payments.calculations import (
    CategorySpan,
    PersonState,
    add_months,
    arrears,
    entitlement,
    format_months,
)
from payments.errors import PaymentErrorCode
from payments.explanation import line_explanation
from payments.models import (
    Channel,
    LineArrear,
    LineKind,
    LineStatus,
    PaymentLine,
    PaymentList,
    PaymentPeriod,
    PeriodStatus,
)
from payments.reform import previous_close as previous_close_of
from payments.reform import require_reform_worklist_empty
from payments.services.care_lines import care_lines_load
from payments.services.entitlement_memo import entitlement_memo
from payments.services.generation_runs import (
    PROGRESS_MIN_PEOPLE,
    generation_heartbeat,
    payment_list_generation_fail,
)
from payments.services.lines_write import BATCH_SIZE, LINE_COLUMNS, line_tail, write_lines
from payments.services.payees import Account as _Account
from payments.services.payees import Payee as _Payee
from payments.services.payees import Recipient as _Recipient
from payments.services.payees import person_payee
from payments.services.periods import CLOSED_STATUSES, require_month_in_window
from payments.services.snapshot import changes_seen, register_snapshot
from payments.signals import period_figures_changed_on_commit
from providers.models import Provider, ProviderCode

logger = logging.getLogger(__name__)

# Approved changes that can make earlier months owed: they start the arrears window.
ARREARS_KINDS = (
    ChangeKind.REGISTER,
    ChangeKind.RESUME,
    ChangeKind.CHANGE_CATEGORY,
    ChangeKind.CHANGE_DISABILITY,
)


def _states(communes: list[int], month: datetime.date) -> dict[int, PersonState]:
    """Everyone the unit may owe something in `month`, as of that month."""
    rows = Beneficiary.objects.filter(
        commune_id__in=communes,
        status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
    ).values_list(
        "id",
        "full_name",
        "id_number",
        "date_of_birth",
        "commune_id",
        "status",
        "start_month",
        "end_month",
        "disability_level",
        "dependent_children",
        "phone",
    )
    states = {row[0]: PersonState(*row) for row in rows.iterator(chunk_size=5000)}
    for beneficiary_id, code, start, end in (
        BeneficiaryCategory.objects.filter(
            beneficiary__commune_id__in=communes,
            beneficiary__status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
        )
        .values_list("beneficiary_id", "category__code", "start_month", "end_month")
        .iterator(chunk_size=5000)
    ):
        state = states.get(beneficiary_id)
        if state is not None:
            state.categories.append(CategorySpan(code, start, end))
    return states


def _approved_changes(in_unit: dict, month: datetime.date):
    return (
        ChangeRecord.objects.filter(
            **in_unit, status=ChangeStatus.APPROVED, effective_month__lte=month
        )
        .exclude(kind=ChangeKind.REGISTER)
        .select_related("new_category", "old_category", "recipient", "account", "account__provider")
        .order_by("effective_month", "decided_at", "id")
    )


def payment_list_generate(
    *,
    period: PaymentPeriod,
    generated_by=None,
    progress: Callable[[int, int], None] | None = None,
    rule: str | None = None,
) -> PaymentList:
    """Build the period's list from the register as it stands for the month.

    Every active beneficiary of the unit's communes gets a line: the monthly amount (policy
    engine), arrears for earlier months an approved change made owed (month by month, minus what
    closed lists paid), funeral support due, and unpaid amounts carried over from closed lists;
    paid to the recipient or guardian when one is set, into their active account, else in cash
    through VNPost. Approved changes dated up to the month count even if not applied yet.
    Replaces the lines of a draft; refuses a closed list. Set-based: a fixed number of queries.

    The lines reflect one point in the register's history (``snapshot_at``, read consistently:
    payments.services.snapshot); a person the rules cannot price gets a line marked "cannot
    compute". Any error ends the generation as failed, its reason kept on the list for the
    review page (payments.services.generation_runs), and is raised again.
    """
    try:
        return _generate(period=period, generated_by=generated_by, progress=progress, rule=rule)
    except Exception as exc:
        try:
            payment_list_generation_fail(period=period, exc=exc)
        except DatabaseError:  # the caller's transaction is broken: it reports the error
            logger.exception("payment_list_generation_fail_unrecorded")
        raise


def _generate(*, period: PaymentPeriod, generated_by, progress, rule) -> PaymentList:
    rule = rule or settings.TROCAP_AGE_RULE
    require_month_in_window(period.month, period.unit_id)
    started = time.monotonic()
    # No lock here: a transaction that writes nothing commits without a WAL flush (a few ms on
    # each of thousands of communes), and the write below re-checks under the period's lock.
    with transaction.atomic():
        period = PaymentPeriod.objects.select_related("unit").get(pk=period.pk)
        if period.status in CLOSED_STATUSES:
            raise AppError(
                PaymentErrorCode.LIST_CLOSED,
                _("This list is closed: it can no longer be generated."),
            )
        payment_list, _created = PaymentList.objects.get_or_create(period=period)
    month, unit = period.month, period.unit
    # A refusal, not a failure (NOT_FAILURES): no list while the reform's worklist waits.
    require_reform_worklist_empty(unit, month)
    # One consistent read of the register, stamped before it starts (payments.services.snapshot).
    snapshot_at = timezone.now()
    with register_snapshot():
        seen = changes_seen(period, snapshot_at)
        province = unit.province_code
        commune_codes = dict(communes_of(unit).values_list("id", "code"))
        communes = list(commune_codes)
        tables = load_policy_tables()
        providers = {p.code: p for p in Provider.objects.all()}

        states = _states(communes, month)
        ids = set(states)
        # The people of the unit, as a join rather than a list of tens of thousands of ids.
        in_unit = {
            "beneficiary__commune_id__in": communes,
            "beneficiary__status__in": [BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
        }

        # Approved changes dated up to this month: applied in memory if the nightly job has not yet.
        pending_recipient: dict[int, AuthorizedRecipient | None] = {}
        pending_account: dict[int, PaymentAccount | None] = {}
        for change in _approved_changes(in_unit, month):
            state = states.get(change.beneficiary_id)
            if state is None:
                continue
            if change.kind in (ChangeKind.STOP, ChangeKind.SUSPEND, ChangeKind.RESUME):
                state.status_events.append((change.effective_month, change.kind))
            if change.applied_at is not None:
                continue
            if change.kind == ChangeKind.CHANGE_CATEGORY:
                state.categories = [
                    CategorySpan(c.code, c.start, add_months(change.effective_month, -1))
                    if change.old_category_id
                    and c.code == change.old_category.code
                    and c.end is None
                    else c
                    for c in state.categories
                ]
                if change.new_category_id:
                    state.categories.append(
                        CategorySpan(change.new_category.code, change.effective_month, None)
                    )
                if change.new_disability_level:
                    state.disability_level = change.new_disability_level
            elif change.kind == ChangeKind.CHANGE_DISABILITY:
                state.disability_level = change.new_disability_level
            elif change.kind == ChangeKind.MOVE:
                # The old commune stops from the month of the move; the new one pays from the next.
                state.gap_months.add(change.effective_month)
                if change.effective_month < month:
                    state.end_month = add_months(change.effective_month, -1)
            elif change.kind == ChangeKind.SET_RECIPIENT:
                pending_recipient[state.id] = change.recipient
            elif change.kind == ChangeKind.REMOVE_RECIPIENT:
                pending_recipient[state.id] = None
            elif change.kind == ChangeKind.SET_ACCOUNT:
                pending_account[state.id] = change.account
            elif change.kind == ChangeKind.CLOSE_ACCOUNT:
                pending_account[state.id] = None

        # Plain tuples, not model instances: a province has tens of thousands of each.
        recipients: dict[int, _Recipient | None] = {
            row[0]: _Recipient(*row[1:])
            for row in AuthorizedRecipient.objects.filter(**in_unit, active=True)
            .values_list("beneficiary_id", "id", "full_name", "id_number", "phone")
            .iterator(chunk_size=5000)
        }
        recipients.update(
            {
                k: _Recipient(r.id, r.full_name, r.id_number, r.phone) if r else None
                for k, r in pending_recipient.items()
            }
        )
        accounts: dict[int, _Account | None] = {
            row[0]: _Account(*row[1:])
            for row in PaymentAccount.objects.filter(**in_unit, status=AccountStatus.ACTIVE)
            # An account opened after the month (a list made for an earlier month) did not pay it.
            .exclude(opened_on__gte=add_months(month, 1))
            .values_list(
                "beneficiary_id", "id", "holder", "recipient_id", "provider_id", "account_number"
            )
            .iterator(chunk_size=5000)
        }
        accounts.update(
            {
                k: _Account(a.id, a.holder, a.recipient_id, a.provider_id, a.account_number)
                if a
                else None
                for k, a in pending_account.items()
            }
        )

        # Arrears: the window of each person starts at the earliest approved change since the
        # last closed list that made earlier months owed (a registration, a resumption, a new
        # category...).
        previous_close = previous_close_of(unit, month)  # across the reform too
        windows: dict[int, datetime.date] = {}
        if previous_close is not None:
            suspended_from: dict[int, datetime.date] = {}
            for beneficiary_id, effective in (
                ChangeRecord.objects.filter(
                    **in_unit,
                    status=ChangeStatus.APPROVED,
                    kind=ChangeKind.SUSPEND,
                )
                .values_list("beneficiary_id", "effective_month")
                .order_by("effective_month")
            ):
                suspended_from[beneficiary_id] = effective
            for beneficiary_id, kind, effective in (
                ChangeRecord.objects.filter(
                    **in_unit,
                    status=ChangeStatus.APPROVED,
                    kind__in=ARREARS_KINDS,
                    effective_month__lte=month,
                    decided_at__gt=previous_close,
                )
                .exclude(
                    kind=ChangeKind.REGISTER, checker__isnull=True
                )  # initial load: paid by the old system
                .values_list("beneficiary_id", "kind", "effective_month")
            ):
                start = (
                    suspended_from.get(beneficiary_id, effective)
                    if kind == ChangeKind.RESUME
                    else effective
                )
                windows[beneficiary_id] = min(windows.get(beneficiary_id, start), start)
        paid: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
        if windows:
            earliest = min(windows.values())
            for beneficiary_id, list_month, amount in PaymentLine.objects.filter(
                beneficiary_id__in=list(windows),
                payment_list__closed_at__isnull=False,
                payment_list__period__month__gte=earliest,
            ).values_list("beneficiary_id", "payment_list__period__month", "amount_regular"):
                paid[beneficiary_id][list_month] += amount
            for beneficiary_id, arrear_month, amount in LineArrear.objects.filter(
                line__beneficiary_id__in=list(windows),
                line__care_arrangement__isnull=True,  # care arrears: payments.services.care_lines
                line__payment_list__closed_at__isnull=False,
                month__gte=earliest,
            ).values_list("line__beneficiary_id", "month", "amount"):
                paid[beneficiary_id][arrear_month] += amount

        # Unpaid money of closed lists, carried over (also for people who have since stopped),
        # onto the same kind of line: by person and care arrangement (None: the allowance).
        carried: dict[tuple[int, int | None], list[PaymentLine]] = defaultdict(list)
        # A line of a commune the reform abolished follows its person to the new commune.
        for line in PaymentLine.objects.filter(
            Q(commune_id__in=communes)
            | Q(commune__active=False, beneficiary__commune_id__in=communes),
            status__in=[LineStatus.FAILED, LineStatus.UNPAID],
            carried_over_to__isnull=True,
            payment_list__closed_at__isnull=False,
            payment_list__period__month__lt=month,
        ).only(
            "id",
            "beneficiary_id",
            "care_arrangement_id",
            "amount_total",
            "channel",
            "account_number",
            "payment_list_id",
        ):
            carried[(line.beneficiary_id, line.care_arrangement_id)].append(line)
        care = care_lines_load(
            tables=tables,
            communes=communes,
            month=month,
            province=province,
            rule=rule,
            previous_close=previous_close,
            carried=carried,
        )
        funerals = {
            f.beneficiary_id: f
            for f in FuneralSupport.objects.filter(
                status=FuneralSupportStatus.DUE,
                month_due__lte=month,
                beneficiary__commune_id__in=communes,
            )
        }
        extra = ({b for b, _arrangement in carried} | set(funerals)) - ids
        extra_people = {
            b.id: b
            for b in Beneficiary.objects.filter(pk__in=extra).only(
                "id", "full_name", "id_number", "commune_id", "search_name"
            )
        }
    if len(ids) >= PROGRESS_MIN_PEOPLE:
        _report(payment_list, 0, len(ids), progress)
    elif progress is not None:  # a small list is written before any page would show its progress
        progress(0, len(ids))

    # Everything the amount depends on but the date of birth is in the key: people of the same
    # age, categories, disability level and children get the same answer. Kept across the lists
    # of this process while the policy tables read are equal (entitlement_memo).
    memo = entitlement_memo(tables, month, province, rule)

    def cached_entitlement(state: PersonState):
        try:
            age = age_in_month(state.date_of_birth, month, rule)
        except PolicyError:  # born after the month: the register is wrong
            return entitlement(tables, state, month, province, rule)
        key = (state.codes_in(month), age, state.disability_level, state.dependent_children)
        if key not in memo:
            memo[key] = entitlement(tables, state, month, province, rule)
        return memo[key]

    lines: list[tuple] = []
    arrear_rows: list[tuple[int, list]] = []
    # Per list, not per line.
    reference_prefix = f"TC{month:%Y%m}"
    cash_provider_id = providers[ProviderCode.VNPOST].pk
    no_coefficient = Decimal(0)
    for beneficiary_id in sorted(
        ids | extra, key=lambda i: _sort_key(i, states, extra_people, commune_codes)
    ):
        state = states.get(beneficiary_id)
        regular = arrears_months = None
        problems: list[str] = []
        if state is not None and state.status_in(month) == "active":
            if state.owed_in(month):
                regular = cached_entitlement(state)
                if regular.problem:
                    problems.append(regular.problem)
            window = windows.get(beneficiary_id)
            if window is not None:
                arrears_months = arrears(
                    tables, state, window, month, paid[beneficiary_id], province, rule, problems
                )
        funeral = funerals.get(beneficiary_id)
        carry = carried.get((beneficiary_id, None), [])
        amount_regular = regular.amount if regular else 0
        amount_arrears = sum(a.amount for a in arrears_months) if arrears_months else 0
        amount_funeral = funeral.amount if funeral else 0
        amount_carried = sum(line.amount_total for line in carry) if carry else 0
        total = amount_regular + amount_arrears + amount_funeral + amount_carried
        person = state or extra_people[beneficiary_id]

        def own_payee(beneficiary_id=beneficiary_id, person=person, state=state):
            return person_payee(
                person,
                state.phone if state else "",
                recipients.get(beneficiary_id),
                accounts.get(beneficiary_id),
            )

        # Someone the rules cannot price gets a line all the same, marked, so that the list
        # cannot close on a silent zero (closing refuses it; it is never sent).
        if total > 0 or problems:
            if funeral is not None:
                payee = _Payee(funeral.payee_name, funeral.payee_id_number, "", True, None)
                account = None
            else:
                payee, account = own_payee()
            if account is not None and any(
                c.channel == Channel.ACCOUNT and c.account_number == account.account_number
                for c in carry
            ):
                account = None  # that account failed last time: cash through VNPost
            explanation = line_explanation(
                regular=regular.explanation if regular else "",
                arrears_months=[a.month for a in arrears_months or []],
                funeral=bool(funeral),
                carried_over=bool(carry),
            )
            codes = regular.codes if regular else (state.codes_in(month) if state else ())
            line = (
                payment_list.pk,
                len(lines) + 1,
                f"{reference_prefix}{beneficiary_id:09d}",
                beneficiary_id,
                person.commune_id,
                person.id_number,
                person.full_name,
                ";".join(sorted(codes)),
                regular.coefficient if regular else no_coefficient,
                amount_regular,
                0,  # amount_care
                amount_arrears,
                format_months(a.month for a in arrears_months) if arrears_months else "",
                amount_funeral,
                amount_carried,
                total,
                *line_tail(
                    payee,
                    explanation,
                    account,
                    cash_provider_id,
                    problems,
                    LineKind.FUNERAL if funeral is not None else LineKind.ALLOWANCE,
                    None,
                ),
            )
            lines.append(line)
            if arrears_months:
                arrear_rows.append((len(lines) - 1, arrears_months))
        care.add_lines(
            lines,
            arrear_rows,
            list_id=payment_list.pk,
            beneficiary_id=beneficiary_id,
            state=state,
            person=person,
            own_payee=own_payee,
            cash_provider_id=cash_provider_id,
        )

    with transaction.atomic():
        period = PaymentPeriod.objects.select_for_update().get(pk=period.pk)
        if period.status in CLOSED_STATUSES:
            raise AppError(
                PaymentErrorCode.CLOSED_WHILE_GENERATING,
                _("This list was closed while it was being generated."),
            )
        # A draft's lines are derived data nothing refers to yet (batches and carry-over links
        # are made at closing): replace them with two plain DELETEs, not one signal per row.
        LineArrear.objects.filter(line__payment_list=payment_list)._raw_delete(
            LineArrear.objects.db
        )
        PaymentLine.objects.filter(payment_list=payment_list)._raw_delete(PaymentLine.objects.db)
        write_lines(lines, lambda done, total: _report(payment_list, done, total, progress))
        if arrear_rows:
            line_ids = dict(
                PaymentLine.objects.filter(
                    payment_list=payment_list, line_no__in=[i + 1 for i, _months in arrear_rows]
                ).values_list("line_no", "id")
            )
            LineArrear.objects.bulk_create(
                [
                    LineArrear(line_id=line_ids[i + 1], month=a.month, amount=a.amount)
                    for i, months in arrear_rows
                    for a in months
                ],
                batch_size=BATCH_SIZE,
            )
        payment_list.refresh_from_db()
        payment_list.line_count = len(lines)
        payment_list.total_amount = sum(line[LINE_COLUMNS.index("amount_total")] for line in lines)
        payment_list.generated_at = timezone.now()
        payment_list.generated_by = generated_by
        payment_list.progress_done = payment_list.progress_total = len(lines)
        payment_list.generation_error = ""
        payment_list.task_id = ""
        payment_list.heartbeat_at = None
        payment_list.snapshot_at = snapshot_at
        payment_list.changes_seen = seen
        payment_list.content_hash = ""
        if generated_by is not None:
            payment_list._history_user = generated_by
        payment_list.save()
        period.status = PeriodStatus.GENERATED
        if generated_by is not None:
            period._history_user = generated_by
        period.save(update_fields=["status"])
        period_figures_changed_on_commit(period)
    seconds = time.monotonic() - started
    record_payment_list_generated(seconds=seconds)
    logger.info(
        "payment_list_generated",
        extra={
            "period_id": period.pk,
            "lines": payment_list.line_count,
            "care_lines": sum(1 for line in lines if line[-1] is not None),
            "total": payment_list.total_amount,
            "seconds": round(seconds, 3),
        },
    )
    return payment_list


def _sort_key(pk, states, extra_people, commune_codes):
    person = states.get(pk) or extra_people[pk]
    return (commune_codes.get(person.commune_id, ""), name_sort_key(person.full_name), pk)


def _report(payment_list: PaymentList, done: int, total: int, progress) -> None:
    generation_heartbeat(payment_list, progress_done=done, progress_total=total)
    if progress is not None:
        progress(done, total)
