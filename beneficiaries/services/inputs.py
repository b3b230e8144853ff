"""What a registration or a change is made of, as forms, the import and the portal give it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from accounts.models import AccountHolder
from beneficiaries import validation
from beneficiaries.rules.care import CareInput
from org.models import AdministrativeUnit


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


def care_normalized(care: CareInput | None) -> CareInput | None:
    """The carer's numbers as the rest of the register keeps them (fullwidth digits, stray
    spaces, +84), the name with single spaces."""
    if care is None:
        return None
    number = validation.normalize_text_digits(care.account_number)
    if care.account_provider == "VIETTELPAY":
        number = validation.normalize_phone(care.account_number)
    return replace(
        care,
        code=care.code.strip().upper(),
        carer_full_name=" ".join(care.carer_full_name.split()),
        carer_relationship=care.carer_relationship.strip(),
        carer_id_number=validation.normalize_id_number(care.carer_id_number),
        carer_phone=validation.normalize_phone(care.carer_phone),
        account_provider=care.account_provider.strip().upper(),
        account_number=number,
    )


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
    care: CareInput | None = None


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
    # SET_CARE: the arrangement from the effective month; END_CARE: the arrangement that ends.
    care: CareInput | None = None
    care_arrangement_id: int | None = None


def registration_normalized(data: RegistrationInput) -> RegistrationInput:
    """The numbers of a registration as they are checked, compared and stored, whatever door
    they came through (a form, the import, the portal): see `validation.normalize_text_digits`."""
    recipient = data.recipient
    if recipient is not None:
        recipient = replace(
            recipient,
            id_number=validation.normalize_id_number(recipient.id_number),
            phone=validation.normalize_phone(recipient.phone),
        )
    account = data.account
    if account is not None:
        account = replace(
            account, account_number=validation.normalize_text_digits(account.account_number)
        )
    return replace(
        data,
        id_number=validation.normalize_id_number(data.id_number),
        phone=validation.normalize_phone(data.phone),
        recipient=recipient,
        account=account,
        care=care_normalized(data.care),
    )
