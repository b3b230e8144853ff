"""Locking sign-in after repeated failures, for a username and for an address, on django-axes.

After AXES_FAILURE_LIMIT failed sign-ins of a username (TROCAP_LOGIN_MAX_FAILURES), that username
cannot sign in, even with the right password, until AXES_COOLOFF_TIME (TROCAP_LOGIN_LOCK_MINUTES)
has passed since its failures; the same for an address after TROCAP_LOGIN_MAX_FAILURES_PER_IP
failures, whatever the usernames (password guessing across accounts). Axes counts through the
authentication backend, so the admin's sign-in is covered too; the API's tokens never go through
it. A username that signs in has its failures cleared. Attempts while locked are refused but not
counted (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off), so someone guessing cannot keep a
colleague locked out for longer than the cool-off.

What axes does not do by itself is here: a larger limit for an address than for a username (an
office's computers share one address), clearing only the username's failures on a sign-in, the
minutes left for the sign-in page's message, and the address taken from REMOTE_ADDR alone.
"""

from __future__ import annotations

import datetime
import logging

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_credentials,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The address that signs in (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, never a header the
    client could set (behind a proxy, set REMOTE_ADDR from the proxy's header in the proxy)."""
    return request.META.get("REMOTE_ADDR") or None


def client_username(request, credentials: dict | None) -> str:
    """The username failures are counted under (AXES_USERNAME_CALLABLE): lower-cased, so "Xa" and
    "xa" count together."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").lower()[:150]


def lockout_response(request, original_response, credentials=None):
    """What AxesMiddleware answers once a sign-in is locked (AXES_LOCKOUT_CALLABLE): the page
    the view rendered. The sign-in form checks the lock first and says how many minutes are
    left (LoginForm); axes' default, a bare 429, would replace the form with English text."""
    return original_response


def locked_minutes(request, username: str) -> int:
    """0 if this username may try to sign in from this request's address, else the minutes left
    before it may (at least 1). Without a request there is nothing to lock."""
    if request is None:
        return 0
    credentials = get_credentials(username)
    if AxesProxyHandler.is_allowed(request, credentials):
        return 0
    until = AxesProxyHandler.get_implementation().locked_until(request, credentials)
    left = (until - timezone.now()).total_seconds() if until else 60
    minutes = max(1, int(left // 60) + 1)
    logger.info("sign-in refused while locked", extra={"minutes_left": minutes})
    return minutes


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, before ModelBackend's password check. A call without a request (a script or
    the shell calling authenticate()) has no address and no page: it goes on unchecked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with an address's own limit and a sign-in clearing only its
    username's failures.

    Axes compares one number, the failures of the lockout parameter that has the most, with
    AXES_FAILURE_LIMIT. Here an address's failures are weighed against its own larger limit:
    with 5 for a username and 30 for an address, 30 failures of an address count as 5, 29 as 4,
    so each locks exactly at its own limit."""

    def _attempts_and_limits(self, request, credentials):
        user_limit = get_failure_limit(request, credentials)
        limits = [
            settings.TROCAP_LOGIN_MAX_FAILURES_PER_IP if parameter == "ip_address" else user_limit
            for parameter in get_lockout_parameters(request, credentials)
        ]
        return list(zip(self.get_user_attempts(request, credentials), limits, strict=True))

    def get_failures(self, request, credentials=None) -> int:
        user_limit = get_failure_limit(request, credentials)
        weighed = [
            (attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0) * user_limit // limit
            for attempts, limit in self._attempts_and_limits(request, credentials)
        ]
        return max(weighed, default=0)

    def locked_until(self, request, credentials=None) -> datetime.datetime | None:
        """When the lock on this request's username or address ends: when the failures that
        reached a limit fall out of the cool-off (None if none has reached it)."""
        cool_off = get_cool_off(request)
        ends = []
        for attempts, limit in self._attempts_and_limits(request, credentials):
            total = 0
            rows = attempts.order_by("-attempt_time").values_list(
                "attempt_time", "failures_since_start"
            )
            for attempt_time, failures in rows:
                total += failures
                if total >= limit:
                    ends.append(attempt_time + cool_off)
                    break
        return max(ends, default=None)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A sign-in clears its username's failures (AXES_RESET_ON_SUCCESS), not its address's:
        a colleague signing in from the same office must not let guessing there go on."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
