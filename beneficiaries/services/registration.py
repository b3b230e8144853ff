"""Registering a new beneficiary (an increase) as a `register` change record."""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountHolder, AccountStatus, PaymentAccount
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    CareStatus,
    Category,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
)
from beneficiaries.services.care import care_write
from beneficiaries.services.checks import (
    check_decision_file,
    registration_errors,
    require_maker,
    tag,
)
from beneficiaries.services.inputs import (
    AccountInput,
    RegistrationInput,
    registration_normalized,
)
from core.errors import AppError
from org.downloads import export_logged
from org.models import AdministrativeUnit
from org.text import search_key
from providers.models import Provider

logger = logging.getLogger(__name__)

ClosedListsChecker = Callable[[Iterable[int]], set[int]]
"""``checker(commune_ids) -> the ids among them whose closing unit has closed a payment list``."""

_closed_lists_checker: ClosedListsChecker | None = None

# What the export/audit log calls an initial load.
INITIAL_LOAD_LOGGED = "initial_load"


def closed_lists_checker_register(checker: ClosedListsChecker) -> None:
    """Set the one function that says which communes already have a closed payment list.
    Lists are payments' business, a layer above: payments registers its selector in its
    AppConfig.ready (as it registers the callback handler with providers)."""
    global _closed_lists_checker
    _closed_lists_checker = checker


def initial_load_check(*, user, communes: Iterable[AdministrativeUnit]) -> None:
    """May `user` load these communes' people as already approved (an initial load)?

    Only the administrator (of the communes' area), and only while none of the communes has a
    closed payment list: the initial load migrates an older system's register before this one
    pays anyone; once a unit has closed a list, every new person goes through a checker. Raises
    AppForbidden (INITIAL_LOAD_NOT_ALLOWED) or AppError (INITIAL_LOAD_AFTER_CLOSED_LIST)."""
    communes = {c.pk: c for c in communes}
    for commune in communes.values():
        require_maker(user, commune, initial_load=True)
    if _closed_lists_checker is None:
        raise RuntimeError("No closed-list checker registered (is the payments app installed?).")
    closed = sorted(
        (communes[pk] for pk in _closed_lists_checker(list(communes))), key=lambda c: c.code
    )
    if closed:
        raise AppError(
            Code.INITIAL_LOAD_AFTER_CLOSED_LIST,
            _(
                "The initial load is only possible before the first payment list is closed; "
                "these communes already have a closed list: %(communes)s. Import the people as "
                "registrations for the district to approve."
            ),
            params={"communes": ", ".join(f"{c.name} ({c.code})" for c in closed)},
        )


def initial_load_reason(user) -> str:
    """The change reason on every history row an initial load writes (at most 100 characters,
    as simple-history keeps it)."""
    return (_("Initial load by %(user)s") % {"user": user})[:100]


def initial_load_logged(*, user, communes: Iterable[AdministrativeUnit], name: str) -> None:
    """Record an initial load in the export/audit log: one entry per commune, with its rows."""
    for commune, rows in sorted(Counter(communes).items(), key=lambda item: item[0].code):
        export_logged(
            user=user,
            what=INITIAL_LOAD_LOGGED,
            unit=commune,
            parameters=f"file={name}"[:255] if name else "",
            row_count=rows,
        )


@transaction.atomic
def beneficiary_register(
    *,
    data: RegistrationInput,
    maker,
    submit: bool = True,
    decision_file: UploadedFile | None = None,
    source: str = ChangeSource.OFFICER,
    initial_load: bool = False,
    today: datetime.date | None = None,
) -> ChangeRecord:
    """Register a new beneficiary as a `register` change record.

    The person, categories, recipient, account and care arrangement are written at once but stay
    inert (pending) until a district officer approves; `submit=False` keeps the change as a
    draft. With `initial_load` (migrating already-approved people from an older system: the
    administrator only, before the commune's first closed list, see `initial_load_check`) the
    person is active at once and the change is recorded as approved, with no arrears before
    start_month, logged in the export/audit log and "initial load by <user>" on every history row.
    Raises AppError (coded, by field; INITIAL_LOAD_AFTER_CLOSED_LIST) or AppForbidden (NOT_MAKER,
    INITIAL_LOAD_NOT_ALLOWED); on any error nothing is saved. Not durable: the portal registers
    an application inside its own transaction.
    """
    today = today or timezone.localdate()
    data = registration_normalized(data)
    if initial_load:
        initial_load_check(user=maker, communes=[data.commune])
    else:
        require_maker(maker, data.commune, portal=source == ChangeSource.PORTAL)
    errors = registration_errors(data=data, today=today, initial_load=initial_load, user=maker)
    errors.extend("decision_file", check_decision_file(decision_file))
    errors.raise_if_any()
    change = registration_write(
        data=data,
        maker=maker,
        submit=submit,
        decision_file=decision_file,
        source=source,
        initial_load=initial_load,
    )
    if initial_load:
        initial_load_logged(user=maker, communes=[data.commune], name="")
    logger.info(
        "beneficiary registered",
        extra={
            "change_id": change.pk,
            "beneficiary_id": change.beneficiary_id,
            "kind": change.kind,
            "commune_code": data.commune.code,
            "status": change.status,
            "source": source,
            "user_id": maker.pk,
        },
    )
    return change


