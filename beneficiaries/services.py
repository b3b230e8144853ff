"""Writes to the register: registrations and monthly changes under maker-checker.

Every service runs in one transaction: on any error nothing is saved. History (who, when,
before, after) is kept by django-simple-history on every row written here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountHolder, AccountStatus, PaymentAccount
from beneficiaries import validation
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    Category,
    ChangeKind,
    ChangeReason,
    ChangeRecord,
    ChangeSource,
    ChangeStatus,
    FuneralSupport,
    RecipientKind,
)
from beneficiaries.signals import change_decided
from core.months import add_months
from org.models import AdministrativeUnit, Role, UnitLevel
from org.scoping import user_can_see_unit
from org.text import search_key
from providers.models import Provider

MAX_DECISION_FILE_BYTES = 5 * 1024 * 1024
DECISION_FILE_SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}
OPEN_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.SUBMITTED, ChangeStatus.PROPOSED)


# --- Inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientInput:
    kind: str
    full_name: str
    id_number: str
    relationship: str
    phone: str = ""


@dataclass(frozen=True)
class AccountInput:
    provider_code: str
    account_number: str
    holder: str = AccountHolder.BENEFICIARY
    account_name: str = ""


@dataclass(frozen=True)
class RegistrationInput:
    full_name: str
    date_of_birth: datetime.date
    sex: str
    commune: AdministrativeUnit
    categories: tuple[str, ...]
    decision_number: str
    decision_date: datetime.date
    start_month: datetime.date
    ethnicity: str = "Kinh"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    disability_level: str = ""
    dependent_children: int | None = None
    recipient: RecipientInput | None = None
    account: AccountInput | None = None
    external_id: str = ""


@dataclass
class Errors:
    """Field -> messages, the shape Django forms and the import report both use."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# --- Checks shared by registration and changes ----------------------------------------------


def _check_recipient(errors: Errors, recipient: RecipientInput, prefix: str = "recipient_") -> None:
    if recipient.kind not in RecipientKind.values:
        errors.add(f"{prefix}kind", [_("Choose authorized recipient or guardian.")])
    if not recipient.full_name.strip():
        errors.add(f"{prefix}full_name", [_("Enter the recipient's full name.")])
    if not recipient.relationship.strip():
        errors.add(
            f"{prefix}relationship", [_("Enter the recipient's relationship to the beneficiary.")]
        )
    if not recipient.id_number:
        errors.add(f"{prefix}id_number", [_("Enter the recipient's personal ID number.")])
    else:
        errors.add(
            f"{prefix}id_number", validation.check_id_number(recipient.id_number, None, None)
        )
    errors.add(f"{prefix}phone", validation.check_phone(recipient.phone))


def _check_account(
    errors: Errors, account: AccountInput, *, has_recipient: bool, prefix: str = "account_"
) -> None:
    if account.provider_code not in ("VIETTELPAY", "VIETINBANK"):
        errors.add(f"{prefix}provider", [_("Choose Viettel Pay or VietinBank.")])
        return
    errors.add(
        f"{prefix}number",
        validation.check_account_number(account.provider_code, account.account_number),
    )
    if account.holder not in AccountHolder.values:
        errors.add(f"{prefix}holder", [_("Choose who holds the account.")])
    elif account.holder == AccountHolder.RECIPIENT and not has_recipient:
        errors.add(
            f"{prefix}holder",
            [_("The account is in the recipient's name, but no recipient or guardian is set.")],
        )
    if (
        account.account_number
        and PaymentAccount.objects.filter(
            provider__code=account.provider_code,
            account_number=account.account_number,
            status__in=[AccountStatus.ACTIVE, AccountStatus.PENDING],
            holder=AccountHolder.BENEFICIARY,
        ).exists()
        and account.holder == AccountHolder.BENEFICIARY
    ):
        errors.add(
            f"{prefix}number",
            [
                _(
                    "This account already receives the allowance of another beneficiary in "
                    "their own name."
                )
            ],
        )


def check_decision_file(upload: UploadedFile | None) -> list[str]:
    """A scanned decision: PDF, JPEG or PNG (by content, not by name), at most 5 MB."""
    if upload is None:
        return []
    if upload.size > MAX_DECISION_FILE_BYTES:
        return [
            _("The file is %(size)s MB; the limit is 5 MB. Scan at a lower resolution.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")}
        ]
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in DECISION_FILE_SIGNATURES):
        return [_("The decision must be a PDF, JPEG or PNG file.")]
    return []


