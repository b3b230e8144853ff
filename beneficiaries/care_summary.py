"""The care-support panel of a person's page (Decree 20 Art. 20): the arrangements that care for
them, with this month's amount from the policy engine (`care_support_amount`, with their age),
and the people they care for themself (only those the user may see)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from beneficiaries.care_models import PAYABLE_CARE_STATUSES, CareArrangement, CareStatus
from beneficiaries.models import Beneficiary
from beneficiaries.policy import PolicyError, PolicyTables, care_support_amount
from org.scoping import scope_queryset


@dataclass(frozen=True)
class CareRow:
    arrangement: CareArrangement
    # This month's support (None: not paid this month), or why the rules cannot price it.
    amount: int | None
    problem: str = ""


def care_rows(
    beneficiary: Beneficiary, month: datetime.date, *, tables: PolicyTables
) -> list[CareRow]:
    """The person's arrangements, newest first, each with this month's amount when it is paid
    this month (one query)."""
    rows = []
    for arrangement in (
        CareArrangement.objects.filter(beneficiary=beneficiary)
        .select_related("account_provider")
        .order_by("-start_month", "-id")
    ):
        amount, problem = None, ""
        if arrangement.status in PAYABLE_CARE_STATUSES and arrangement.runs_in(month):
            try:
                amount = care_support_amount(
                    tables,
                    arrangement.code,
                    month,
                    beneficiary.commune.province_code,
                    cared_date_of_birth=beneficiary.date_of_birth,
                    variant=arrangement.variant,
                    rule=settings.TROCAP_AGE_RULE,
                )
            except PolicyError:
                problem = _("The rules cannot price this care support this month.")
        rows.append(CareRow(arrangement=arrangement, amount=amount, problem=problem))
    return rows


def caring_for(*, user, beneficiary: Beneficiary) -> list[CareArrangement]:
    """The arrangements (in force or awaiting approval) in which this person is the carer, of
    people the user may see."""
    return list(
        scope_queryset(
            CareArrangement.objects.filter(
                carer_beneficiary=beneficiary,
                status__in=[CareStatus.ACTIVE, CareStatus.PENDING],
            ).select_related("beneficiary"),
            user=user,
            unit_field="beneficiary__commune",
        ).order_by("-start_month")
    )
