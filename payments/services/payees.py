"""Who a generated line pays, and into which account: the plain records generation reads.

A person's allowance is paid to their recipient or guardian when one is set, else to them; into
their active account when it is in the payee's name, else in cash through VNPost. Care-support
lines of `CS_DISABLED_PARENT` use the same answer (payments.services.care_lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from accounts.models import AccountHolder


@dataclass
class Payee:
    name: str
    id_number: str
    phone: str
    is_recipient: bool
    recipient_id: int | None


# Tuples (a province holds tens of thousands of each): built faster than frozen dataclasses.
class Recipient(NamedTuple):
    id: int
    full_name: str
    id_number: str
    phone: str


class Account(NamedTuple):
    id: int | None  # None: a carer's own account, kept on the arrangement
    holder: str
    recipient_id: int | None
    provider_id: int
    account_number: str


def holds(account: Account, payee: Payee) -> bool:
    """Whether `account` is in `payee`'s name."""
    if account.holder == AccountHolder.RECIPIENT:
        return payee.is_recipient and account.recipient_id == payee.recipient_id
    return not payee.is_recipient


def person_payee(
    person, phone: str, recipient: Recipient | None, account: Account | None
) -> tuple[Payee, Account | None]:
    """The payee of a person's own money (their allowance) and the account it goes into (None:
    cash). `person` has full_name and id_number."""
    if recipient is not None:
        payee = Payee(recipient.full_name, recipient.id_number, recipient.phone, True, recipient.id)
    else:
        payee = Payee(person.full_name, person.id_number, phone, False, None)
    if account is not None and not holds(account, payee):
        account = None  # the account is not in the payee's name: pay cash
    return payee, account