def id_number_taken(id_number: str, *, exclude_pk: int | None = None) -> Beneficiary | None:
    """The beneficiary anywhere in the database who already has this ID number."""
    if not id_number:
        return None
    qs = Beneficiary.objects.filter(id_number=id_number).select_related("commune")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def registration_errors(data: RegistrationInput, *, today: datetime.date) -> dict[str, list[str]]:
    """Every problem with a registration, by field, in Vietnamese (database checks included)."""
    errors = Errors()
    if not data.full_name.strip():
        errors.add("full_name", [_("Enter the full name.")])
    if data.sex not in ("M", "F"):
        errors.add("sex", [_("Choose male or female.")])
    errors.add(
        "date_of_birth",
        validation.check_person_dates(date_of_birth=data.date_of_birth, today=today),
    )
    errors.add(
        "id_number", validation.check_id_number(data.id_number, data.date_of_birth, data.sex)
    )
    if data.id_number and "id_number" not in errors.by_field:
        other = id_number_taken(data.id_number)
        if other is not None:
            errors.add(
                "id_number",
                [
                    _("ID number %(number)s is already registered for %(name)s (%(commune)s).")
                    % {
                        "number": data.id_number,
                        "name": other.full_name,
                        "commune": other.commune.name,
                    }
                ],
            )
    errors.add("phone", validation.check_phone(data.phone))
    if data.commune.level != UnitLevel.COMMUNE or not data.commune.active:
        errors.add("commune", [_("Choose an active commune.")])
    if not data.categories:
        errors.add("categories", [_("Choose at least one category.")])
    unknown = [c for c in data.categories if c not in validation.CATEGORY_CODES]
    if unknown:
        errors.add(
            "categories", [_("Unknown category: %(codes)s.") % {"codes": ", ".join(unknown)}]
        )
    for name, messages in validation.check_category_requirements(
        list(data.categories),
        disability_level=data.disability_level,
        dependent_children=data.dependent_children,
    ).items():
        errors.add(name, messages)
    if not errors.by_field.get("categories") and not errors.by_field.get("date_of_birth"):
        errors.add("categories", _category_age_errors(data))
    if not data.decision_number.strip():
        errors.add("decision_number", [_("Enter the number of the decision.")])
    errors.add(
        "decision_date",
        validation.check_decision(
            decision_date=data.decision_date, date_of_birth=data.date_of_birth, today=today
        ),
    )
    errors.add(
        "start_month",
        validation.check_start_month(
            start_month=data.start_month,
            decision_date=data.decision_date,
            date_of_birth=data.date_of_birth,
        ),
    )
    if data.recipient is not None:
        _check_recipient(errors, data.recipient)
    if data.account is not None:
        _check_account(errors, data.account, has_recipient=data.recipient is not None)
    return errors.by_field


def _category_age_errors(data: RegistrationInput) -> list[str]:
    """A category whose age conditions the person does not meet in the start month (K5C under
    80, K1 at 16 or over, ...) is a data error the officer must see."""
    from django.conf import settings

    from beneficiaries.policy import Person, age_in_month, category_coefficient
    from beneficiaries.policy_tables import load_policy_tables

    if data.start_month is None or data.date_of_birth is None:
        return []
    if data.start_month < data.date_of_birth.replace(day=1):
        return []
    tables = load_policy_tables()
    person = Person(
        date_of_birth=data.date_of_birth,
        categories=tuple(data.categories),
        disability_level=data.disability_level or "severe",  # checked on its own field
        dependent_children=data.dependent_children or 1,
    )
    age = age_in_month(data.date_of_birth, data.start_month, settings.TROCAP_AGE_RULE)
    return [
        _("Category %(code)s does not apply to a person aged %(age)s in %(month)s.")
        % {"code": code, "age": age, "month": data.start_month.strftime("%m/%Y")}
        for code in data.categories
        if code in validation.CATEGORY_CODES
        and category_coefficient(tables, code, person, data.start_month, settings.TROCAP_AGE_RULE)
        is None
    ]


def _require_maker(
    user, commune: AdministrativeUnit, *, initial_load: bool = False, portal: bool = False
) -> None:
    """Commune officers enter their commune's changes. Migrating already-approved people from an
    older system (initial load) may also be done by the district or province, in their area;
    the one-stop portal's system account (a token on the district or province) sends
    applications for the communes of its area."""
    makers = {Role.COMMUNE_OFFICER}
    if initial_load:
        makers |= {Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER, Role.ADMIN}
    if portal:
        makers |= {Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER}
    if user.role not in makers or not user_can_see_unit(user, commune):
        raise PermissionDenied(_("Only an officer of this commune can enter its changes."))


def _require_checker(user, change: ChangeRecord) -> None:
    if user.role != Role.DISTRICT_OFFICER or not user_can_see_unit(user, change.commune):
        raise PermissionDenied(_("Only an officer of the district above this commune can decide."))
    if change.maker_id == user.pk:
        raise PermissionDenied(_("Nobody may approve or reject their own change."))


def _tag(user, *instances) -> None:
    """Record `user` as the author of the history rows these saves write."""
    for instance in instances:
        instance._history_user = user


