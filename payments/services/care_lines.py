"""Care-support lines of a generated list (Decree 20/2021 Art. 20).

One line per care arrangement and month, right after the allowance line of the person cared for:
its beneficiary is the person cared for, its payee the carer (for `CS_DISABLED_PARENT`, the
disabled parent, paid as their allowance is), through the carer's own account or in cash
through VNPost. An arrangement pays a month while it runs (start_month..end_month) and the
person cared for is paid their allowance for it (a suspended, stopped or moved-away month pays
no care either). An arrangement approved (its SET_CARE change decided) since the last closed
list gets the months from its start not yet paid as arrears; unpaid care lines of closed lists
carry over onto the same arrangement's next line, never onto the allowance's.

Set-based like the rest of generation: `care_lines_load` reads the unit's arrangements, their
arrears windows and what closed lists paid them in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from beneficiaries.models import (
    PAYABLE_CARE_STATUSES,
    CareArrangement,
    CareCode,
    ChangeKind,
    ChangeRecord,
    ChangeStatus,
)
from beneficiaries.policy import (
    PolicyError,
    PolicyTables,
    age_in_month,
    care_support_amount,
    standard_level,
)
from core.months import add_months, months_between
from org.text import format_vnd
from payments.calculations import MAX_ARREARS_MONTHS, ArrearsMonth, PersonState, format_months
from payments.explanation import line_explanation
from payments.models import Channel, LineArrear, LineKind, PaymentLine
from payments.services.lines_write import line_tail
from payments.services.payees import Account, Payee


@dataclass(frozen=True)
class Arrangement:
    id: int
    beneficiary_id: int
    code: str
    variant: str
    carer_full_name: str
    carer_id_number: str
    carer_phone: str
    provider_id: int | None
    account_number: str
    start_month: datetime.date
    end_month: datetime.date | None

    @property
    def pays_the_person(self) -> bool:
        """CS_DISABLED_PARENT: the support is the disabled parent's own (CareArrangement)."""
        return self.code == CareCode.DISABLED_PARENT

    def runs_in(self, month: datetime.date) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)


@dataclass(frozen=True)
class CarePrice:
    amount: int
    coefficient: Decimal
    formula: str  # "CS_FOSTER_K1 ×2,5 × 500.000 ₫"
    problem: str = ""


@dataclass
class CareLines:
    """What the care lines of one list need, loaded once (`care_lines_load`)."""

    tables: PolicyTables
    month: datetime.date
    province: str
    rule: str
    by_person: dict[int, list[Arrangement]]
    windows: dict[int, datetime.date]  # arrangement id -> first month of its arrears
    paid: dict[int, dict[datetime.date, int]]  # arrangement id -> month -> paid by closed lists
    carried: dict[tuple[int, int | None], list[PaymentLine]]
    memo: dict[tuple, CarePrice] = field(default_factory=dict)

    def price(self, arrangement: Arrangement, month: datetime.date, born: datetime.date):
        """The care support of `arrangement` for `month`, the person cared for born `born`."""
        try:
            age = age_in_month(born, month, self.rule)
        except PolicyError as exc:
            return CarePrice(0, Decimal(0), "", problem=_care_problem(arrangement.code, exc))
        key = (arrangement.code, arrangement.variant, age, month)
        if key not in self.memo:
            self.memo[key] = _price(self, arrangement, month, age)
        return self.memo[key]

    def add_lines(
        self,
        lines: list[tuple],
        arrear_rows: list[tuple[int, list]],
        *,
        list_id: int,
        beneficiary_id: int,
        state: PersonState | None,
        person,
        own_payee: Callable[[], tuple[Payee, Account | None]],
        cash_provider_id: int,
    ) -> None:
        """Append the care lines of the person cared for `beneficiary_id` to `lines` (and their
        arrears to `arrear_rows`, by line index), in the order of the arrangements' ids."""
        month = self.month
        for arrangement in self.by_person.get(beneficiary_id, ()):
            problems: list[str] = []
            price = None
            if (
                state is not None
                and arrangement.runs_in(month)
                and state.status_in(month) == "active"
                and state.owed_in(month)
            ):
                price = self.price(arrangement, month, state.date_of_birth)
                if price.problem:
                    problems.append(price.problem)
            arrears_months = self._arrears(arrangement, state, problems)
            carry = self.carried.get((beneficiary_id, arrangement.id), [])
            amount_care = price.amount if price else 0
            amount_arrears = sum(a.amount for a in arrears_months)
            amount_carried = sum(line.amount_total for line in carry)
            total = amount_care + amount_arrears + amount_carried
            if total <= 0 and not problems:
                continue
            if arrangement.pays_the_person:
                payee, account = own_payee()
            else:
                payee = Payee(
                    arrangement.carer_full_name,
                    arrangement.carer_id_number,
                    arrangement.carer_phone,
                    True,
                    None,
                )
                account = (
                    Account(None, "", None, arrangement.provider_id, arrangement.account_number)
                    if arrangement.provider_id and arrangement.account_number
                    else None
                )
            if account is not None and any(
                c.channel == Channel.ACCOUNT and c.account_number == account.account_number
                for c in carry
            ):
                account = None  # that account failed last time: cash through VNPost
            price_or_last = price or (
                self.price(arrangement, arrears_months[-1].month, state.date_of_birth)
                if arrears_months and state is not None
                else None
            )
            lines.append(
                (
                    list_id,
                    len(lines) + 1,
                    f"TC{month:%Y%m}C{arrangement.id:09d}",
                    beneficiary_id,
                    person.commune_id,
                    person.id_number,
                    person.full_name,
                    arrangement.code,
                    price_or_last.coefficient if price_or_last else Decimal(0),
                    0,  # amount_regular
                    amount_care,
                    amount_arrears,
                    format_months(a.month for a in arrears_months),
                    0,  # amount_funeral
                    amount_carried,
                    total,
                    *line_tail(
                        payee,
                        line_explanation(
                            regular="",
                            care=price.formula if price else "",
                            arrears_months=[a.month for a in arrears_months],
                            funeral=False,
                            carried_over=bool(carry),
                        ),
                        account,
                        cash_provider_id,
                        problems,
                        LineKind.CARE_SUPPORT,
                        arrangement.id,
                    ),
                )
            )
            if arrears_months:
                arrear_rows.append((len(lines) - 1, arrears_months))

    def _arrears(
        self, arrangement: Arrangement, state: PersonState | None, problems: list[str]
    ) -> list[ArrearsMonth]:
        window = self.windows.get(arrangement.id)
        if window is None or state is None or window >= self.month:
            return []
        first = max(window, add_months(self.month, -MAX_ARREARS_MONTHS))
        paid = self.paid.get(arrangement.id, {})
        out = []
        for m in months_between(first, add_months(self.month, -1)):
            if not (arrangement.runs_in(m) and state.owed_in(m)):
                continue
            owed = self.price(arrangement, m, state.date_of_birth)
            if owed.problem:
                problems.append(owed.problem)
            due = owed.amount - paid.get(m, 0)
            if due > 0:
                out.append(ArrearsMonth(m, due))
        return out


