"""A provider's failure, as staff read it, in the interface's language.

A line stores the provider's code and its Vietnamese reason (`adapters.base.failure_reason_vi`:
the exports and the API carry it as it was recorded). Pages show it through `failure_reason_text`,
which gives the English of a known code in the English interface.
"""

from django.utils.translation import get_language, gettext, gettext_noop

FAILURE_REASONS: dict[str, str] = {
    "UNREGISTERED": gettext_noop("The phone number has no Viettel Money wallet"),
    "NAME_ID_MISMATCH": gettext_noop("The name or ID number does not match the account holder"),
    "WALLET_LOCKED": gettext_noop("The wallet is locked"),
    "LIMIT_EXCEEDED": gettext_noop("Over the transaction limit"),
    "ACCOUNT_CLOSED": gettext_noop("The account is closed"),
    "NAME_MISMATCH": gettext_noop("The account holder's name does not match"),
    "NOT_COLLECTED": gettext_noop("The beneficiary did not come to collect the money"),
}


def failure_reason_text(code: str, stored: str) -> str:
    """The reason of a failure with provider code `code`, recorded as `stored` (Vietnamese):
    as recorded in the Vietnamese interface, else the code's reason in the active language."""
    if (get_language() or "vi").startswith("vi") or not code:
        return stored
    if code in FAILURE_REASONS:
        return gettext(FAILURE_REASONS[code])
    return gettext("The provider refused it (code %(code)s)") % {"code": code}