# --- Registration (an increase) -----------------------------------------------------------------


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

    The person, categories, recipient and account are written at once but stay inert (pending)
    until a district officer approves; `submit=False` keeps the change as a draft. With
    `initial_load` (migrating already-approved people from an older system) the person is
    active at once and the change is recorded as approved, with no arrears before start_month.
    Raises ValidationError (by field) or PermissionDenied; on any error nothing is saved.
    """
    today = today or timezone.localdate()
    _require_maker(
        maker, data.commune, initial_load=initial_load, portal=source == ChangeSource.PORTAL
    )
    errors = Errors(registration_errors(data, today=today))
    errors.add("decision_file", check_decision_file(decision_file))
    errors.raise_if_any()
    return _register(
        data=data,
        maker=maker,
        submit=submit,
        decision_file=decision_file,
        source=source,
        initial_load=initial_load,
    )


def _register(
    *, data: RegistrationInput, maker, submit: bool, decision_file, source: str, initial_load: bool
):
    """Write a registration that has been checked (see beneficiary_register)."""
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
    _tag(maker, beneficiary)
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError as exc:  # two officers registering the same ID at the same moment
        raise ValidationError(
            {"id_number": [_("Another beneficiary already has this ID number.")]}
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
        _tag(maker, row)
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
        _tag(maker, recipient)
        recipient.save()
    account = None
    if data.account is not None:
        account = _new_account(
            beneficiary=beneficiary,
            recipient=recipient,
            data=data.account,
            status=AccountStatus.ACTIVE if initial_load else AccountStatus.PENDING,
            opened_on=data.start_month if initial_load else None,
            user=maker,
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
        maker=maker,
        submitted_at=now if (submit or initial_load) else None,
        decided_at=now if initial_load else None,
        applied_at=now if initial_load else None,
        reason_detail=_("Migrated from an earlier system (initial load).") if initial_load else "",
    )
    if decision_file is not None:
        change.decision_file = decision_file
    _tag(maker, change)
    change.save()
    return change


def _new_account(
    *, beneficiary, recipient, data: AccountInput, status, opened_on, user
) -> PaymentAccount:
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
    _tag(user, account)
    account.save()
    return account


# --- Other changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeInput:
    """A change to an existing beneficiary. Which fields matter depends on `kind`."""

    kind: str
    reason: str
    effective_month: datetime.date | None = None
    reason_detail: str = ""
    decision_number: str = ""
    decision_date: datetime.date | None = None
    date_of_death: datetime.date | None = None
    funeral_payee_name: str = ""
    funeral_payee_id_number: str = ""
    funeral_payee_relationship: str = ""
    old_category: str = ""
    new_category: str = ""
    new_disability_level: str = ""
    new_commune: AdministrativeUnit | None = None
    recipient: RecipientInput | None = None
    account: AccountInput | None = None


STOP_REASONS = (
    ChangeReason.DEATH,
    ChangeReason.MOVED_AWAY,
    ChangeReason.NOT_ELIGIBLE,
    ChangeReason.REFUSED,
    ChangeReason.IMPRISONED,
    ChangeReason.AGE,
)


def change_errors(
    beneficiary: Beneficiary, data: ChangeInput, *, today: datetime.date
) -> dict[str, list[str]]:
    """Every problem with a proposed change, by field, in Vietnamese."""
    errors = Errors()
    if data.kind not in ChangeKind.values or data.kind == ChangeKind.REGISTER:
        errors.add("kind", [_("Choose the kind of change.")])
        return errors.by_field
    if data.reason not in ChangeReason.values:
        errors.add("reason", [_("Choose a reason.")])
    if beneficiary.status in (BeneficiaryStatus.STOPPED, BeneficiaryStatus.REJECTED):
        errors.add(
            "kind", [_("This beneficiary no longer receives the allowance: no change can be made.")]
        )
    if data.kind == ChangeKind.STOP and data.reason == ChangeReason.DEATH:
        if data.date_of_death is None:
            errors.add("date_of_death", [_("Enter the date of death.")])
        else:
            if data.date_of_death > today:
                errors.add("date_of_death", [_("The date of death is in the future.")])
            if data.date_of_death < beneficiary.date_of_birth:
                errors.add("date_of_death", [_("The date of death is before the date of birth.")])
        if not data.funeral_payee_name.strip():
            errors.add("funeral_payee_name", [_("Enter who receives the funeral support.")])
        if data.funeral_payee_id_number:
            errors.add(
                "funeral_payee_id_number",
                validation.check_id_number(data.funeral_payee_id_number, None, None),
            )
    elif data.effective_month is None:
        errors.add("effective_month", [_("Enter the month the change takes effect.")])
    effective = (
        death_effective_month(data.date_of_death)
        if data.reason == ChangeReason.DEATH
        else data.effective_month
    )
    if effective and beneficiary.start_month and effective < beneficiary.start_month:
        errors.add(
            "effective_month",
            [
                _("The change cannot take effect before the allowance started (%(month)s).")
                % {"month": beneficiary.start_month.strftime("%m/%Y")}
            ],
        )
    if data.kind == ChangeKind.STOP and data.reason not in STOP_REASONS:
        errors.add(
            "reason",
            [
                _(
                    "A stop needs one of: death, moved away, no longer eligible, refused, "
                    "imprisoned, age reached."
                )
            ],
        )
    if data.kind == ChangeKind.SUSPEND and beneficiary.status != BeneficiaryStatus.ACTIVE:
        errors.add("kind", [_("Only a beneficiary who is receiving can be suspended.")])
    if data.kind == ChangeKind.RESUME and beneficiary.status != BeneficiaryStatus.SUSPENDED:
        errors.add("kind", [_("Only a suspended beneficiary can resume.")])
    if data.kind == ChangeKind.CHANGE_CATEGORY:
        held = set(
            beneficiary.categories.filter(active=True).values_list("category__code", flat=True)
        )
        if not data.new_category and not data.old_category:
            errors.add("new_category", [_("Choose the new category, or the category that ends.")])
        elif data.new_category and data.new_category not in validation.CATEGORY_CODES:
            errors.add("new_category", [_("Choose the new category.")])
        elif data.new_category in held:
            errors.add("new_category", [_("The beneficiary already holds this category.")])
        if data.old_category and data.old_category not in held:
            errors.add("old_category", [_("The beneficiary does not hold this category.")])
        requirements = validation.check_category_requirements(
            [data.new_category] if data.new_category else [],
            disability_level=data.new_disability_level or beneficiary.disability_level,
            dependent_children=beneficiary.dependent_children,
        )
        for name, messages in requirements.items():
            errors.add(
                "new_disability_level" if name == "disability_level" else "new_category", messages
            )
    if data.kind == ChangeKind.CHANGE_DISABILITY:
        if data.new_disability_level not in ("severe", "extremely_severe"):
            errors.add("new_disability_level", [_("Choose the new disability level.")])
        elif data.new_disability_level == beneficiary.disability_level:
            errors.add(
                "new_disability_level", [_("This is already the beneficiary's disability level.")]
            )
    if (
        data.kind in (ChangeKind.CHANGE_CATEGORY, ChangeKind.CHANGE_DISABILITY)
        and not data.decision_number.strip()
    ):
        errors.add("decision_number", [_("Enter the number of the decision.")])
    if data.decision_date:
        errors.add(
            "decision_date",
            validation.check_decision(
                decision_date=data.decision_date,
                date_of_birth=beneficiary.date_of_birth,
                today=today,
            ),
        )
    if data.kind == ChangeKind.MOVE:
        new = data.new_commune
        if new is None or new.level != UnitLevel.COMMUNE or not new.active:
            errors.add("new_commune", [_("Choose the commune the beneficiary moves to.")])
        elif new.pk == beneficiary.commune_id:
            errors.add("new_commune", [_("The beneficiary already lives in this commune.")])
        elif new.code_version != beneficiary.commune.code_version:
            errors.add(
                "new_commune", [_("Choose a commune from the same list of administrative units.")]
            )
    if data.kind == ChangeKind.SET_RECIPIENT:
        if data.recipient is None:
            errors.add("recipient_full_name", [_("Enter the new recipient or guardian.")])
        else:
            _check_recipient(errors, data.recipient)
    if (
        data.kind == ChangeKind.REMOVE_RECIPIENT
        and not beneficiary.recipients.filter(active=True).exists()
    ):
        errors.add("kind", [_("The beneficiary has no recipient or guardian to remove.")])
    if data.kind == ChangeKind.SET_ACCOUNT:
        if data.account is None:
            errors.add("account_number", [_("Enter the new account.")])
        else:
            has_recipient = beneficiary.recipients.filter(active=True).exists()
            _check_account(errors, data.account, has_recipient=has_recipient)
    if (
        data.kind == ChangeKind.CLOSE_ACCOUNT
        and not beneficiary.accounts.filter(status=AccountStatus.ACTIVE).exists()
    ):
        errors.add("kind", [_("The beneficiary has no active account to close.")])
    if ChangeRecord.objects.filter(
        beneficiary=beneficiary, kind=data.kind, status__in=OPEN_STATUSES
    ).exists():
        errors.add("kind", [_("A change of this kind is already waiting for this beneficiary.")])
    return errors.by_field


def death_effective_month(date_of_death: datetime.date | None) -> datetime.date | None:
    """The allowance stops from the month after death."""
    return add_months(date_of_death.replace(day=1), 1) if date_of_death else None


@transaction.atomic
def change_record_create(
    *,
    beneficiary: Beneficiary,
    data: ChangeInput,
    maker,
    submit: bool = True,
    decision_file: UploadedFile | None = None,
    source: str = ChangeSource.OFFICER,
    today: datetime.date | None = None,
) -> ChangeRecord:
    """Record a change (stop, suspend, resume, category, disability, move, recipient, account).

    Nothing about the beneficiary changes until a district officer approves. A new recipient or
    account is written inert (inactive / pending) and linked to the change.
    """
    today = today or timezone.localdate()
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    _require_maker(maker, beneficiary.commune)
    errors = Errors(change_errors(beneficiary, data, today=today))
    errors.add("decision_file", check_decision_file(decision_file))
    errors.raise_if_any()

    effective = (
        death_effective_month(data.date_of_death)
        if data.reason == ChangeReason.DEATH
        else data.effective_month
    )
    recipient = None
    account = None
    if data.kind == ChangeKind.SET_RECIPIENT:
        recipient = AuthorizedRecipient(
            beneficiary=beneficiary,
            kind=data.recipient.kind,
            full_name=" ".join(data.recipient.full_name.split()),
            id_number=data.recipient.id_number,
            relationship=data.recipient.relationship.strip(),
            phone=data.recipient.phone,
            valid_from=effective,
            active=False,
        )
        _tag(maker, recipient)
        recipient.save()
    elif data.kind == ChangeKind.REMOVE_RECIPIENT:
        recipient = beneficiary.recipients.get(active=True)
    if data.kind == ChangeKind.SET_ACCOUNT:
        holder_recipient = beneficiary.recipients.filter(active=True).first()
        account = _new_account(
            beneficiary=beneficiary,
            recipient=holder_recipient,
            data=data.account,
            status=AccountStatus.PENDING,
            opened_on=None,
            user=maker,
        )
    elif data.kind == ChangeKind.CLOSE_ACCOUNT:
        account = beneficiary.accounts.get(status=AccountStatus.ACTIVE)
    change = ChangeRecord(
        beneficiary=beneficiary,
        commune=beneficiary.commune,
        kind=data.kind,
        reason=data.reason,
        reason_detail=data.reason_detail.strip(),
        effective_month=effective,
        date_of_death=data.date_of_death if data.reason == ChangeReason.DEATH else None,
        funeral_payee_name=data.funeral_payee_name.strip(),
        funeral_payee_id_number=data.funeral_payee_id_number,
        funeral_payee_relationship=data.funeral_payee_relationship.strip(),
        decision_number=data.decision_number.strip(),
        decision_date=data.decision_date,
        status=ChangeStatus.SUBMITTED if submit else ChangeStatus.DRAFT,
        source=source,
        old_category=Category.objects.get(code=data.old_category) if data.old_category else None,
        new_category=Category.objects.get(code=data.new_category) if data.new_category else None,
        new_disability_level=data.new_disability_level,
        new_commune=data.new_commune,
        recipient=recipient,
        account=account,
        maker=maker,
        submitted_at=timezone.now() if submit else None,
    )
    if decision_file is not None:
        change.decision_file = decision_file
    _tag(maker, change)
    change.save()
    return change


@transaction.atomic
def change_record_submit(
    *, change: ChangeRecord, user, funeral_payee: dict[str, str] | None = None
) -> ChangeRecord:
    """Send a draft (or a system proposal) to the district for approval. A death proposed by
    the population database check may come without the funeral support's payee: the officer
    gives it here (`funeral_payee`: name, id_number, relationship)."""
    change = ChangeRecord.objects.select_for_update().get(pk=change.pk)
    _require_maker(user, change.commune)
    if change.status not in (ChangeStatus.DRAFT, ChangeStatus.PROPOSED):
        raise ValidationError(_("Only a draft or a proposal can be submitted."))
    death = change.kind == ChangeKind.STOP and change.reason == ChangeReason.DEATH
    if death and funeral_payee is not None:
        errors = Errors()
        name = " ".join(funeral_payee.get("name", "").split())
        number = funeral_payee.get("id_number", "").strip()
        if not name:
            errors.add("funeral_payee_name", [_("Enter who receives the funeral support.")])
        if number:
            errors.add("funeral_payee_id_number", validation.check_id_number(number, None, None))
        errors.raise_if_any()
        change.funeral_payee_name = name
        change.funeral_payee_id_number = number
        change.funeral_payee_relationship = funeral_payee.get("relationship", "").strip()[:60]
    if death and not change.funeral_payee_name.strip():
        raise ValidationError(
            {"funeral_payee_name": [_("Enter who receives the funeral support.")]}
        )
    change.status = ChangeStatus.SUBMITTED
    change.submitted_at = timezone.now()
    if change.maker_id is None:
        change.maker = user  # the officer who takes up a system proposal becomes its maker
    _tag(user, change)
    change.save()
    return change


@transaction.atomic
def change_record_cancel(*, change: ChangeRecord, user) -> ChangeRecord:
    """Withdraw a draft, a proposal or a change still waiting; whatever it had written stays
    inert (a new recipient stays inactive, a new account is closed)."""
    change = ChangeRecord.objects.select_for_update().get(pk=change.pk)
    _require_maker(user, change.commune)
    if change.status not in OPEN_STATUSES:
        raise ValidationError(_("Only an open change can be cancelled."))
    change.status = ChangeStatus.CANCELLED
    _tag(user, change)
    change.save()
    _discard_inert_rows(change, user)
    change_decided.send(sender=ChangeRecord, change=change)
    return change


def _discard_inert_rows(change: ChangeRecord, user) -> None:
    if change.kind == ChangeKind.REGISTER:
        beneficiary = change.beneficiary
        beneficiary.status = BeneficiaryStatus.REJECTED
        _tag(user, beneficiary)
        beneficiary.save(update_fields=["status", "updated_at"])
        for recipient in beneficiary.recipients.filter(active=True):
            recipient.active = False
            _tag(user, recipient)
            recipient.save(update_fields=["active"])
    if change.kind in (ChangeKind.SET_ACCOUNT, ChangeKind.REGISTER) and change.account_id:
        account = change.account
        if account.status == AccountStatus.PENDING:
            account.status = AccountStatus.CLOSED
            account.closed_on = timezone.localdate()
            _tag(user, account)
            account.save(update_fields=["status", "closed_on"])


@transaction.atomic
def change_record_reject(*, change: ChangeRecord, rejected_by, reason: str) -> ChangeRecord:
    """Reject a submitted change with a reason the commune officer will read."""
    change = ChangeRecord.objects.select_for_update().select_related("commune").get(pk=change.pk)
    _require_checker(rejected_by, change)
    if change.status != ChangeStatus.SUBMITTED:
        raise ValidationError(_("This change is not waiting for a decision."))
    if not reason.strip():
        raise ValidationError({"rejection_reason": [_("Say why the change is rejected.")]})
    change.status = ChangeStatus.REJECTED
    change.checker = rejected_by
    change.decided_at = timezone.now()
    change.rejection_reason = reason.strip()
    _tag(rejected_by, change)
    change.save()
    _discard_inert_rows(change, rejected_by)
    change_decided.send(sender=ChangeRecord, change=change)
    return change


@transaction.atomic
def change_record_approve(
    *, change: ChangeRecord, approved_by, today: datetime.date | None = None
) -> ChangeRecord:
    """Approve a submitted change and apply it to the beneficiary from its effective month.

    Raises PermissionDenied for anyone but a district officer above the commune who is not the
    maker, and ValidationError if the change no longer fits (e.g. it was decided meanwhile).
    """
    change = (
        ChangeRecord.objects.select_for_update(of=("self",))
        .select_related(
            "beneficiary", "commune", "new_category", "old_category", "recipient", "account"
        )
        .get(pk=change.pk)
    )
    _require_checker(approved_by, change)
    if change.status != ChangeStatus.SUBMITTED:
        raise ValidationError(_("This change is not waiting for a decision."))
    today = today or timezone.localdate()
    change.status = ChangeStatus.APPROVED
    change.checker = approved_by
    change.decided_at = timezone.now()
    if change.kind == ChangeKind.STOP and change.reason == ChangeReason.DEATH:
        # Due from the next list whenever the stop itself takes effect.
        _create_funeral_support(change, change.beneficiary, approved_by)
    # A change takes effect from its month: one dated in a later month waits for
    # changes_apply_due (run daily by beat). Registrations apply at once: the person is paid
    # from the start month in any case.
    if change.kind == ChangeKind.REGISTER or change.effective_month <= today.replace(day=1):
        _apply(change, approved_by, today)
        change.applied_at = timezone.now()
    _tag(approved_by, change)
    change.save()
    change_decided.send(sender=ChangeRecord, change=change)
    return change


def changes_apply_due(*, today: datetime.date | None = None) -> int:
    """Apply the approved changes whose effective month has come (in month, then decision
    order), each in its own transaction. Returns how many were applied."""
    today = today or timezone.localdate()
    due = ChangeRecord.objects.filter(
        status=ChangeStatus.APPROVED,
        applied_at__isnull=True,
        effective_month__lte=today.replace(day=1),
    ).order_by("effective_month", "decided_at", "id")
    applied = 0
    for change_id in due.values_list("id", flat=True):
        with transaction.atomic():
            change = (
                ChangeRecord.objects.select_for_update(of=("self",))
                .select_related(
                    "beneficiary", "checker", "new_category", "old_category", "recipient", "account"
                )
                .get(pk=change_id)
            )
            if change.applied_at is not None:
                continue
            _apply(change, change.checker, today)
            change.applied_at = timezone.now()
            _tag(change.checker, change)
            change.save(update_fields=["applied_at"])
            applied += 1
    return applied


def change_records_approve_bulk(
    *, changes: Iterable[ChangeRecord], approved_by, today: datetime.date | None = None
) -> tuple[int, list[str]]:
    """Approve several changes, each in its own transaction: one that fails does not stop the
    others. Returns the number approved and a message per failure."""
    approved, failures = 0, []
    for change in changes:
        try:
            change_record_approve(change=change, approved_by=approved_by, today=today)
            approved += 1
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            failures.append(f"{change.beneficiary.full_name}: {' '.join(messages)}")
    return approved, failures


def _apply(change: ChangeRecord, user, today: datetime.date) -> None:
    b = Beneficiary.objects.select_for_update().get(pk=change.beneficiary_id)
    month = change.effective_month
    kind = change.kind
    dirty: list = []
    if kind == ChangeKind.REGISTER:
        b.status = BeneficiaryStatus.ACTIVE
        dirty.append(b)
        if change.account_id and change.account.status == AccountStatus.PENDING:
            _activate_account(change.account, b, user, month)
    elif kind == ChangeKind.STOP:
        b.status = BeneficiaryStatus.STOPPED
        b.end_month = add_months(month, -1)
        dirty.append(b)
        for row in b.categories.filter(active=True):
            row.active, row.end_month = False, b.end_month
            dirty.append(row)
        if change.reason == ChangeReason.DEATH:
            b.date_of_death = change.date_of_death
    elif kind == ChangeKind.SUSPEND:
        b.status = BeneficiaryStatus.SUSPENDED
        dirty.append(b)
    elif kind == ChangeKind.RESUME:
        b.status = BeneficiaryStatus.ACTIVE
        dirty.append(b)
    elif kind == ChangeKind.CHANGE_CATEGORY:
        if change.old_category_id:
            for row in b.categories.filter(active=True, category=change.old_category):
                row.active, row.end_month = False, add_months(month, -1)
                dirty.append(row)
        if change.new_category_id:
            dirty.append(
                BeneficiaryCategory(
                    beneficiary=b,
                    category=change.new_category,
                    decision_number=change.decision_number,
                    decision_date=change.decision_date or today,
                    start_month=month,
                )
            )
        if change.new_disability_level:
            b.disability_level = change.new_disability_level
            dirty.append(b)
    elif kind == ChangeKind.CHANGE_DISABILITY:
        b.disability_level = change.new_disability_level
        dirty.append(b)
    elif kind == ChangeKind.MOVE:
        # The old commune stops paying from M, the new one pays from M+1 (see payments).
        b.commune = change.new_commune
        dirty.append(b)
    elif kind == ChangeKind.SET_RECIPIENT:
        for old in b.recipients.filter(active=True).exclude(pk=change.recipient_id):
            old.active, old.valid_to = False, month - datetime.timedelta(days=1)
            dirty.append(old)
            _close_accounts_of(old, user, month)
        new = change.recipient
        new.active, new.valid_from = True, month
        dirty.append(new)
    elif kind == ChangeKind.REMOVE_RECIPIENT:
        old = change.recipient
        old.active, old.valid_to = False, month - datetime.timedelta(days=1)
        dirty.append(old)
        _close_accounts_of(old, user, month)
    elif kind == ChangeKind.SET_ACCOUNT:
        _activate_account(change.account, b, user, month)
    elif kind == ChangeKind.CLOSE_ACCOUNT:
        account = change.account
        account.status, account.closed_on = AccountStatus.CLOSED, month
        dirty.append(account)
    for instance in dirty:
        _tag(user, instance)
        instance.save()


def _activate_account(account: PaymentAccount, b: Beneficiary, user, month: datetime.date) -> None:
    for old in b.accounts.filter(status=AccountStatus.ACTIVE).exclude(pk=account.pk):
        old.status, old.closed_on = AccountStatus.CLOSED, month
        _tag(user, old)
        old.save()
    account.status = AccountStatus.ACTIVE
    account.opened_on = account.opened_on or month
    _tag(user, account)
    account.save()


def _close_accounts_of(recipient: AuthorizedRecipient, user, month: datetime.date) -> None:
    """An account in a former recipient's name must not keep receiving the allowance."""
    for account in recipient.accounts.filter(
        status__in=[AccountStatus.ACTIVE, AccountStatus.PENDING]
    ):
        account.status, account.closed_on = AccountStatus.CLOSED, month
        _tag(user, account)
        account.save()


