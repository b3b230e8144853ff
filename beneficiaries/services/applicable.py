"""Which kinds of change make sense for a person now: the one answer the person's page menu, the
change form's view and the service (`checks.change_errors`) all use, so what the menu offers is
exactly what the server accepts.

- Nothing for someone awaiting approval, rejected, stopped or dead (nothing is paid any more).
- No suspension of someone suspended, no resumption of someone receiving.
- No "remove recipient" without a recipient in force, no "close account" without an active one.
- No second change of a kind already waiting (draft, submitted or proposed).
- A care arrangement is set for someone receiving, and ended only where one is in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import AccountStatus
from beneficiaries.care_models import CareArrangement, CareStatus
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryStatus,
    ChangeKind,
    ChangeRecord,
    ChangeStatus,
)

# Not yet decided (checks.OPEN_STATUSES, which imports this module).
OPEN = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.PROPOSED)

# The kinds an officer records from a person's page, in the menu's order (a registration is not
# a change of an existing person).
MENU_KINDS = (
    ChangeKind.STOP,
    ChangeKind.SUSPEND,
    ChangeKind.RESUME,
    ChangeKind.CHANGE_CATEGORY,
    ChangeKind.CHANGE_DISABILITY,
    ChangeKind.MOVE,
    ChangeKind.SET_RECIPIENT,
    ChangeKind.REMOVE_RECIPIENT,
    ChangeKind.SET_ACCOUNT,
    ChangeKind.CLOSE_ACCOUNT,
    ChangeKind.SET_CARE,
    ChangeKind.END_CARE,
)


@dataclass(frozen=True)
class Refusal:
    code: Code
    message: str


@dataclass(frozen=True)
class PersonFacts:
    """What the decision reads about the person (four small queries, or given)."""

    status: str
    dead: bool
    has_recipient: bool
    has_account: bool
    open_kinds: frozenset[str]
    has_active_care: bool = False

    @classmethod
    def of(cls, b: Beneficiary) -> PersonFacts:
        return cls(
            status=b.status,
            dead=b.date_of_death is not None,
            has_recipient=b.recipients.filter(active=True).exists(),
            has_account=b.accounts.filter(status=AccountStatus.ACTIVE).exists(),
            open_kinds=frozenset(
                ChangeRecord.objects.filter(beneficiary=b, status__in=OPEN).values_list(
                    "kind", flat=True
                )
            ),
            has_active_care=CareArrangement.objects.filter(
                beneficiary=b, status=CareStatus.ACTIVE
            ).exists(),
        )


def kind_refusal(facts: PersonFacts, kind: str) -> Refusal | None:
    """Why `kind` does not apply to this person now, or None when it does."""
    if kind not in MENU_KINDS:
        return Refusal(Code.CHANGE_KIND_INVALID, _("Choose the kind of change."))
    if facts.dead or facts.status in (BeneficiaryStatus.STOPPED, BeneficiaryStatus.REJECTED):
        return Refusal(
            Code.BENEFICIARY_CLOSED,
            _("This beneficiary no longer receives the allowance: no change can be made."),
        )
    if facts.status == BeneficiaryStatus.PENDING:
        return Refusal(
            Code.BENEFICIARY_PENDING,
            _("The registration is awaiting approval: record changes once it is approved."),
        )
    if kind == ChangeKind.SUSPEND and facts.status != BeneficiaryStatus.ACTIVE:
        return Refusal(Code.NOT_ACTIVE, _("Only a beneficiary who is receiving can be suspended."))
    if kind == ChangeKind.RESUME and facts.status != BeneficiaryStatus.SUSPENDED:
        return Refusal(Code.NOT_SUSPENDED, _("Only a suspended beneficiary can resume."))
    if kind == ChangeKind.REMOVE_RECIPIENT and not facts.has_recipient:
        return Refusal(
            Code.NO_RECIPIENT, _("The beneficiary has no recipient or guardian to remove.")
        )
    if kind == ChangeKind.CLOSE_ACCOUNT and not facts.has_account:
        return Refusal(Code.NO_ACTIVE_ACCOUNT, _("The beneficiary has no active account to close."))
    if kind == ChangeKind.SET_CARE and facts.status != BeneficiaryStatus.ACTIVE:
        return Refusal(
            Code.NOT_ACTIVE,
            _("A care arrangement is set only for a beneficiary who is receiving."),
        )
    if kind == ChangeKind.END_CARE and not facts.has_active_care:
        return Refusal(
            Code.NO_ACTIVE_CARE, _("The beneficiary has no care arrangement in force to end.")
        )
    if kind in facts.open_kinds:
        return Refusal(
            Code.CHANGE_ALREADY_OPEN,
            _("A change of this kind is already waiting for this beneficiary."),
        )
    return None


def applicable_kinds(b: Beneficiary, facts: PersonFacts | None = None) -> list[ChangeKind]:
    """The kinds of change that make sense for `b` now, in the menu's order."""
    facts = facts or PersonFacts.of(b)
    return [kind for kind in MENU_KINDS if kind_refusal(facts, kind) is None]