def _care_problem(code: str, exc: Exception) -> str:
    return _("The policy tables cannot price the care support %(code)s: %(error)s") % {
        "code": code,
        "error": exc,
    }


def _price(care: CareLines, arrangement: Arrangement, month: datetime.date, age: int) -> CarePrice:
    try:
        amount = care_support_amount(
            care.tables,
            arrangement.code,
            month,
            care.province,
            cared_age=age,
            variant=arrangement.variant,
            rule=care.rule,
        )
        level = standard_level(care.tables, month, care.province)
    except PolicyError as exc:
        return CarePrice(0, Decimal(0), "", problem=_care_problem(arrangement.code, exc))
    coefficient = (Decimal(amount) / Decimal(level)).quantize(Decimal("0.01"))
    formula = (
        f"{arrangement.code} ×{str(coefficient.normalize()).replace('.', ',')}"
        f" × {format_vnd(level)}"
    )
    return CarePrice(amount, coefficient, formula)


def care_lines_load(
    *,
    tables: PolicyTables,
    communes: list[int],
    month: datetime.date,
    province: str,
    rule: str,
    previous_close: datetime.datetime | None,
    carried: dict[tuple[int, int | None], list[PaymentLine]],
) -> CareLines:
    """Read the care arrangements of the unit's communes that may pay something on `month`'s
    list (running in the months arrears can reach, or with money carried over), the arrears
    window of those approved since `previous_close`, and what closed lists paid them. Four
    queries, whatever the number of arrangements."""
    carried_ids = [arrangement_id for _b, arrangement_id in carried if arrangement_id]
    earliest = add_months(month, -MAX_ARREARS_MONTHS)
    rows = (
        CareArrangement.objects.filter(
            Q(
                beneficiary__commune_id__in=communes,
                status__in=PAYABLE_CARE_STATUSES,
                start_month__lte=month,
            )
            & (Q(end_month__isnull=True) | Q(end_month__gte=earliest))
            | Q(pk__in=carried_ids)
        )
        .order_by("id")
        .values_list(
            "id",
            "beneficiary_id",
            "code",
            "variant",
            "carer_full_name",
            "carer_id_number",
            "carer_phone",
            "account_provider_id",
            "account_number",
            "start_month",
            "end_month",
        )
    )
    by_person: dict[int, list[Arrangement]] = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        by_person[row[1]].append(Arrangement(*row))
    windows: dict[int, datetime.date] = {}
    if previous_close is not None:
        # Approved by a checker since the last close; an arrangement of the initial load (no
        # checker) was paid by the old system before its start.
        for arrangement_id, start in ChangeRecord.objects.filter(
            kind=ChangeKind.SET_CARE,
            status=ChangeStatus.APPROVED,
            decided_at__gt=previous_close,
            checker__isnull=False,
            care_arrangement__beneficiary__commune_id__in=communes,
            care_arrangement__status__in=PAYABLE_CARE_STATUSES,
            care_arrangement__start_month__lt=month,
        ).values_list("care_arrangement_id", "care_arrangement__start_month"):
            windows[arrangement_id] = start
    paid: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    if windows:
        closed = {"payment_list__closed_at__isnull": False}
        for arrangement_id, list_month, amount in PaymentLine.objects.filter(
            care_arrangement_id__in=list(windows),
            payment_list__period__month__gte=min(windows.values()),
            **closed,
        ).values_list("care_arrangement_id", "payment_list__period__month", "amount_care"):
            paid[arrangement_id][list_month] += amount
        for arrangement_id, arrear_month, amount in LineArrear.objects.filter(
            line__care_arrangement_id__in=list(windows),
            line__payment_list__closed_at__isnull=False,
            month__gte=min(windows.values()),
        ).values_list("line__care_arrangement_id", "month", "amount"):
            paid[arrangement_id][arrear_month] += amount
    return CareLines(
        tables=tables,
        month=month,
        province=province,
        rule=rule,
        by_person=dict(by_person),
        windows=windows,
        paid=paid,
        carried=carried,
    )