def _create_funeral_support(change: ChangeRecord, b: Beneficiary, user) -> FuneralSupport:
    """20 × the standard level of the month of death, due in the next list."""
    from beneficiaries.policy import funeral_support_amount
    from beneficiaries.policy_tables import load_policy_tables

    province_code = b.commune.province_code
    support = FuneralSupport(
        beneficiary=b,
        change=change,
        amount=funeral_support_amount(
            load_policy_tables(), change.date_of_death.replace(day=1), province_code
        ),
        month_due=change.effective_month,
        payee_name=change.funeral_payee_name,
        payee_id_number=change.funeral_payee_id_number,
        payee_relationship=change.funeral_payee_relationship,
    )
    _tag(user, support)
    support.save()
    return support


# --- Import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    total_rows: int = 0
    imported: int = 0
    errors: list = field(default_factory=list)
    dry_run: bool = False
    initial_load: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def beneficiaries_import(
    *,
    name: str,
    content: bytes,
    user,
    initial_load: bool = False,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> ImportResult:
    """Import a file in the contract of DESIGN.md §5, all or nothing.

    Every row is read and checked first (format, the same checks as the registration form, a
    duplicate ID in the database or in the file); any bad row and nothing is imported, and every
    problem is returned with its row number, column and reason. Otherwise each row becomes a
    submitted registration, or with `initial_load` an active, approved beneficiary, in one
    transaction. Raises importing.ImportFileError when the file as a whole cannot be read.
    """
    from beneficiaries import importing
    from org.scoping import scope_queryset

    today = today or timezone.localdate()
    if user.role != Role.COMMUNE_OFFICER and not initial_load:
        raise PermissionDenied(
            _("Only a commune officer imports new registrations; use the initial load to migrate.")
        )
    communes = {
        unit.code: unit
        for unit in scope_queryset(
            AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, active=True),
            user=user,
            unit_field="",
        )
    }
    parsed = importing.parse(name, content, communes=communes, today=today)
    result = ImportResult(
        total_rows=parsed.total_rows,
        errors=list(parsed.errors),
        dry_run=dry_run,
        initial_load=initial_load,
    )
    for number, data in parsed.rows:
        for field_name, messages in registration_errors(data, today=today).items():
            for message in messages:
                result.errors.append(
                    importing.RowError(number, importing.column_for(field_name), message)
                )
    result.errors.sort(
        key=lambda e: (
            e.row,
            importing.COLUMNS.index(e.column) if e.column in importing.COLUMNS else 99,
        )
    )
    if result.errors or dry_run:
        return result
    if result.total_rows == 0:
        result.errors.append(
            importing.RowError(2, "full_name", _("The file has no rows below the header."))
        )
        return result
    with transaction.atomic():
        for _number, data in parsed.rows:
            _register(
                data=data,
                maker=user,
                submit=True,
                decision_file=None,
                source=ChangeSource.IMPORT,
                initial_load=initial_load,
            )
            result.imported += 1
    return result