def registration_write(
    *,
    data: RegistrationInput,
    maker,
    submit: bool,
    decision_file: UploadedFile | None,
    source: str,
    initial_load: bool,
) -> ChangeRecord:
    """Write a registration that has been checked (see beneficiary_register; the import checks a
    whole file first, then writes every row with this). An initial load's rows carry "initial
    load by <maker>" as their history's change reason."""
    reason = initial_load_reason(maker) if initial_load else ""
    status = BeneficiaryStatus.ACTIVE if initial_load else BeneficiaryStatus.PENDING
    beneficiary = Beneficiary(
        external_id=data.external_id,
        full_name=" ".join(data.full_name.split()),
        date_of_birth=data.date_of_birth,
        sex=data.sex,
        ethnicity=data.ethnicity or "Kinh",
        id_number=data.id_number,
        phone=data.phone,
        commune=data.commune,
        address=data.address,
        status=status,
        disability_level=data.disability_level if "K6" in data.categories else "",
        dependent_children=data.dependent_children if "K4" in data.categories else None,
        start_month=data.start_month,
        created_by=maker,
    )
    tag(maker, beneficiary, reason=reason)
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError as exc:  # two officers registering the same ID at the same moment
        raise AppError(
            Code.ID_NUMBER_TAKEN,
            _("Another beneficiary already has this ID number."),
            field="id_number",
        ) from exc
    categories = {c.code: c for c in Category.objects.filter(code__in=data.categories)}
    for code in data.categories:
        row = BeneficiaryCategory(
            beneficiary=beneficiary,
            category=categories[code],
            decision_number=data.decision_number.strip(),
            decision_date=data.decision_date,
            start_month=data.start_month,
        )
        tag(maker, row, reason=reason)
        row.save()
    recipient = None
    if data.recipient is not None:
        recipient = AuthorizedRecipient(
            beneficiary=beneficiary,
            kind=data.recipient.kind,
            full_name=" ".join(data.recipient.full_name.split()),
            id_number=data.recipient.id_number,
            relationship=data.recipient.relationship.strip(),
            phone=data.recipient.phone,
            valid_from=data.start_month,
        )
        tag(maker, recipient, reason=reason)
        recipient.save()
    account = None
    if data.account is not None:
        account = account_write(
            beneficiary=beneficiary,
            recipient=recipient,
            data=data.account,
            status=AccountStatus.ACTIVE if initial_load else AccountStatus.PENDING,
            opened_on=data.start_month if initial_load else None,
            user=maker,
            reason=reason,
        )
    care = None
    if data.care is not None:
        care = care_write(
            beneficiary=beneficiary,
            care=data.care,
            start_month=data.start_month,
            status=CareStatus.ACTIVE if initial_load else CareStatus.PENDING,
            decision_number=data.decision_number,
            decision_date=data.decision_date,
            user=maker,
            reason=reason,
        )
    now = timezone.now()
    change = ChangeRecord(
        beneficiary=beneficiary,
        commune=data.commune,
        kind=ChangeKind.REGISTER,
        reason=ChangeReason.NEW_DECISION,
        effective_month=data.start_month,
        decision_number=data.decision_number.strip(),
        decision_date=data.decision_date,
        status=ChangeStatus.APPROVED
        if initial_load
        else (ChangeStatus.SUBMITTED if submit else ChangeStatus.DRAFT),
        source=source,
        recipient=recipient,
        account=account,
        care_arrangement=care,
        maker=maker,
        submitted_at=now if (submit or initial_load) else None,
        decided_at=now if initial_load else None,
        applied_at=now if initial_load else None,
        reason_detail=_("Migrated from an earlier system (initial load).") if initial_load else "",
    )
    if decision_file is not None:
        change.decision_file = decision_file
    tag(maker, change, reason=reason)
    change.save()
    return change


def account_write(
    *,
    beneficiary: Beneficiary,
    recipient: AuthorizedRecipient | None,
    data: AccountInput,
    status: str,
    opened_on: datetime.date | None,
    user,
    reason: str = "",
) -> PaymentAccount:
    """Write a checked account for `beneficiary` (in `recipient`'s name when they hold it)."""
    holder_name = (
        recipient.full_name if data.holder == AccountHolder.RECIPIENT else beneficiary.full_name
    )
    account = PaymentAccount(
        beneficiary=beneficiary,
        holder=data.holder,
        recipient=recipient if data.holder == AccountHolder.RECIPIENT else None,
        provider=Provider.objects.get(code=data.provider_code),
        account_number=data.account_number,
        account_name=data.account_name or search_key(holder_name).upper(),
        status=status,
        opened_on=opened_on,
    )
    tag(user, account, reason=reason)
    account.save()
    return account
