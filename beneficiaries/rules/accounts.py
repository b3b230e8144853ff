"""The rulebook's checks on an account: the provider, the number's shape, who holds it.

Pure; whether the account already pays someone else is the services' database question
(`beneficiaries.services.checks.check_account`).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import AccountHolder
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.rules.identity import MOBILE_RE, VIETTEL_PREFIXES, error
from providers.models import ProviderCode

VIETINBANK_RE = re.compile(r"^\d{9,14}$", re.ASCII)
# The providers an account can be recorded with (VNPost pays cash).
ACCOUNT_PROVIDERS = (ProviderCode.VIETTELPAY, ProviderCode.VIETINBANK)


def check_account_number(provider_code: str, number: str) -> list[ValidationError]:
    """Viettel Pay wallets are keyed by a Viettel mobile number; VietinBank accounts are 9 to 14
    digits. VNPost pays cash and takes no account."""
    if provider_code == ProviderCode.VIETTELPAY:
        if not MOBILE_RE.match(number or ""):
            return [
                error(
                    Code.ACCOUNT_NUMBER_INVALID,
                    _("A Viettel Pay wallet number is the holder's 10-digit mobile number."),
                )
            ]
        if not number.startswith(VIETTEL_PREFIXES):
            return [
                error(
                    Code.ACCOUNT_NOT_VIETTEL,
                    _(
                        "%(number)s is not a Viettel number (086, 096, 097, 098, 032–039): a "
                        "Viettel Pay wallet needs one."
                    )
                    % {"number": number},
                )
            ]
        return []
    if provider_code == ProviderCode.VIETINBANK:
        if not VIETINBANK_RE.match(number or ""):
            return [
                error(
                    Code.ACCOUNT_NUMBER_INVALID,
                    _("A VietinBank account number has 9 to 14 digits, nothing else."),
                )
            ]
        return []
    if provider_code == ProviderCode.VNPOST:
        return [
            error(
                Code.PROVIDER_HAS_NO_ACCOUNT, _("VNPost pays in cash: it has no account to record.")
            )
        ]
    return [
        error(
            Code.PROVIDER_INVALID,
            _("Unknown payment provider %(code)s.") % {"code": provider_code},
        )
    ]


def account_errors(
    *,
    provider_code: str,
    account_number: str,
    holder: str,
    has_recipient: bool,
    prefix: str = "account_",
) -> dict[str, list[ValidationError]]:
    """An account to record: Viettel Pay or VietinBank, a number of the provider's shape, held by
    the beneficiary or by their recipient (only when one is set)."""
    if provider_code not in ACCOUNT_PROVIDERS:
        return {
            f"{prefix}provider": [
                error(Code.PROVIDER_INVALID, _("Choose Viettel Pay or VietinBank."))
            ]
        }
    problems: dict[str, list[ValidationError]] = {}
    number = check_account_number(provider_code, account_number)
    if number:
        problems[f"{prefix}number"] = number
    if holder not in AccountHolder.values:
        problems[f"{prefix}holder"] = [
            error(Code.ACCOUNT_HOLDER_INVALID, _("Choose who holds the account."))
        ]
    elif holder == AccountHolder.RECIPIENT and not has_recipient:
        problems[f"{prefix}holder"] = [
            error(
                Code.ACCOUNT_HOLDER_NO_RECIPIENT,
                _("The account is in the recipient's name, but no recipient or guardian is set."),
            )
        ]
    return problems