# --- Changes that age brings ----------------------------------------------------------------

# category -> the age at which it ends
AGE_LIMITS = {"K1": 16, "K2": 22, "K3": 16, "K7": 3}


def age_limit_month(date_of_birth: datetime.date, age: int, rule: str) -> datetime.date:
    """The first month in which a person counts as `age` years old under the age rule."""
    from beneficiaries.policy import age_in_month

    month = date_of_birth.replace(day=1)
    month = add_months(month, 12 * age - 1)
    while age_in_month(date_of_birth, month, rule) < age:
        month = add_months(month, 1)
    return month


@transaction.atomic
def age_changes_propose(*, month: datetime.date, rule: str | None = None) -> int:
    """Propose the changes age brings by `month`: a K1 (or K3) child turning 16, a K2 student
    turning 22, a K7 child turning 3. The category ends from the month the age is reached; if the
    person holds no other category, the proposal is to stop the allowance.

    Proposals wait in the commune officer's queue (status "proposed"); the officer submits or
    cancels them. Idempotent: a person gets one proposal per category that ends.
    """
    from django.conf import settings

    rule = rule or settings.TROCAP_AGE_RULE
    month = month.replace(day=1)
    created = 0
    youngest = {
        code: datetime.date(month.year - limit, month.month, 1)
        for code, limit in AGE_LIMITS.items()
    }
    rows = (
        BeneficiaryCategory.objects.filter(
            active=True,
            category__code__in=list(AGE_LIMITS),
            beneficiary__status__in=[BeneficiaryStatus.ACTIVE, BeneficiaryStatus.SUSPENDED],
        )
        .select_related("beneficiary", "beneficiary__commune", "category")
        .order_by("beneficiary_id")
    )
    for row in rows:
        code, b = row.category.code, row.beneficiary
        # Cheap prefilter: nobody born more than a month after the cut-off can have reached the age.
        if b.date_of_birth > add_months(youngest[code], 1):
            continue
        effective = age_limit_month(b.date_of_birth, AGE_LIMITS[code], rule)
        if effective > month:
            continue
        reference = f"age:{b.pk}:{code}"
        if ChangeRecord.objects.filter(
            source=ChangeSource.SYSTEM, source_reference=reference
        ).exists():
            continue
        others = set(
            b.categories.filter(active=True)
            .exclude(pk=row.pk)
            .values_list("category__code", flat=True)
        )
        detail = _("Turns %(age)s in %(month)s: category %(code)s ends.") % {
            "age": AGE_LIMITS[code],
            "month": effective.strftime("%m/%Y"),
            "code": code,
        }
        if code == "K1" and "K2" not in others:
            detail += " " + _(
                "If the young person is still studying, register category K2 instead of stopping."
            )
        change = ChangeRecord(
            beneficiary=b,
            commune=b.commune,
            kind=ChangeKind.CHANGE_CATEGORY if others else ChangeKind.STOP,
            reason=ChangeReason.AGE,
            reason_detail=detail,
            effective_month=max(effective, b.start_month or effective),
            status=ChangeStatus.PROPOSED,
            source=ChangeSource.SYSTEM,
            source_reference=reference,
            old_category=row.category,
        )
        change.save()
        created += 1
    return created
