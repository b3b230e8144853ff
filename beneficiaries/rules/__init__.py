"""One rulebook: the pure checks every door (registration, each change kind, the import, the
one-stop portal, the API) runs on a person, a recipient or guardian, a funeral payee, an account
and a category, each refusal with its `BeneficiaryErrorCode`.

No database and no settings: what needs a lookup (a duplicate ID number, a person recorded
dead, an account already in use, the policy tables) is found by `beneficiaries.services.checks`
and passed in, so the same rule gives the same code whichever door called it.
"""

from beneficiaries.rules.accounts import (
    ACCOUNT_PROVIDERS,
    VIETINBANK_RE,
    account_errors,
    check_account_number,
)
from beneficiaries.rules.categories import (
    CATEGORY_CODES,
    category_age_errors,
    check_category_requirements,
)
from beneficiaries.rules.identity import (
    ADULT_AGE,
    MOBILE_RE,
    PROVINCE_CODES,
    VIETTEL_PREFIXES,
    age_on,
    ascii_digits,
    check_adult,
    check_id_number,
    check_phone,
    id_birth_year,
    youngest_age,
)
from beneficiaries.rules.people import funeral_payee_errors, recipient_errors

__all__ = [
    "ACCOUNT_PROVIDERS",
    "ADULT_AGE",
    "CATEGORY_CODES",
    "MOBILE_RE",
    "PROVINCE_CODES",
    "VIETINBANK_RE",
    "VIETTEL_PREFIXES",
    "account_errors",
    "age_on",
    "ascii_digits",
    "category_age_errors",
    "check_account_number",
    "check_adult",
    "check_category_requirements",
    "check_id_number",
    "check_phone",
    "funeral_payee_errors",
    "id_birth_year",
    "recipient_errors",
    "youngest_age",
]
