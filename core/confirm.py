"""The token of a confirmation page: bound to the user, the action and the figures the page
showed, so a POST acts only on what the officer saw (a changed figure changes the token)."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac


def confirmation_token(action: str, user, *parts) -> str:
    """A token for `action` by `user` over `parts` (the figures as they are now)."""
    value = ":".join(str(p) for p in (user.pk, *parts))
    return salted_hmac(f"trocap.confirm.{action}", value).hexdigest()[:32]


def token_is(expected: str, given: str | None) -> bool:
    """True when the POSTed token is the expected one."""
    return bool(given) and constant_time_compare(expected, given)
