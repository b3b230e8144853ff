"""What the checker sees before approving a change: the person's facts, the amount this month
before and after the change (the policy module, as the payment list computes it), the population
database's latest answer, and the possible duplicates, named only within the checker's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    ChangeKind,
    ChangeRecord,
    PopulationCheck,
)
from beneficiaries.policy import Person, PolicyError, monthly_entitlement
from beneficiaries.policy_tables import load_policy_tables
from org.scoping import user_can_see_unit

# Kinds after which the person is owed nothing; kinds after which they are owed again.
_ENDS = {ChangeKind.STOP, ChangeKind.SUSPEND}
_STARTS = {ChangeKind.REGISTER, ChangeKind.RESUME}
MAX_DUPLICATES = 20


@dataclass(frozen=True)
class Amount:
    """The allowance of a month, or why the rules cannot price it."""

    amount: int | None
    codes: tuple[str, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class Duplicate:
    """Another beneficiary who may be the same person. `name` and `commune` are empty when that
    person is outside the checker's scope: then only the fact and whom to ask are shown."""

    reason: str
    name: str = ""
    commune: str = ""
    pk: int | None = None


def _amount(tables, person: Person, month: datetime.date, province: str) -> Amount:
    if not person.categories:
        return Amount(0)
    try:
        result = monthly_entitlement(tables, person, month, province, settings.TROCAP_AGE_RULE)
    except PolicyError as exc:
        return Amount(None, person.categories, str(exc))
    return Amount(result.amount, result.paid_categories)


def amounts_before_and_after(change: ChangeRecord, month: datetime.date) -> tuple[Amount, Amount]:
    """The person's allowance in `month` as the register stands, and as it would with `change`
    approved (a stop or suspension pays nothing; a new category or disability level is priced
    by the same rules the payment list uses). Two queries: the categories and the tables."""
    b = change.beneficiary
    held = tuple(
        sorted(
            BeneficiaryCategory.objects.filter(beneficiary=b, active=True, start_month__lte=month)
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
            .values_list("category__code", flat=True)
        )
    )
    tables = load_policy_tables()
    province = change.commune.province_code
    now = Person(b.date_of_birth, held, b.disability_level, b.dependent_children)
    paid_now = b.status == BeneficiaryStatus.ACTIVE
    before = _amount(tables, now, month, province) if paid_now else Amount(0)
    if change.kind in _ENDS:
        return before, Amount(0)
    codes = set(held)
    if change.kind == ChangeKind.CHANGE_CATEGORY:
        if change.old_category_id:
            codes.discard(change.old_category.code)
        if change.new_category_id:
            codes.add(change.new_category.code)
    disability = b.disability_level
    if change.kind == ChangeKind.CHANGE_DISABILITY:
        disability = change.new_disability_level
    then = Person(b.date_of_birth, tuple(sorted(codes)), disability, b.dependent_children)
    owed = paid_now or change.kind in _STARTS
    return before, (_amount(tables, then, month, province) if owed else Amount(0))


def possible_duplicates(*, user, beneficiary: Beneficiary) -> list[Duplicate]:
    """Other beneficiaries with the same search name and date of birth, or the same ID number
    (as their number or their old one). Someone outside the user's scope is reported without
    saying who or where, as registration does (`checks._duplicate_message`)."""
    same_person = Q(search_name=beneficiary.search_name, date_of_birth=beneficiary.date_of_birth)
    numbers = {n for n in (beneficiary.id_number, beneficiary.legacy_id_number) if n}
    query = same_person
    if numbers:
        query |= Q(id_number__in=numbers) | Q(legacy_id_number__in=numbers)
    others = (
        Beneficiary.objects.filter(query)
        .exclude(pk=beneficiary.pk)
        .select_related("commune")
        .order_by("pk")[:MAX_DUPLICATES]
    )
    found = []
    for other in others:
        shares_number = bool(numbers & {other.id_number, other.legacy_id_number} - {""})
        reason = _("Same ID number") if shares_number else _("Same name and date of birth")
        if user_can_see_unit(user, other.commune):
            found.append(Duplicate(reason, other.full_name, other.commune.name, other.pk))
        else:
            found.append(Duplicate(reason))
    return found


def change_review(*, user, change: ChangeRecord) -> dict:
    """Everything the change page adds for the checker (see the module's docstring)."""
    month = timezone.localdate().replace(day=1)
    before, after = amounts_before_and_after(change, month)
    return {
        "review_month": month,
        "amount_before": before,
        "amount_after": after,
        "held_categories": BeneficiaryCategory.objects.filter(
            beneficiary=change.beneficiary, active=True
        )
        .select_related("category")
        .order_by("start_month", "category__code"),
        "population_check": PopulationCheck.objects.filter(
            beneficiary=change.beneficiary, latest=True
        ).first(),
        "duplicates": possible_duplicates(user=user, beneficiary=change.beneficiary),
        # Who is paid and where, as the register stands (the change may replace them).
        "current_recipient": change.beneficiary.recipients.filter(active=True).first(),
        "current_account": PaymentAccount.objects.filter(
            beneficiary=change.beneficiary, status=AccountStatus.ACTIVE
        )
        .select_related("provider")
        .first(),
    }
