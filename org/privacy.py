"""Who sees whole ID, phone and account numbers, and how everyone else sees them.

The officers who handle people's cases see them whole: the commune officer registers people,
calls them and opens their accounts; the district officer checks the dossier's identity before
approving and prints the post office's signature list. The province officer watches coverage
and the administrator runs the system: neither needs a number, so pages, exports, the API and
the admin show them masked (`046*******89`), with enough left to tell two people apart.

Everything that shows one of these numbers goes through `identifiers_for(user)` (code) or the
`id_number`, `phone` and `account` template filters (templates); `MASKED_FIELDS` names the model
fields that hold them, for the generic places (history, the admin).
"""

from __future__ import annotations

from dataclasses import dataclass

from org.models import Role

SEES_WHOLE_NUMBERS = frozenset({Role.COMMUNE_OFFICER, Role.COMMUNE_LEADER, Role.DISTRICT_OFFICER})
MASK = "*"


def _mask(value, *, head: int, tail: int) -> str:
    value = "" if value is None else str(value)
    if not value:
        return ""
    shown = head + tail
    if len(value) <= shown:  # too short to leave anything: hide all but the last character
        return MASK * (len(value) - 1) + value[-1:]
    return value[:head] + MASK * (len(value) - shown) + value[len(value) - tail :]


def mask_id_number(value) -> str:
    """`046190000189` → `046*******89`: the province of birth and the last two digits."""
    return _mask(value, head=3, tail=2)


def mask_phone(value) -> str:
    """`0912345678` → `091*****78`: the network's prefix and the last two digits."""
    return _mask(value, head=3, tail=2)


def mask_account(value) -> str:
    """`1234567890` → `********90`: a wallet number is a phone number, so only the last two
    digits, the same two the masked phone shows."""
    return _mask(value, head=0, tail=2)


MASKERS = {"id": mask_id_number, "phone": mask_phone, "account": mask_account}

# Model field name → kind, for the places that show any field (history, the admin).
MASKED_FIELDS = {
    "id_number": "id",
    "legacy_id_number": "id",
    "beneficiary_id_number": "id",
    "payee_id_number": "id",
    "funeral_payee_id_number": "id",
    "carer_id_number": "id",
    "phone": "phone",
    "payee_phone": "phone",
    "carer_phone": "phone",
    "account_number": "account",
    "msisdn": "phone",  # Viettel Pay's wallet number, in its callbacks
}


def mask_data(data):
    """A JSON value (an application, a callback) with every number under a `MASKED_FIELDS` key
    masked, at any depth."""
    if isinstance(data, dict):
        return {
            key: MASKERS[MASKED_FIELDS[key]](value)
            if key in MASKED_FIELDS and isinstance(value, str | int)
            else mask_data(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_data(value) for value in data]
    return data


def sees_whole_numbers(user) -> bool:
    return getattr(user, "role", None) in SEES_WHOLE_NUMBERS


@dataclass(frozen=True)
class Identifiers:
    """How one user is shown ID, phone and account numbers."""

    whole: bool

    def id_number(self, value) -> str:
        return (value or "") if self.whole else mask_id_number(value)

    def phone(self, value) -> str:
        return (value or "") if self.whole else mask_phone(value)

    def account(self, value) -> str:
        return (value or "") if self.whole else mask_account(value)

    def field(self, name: str, value):
        """A model field's value as this user sees it (other fields unchanged)."""
        kind = MASKED_FIELDS.get(name)
        if kind is None or self.whole:
            return value
        return MASKERS[kind](value)


WHOLE = Identifiers(whole=True)  # the files for the providers, the list's content hash
MASKED = Identifiers(whole=False)


def identifiers_for(user) -> Identifiers:
    """How `user` is shown the numbers (an `Identifiers` given instead is kept as it is)."""
    if isinstance(user, Identifiers):
        return user
    return Identifiers(whole=sees_whole_numbers(user))
