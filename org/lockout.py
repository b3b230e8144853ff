"""Locking sign-in after repeated failures, for a username and for an address.

After TROCAP_LOGIN_MAX_FAILURES failed sign-ins of a username within
TROCAP_LOGIN_LOCK_MINUTES, that username cannot sign in (even with the right password) until the
window has passed since its last failure; the same for an address after
TROCAP_LOGIN_MAX_FAILURES_PER_IP failures, whatever the usernames (password guessing across
accounts). Every sign-in form goes through the authentication backend, the admin's included.
A username that signs in has its failures cleared. Attempts while locked are refused but not
counted, so someone guessing cannot keep a colleague locked out for longer than the window.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from org.models import LoginFailure


def client_ip(request) -> str | None:
    """The address that signs in: REMOTE_ADDR (behind a proxy, set it from the proxy's header
    in the proxy itself)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def locked_minutes(username: str, ip: str | None) -> int:
    """0 if sign-in is allowed, else the minutes left before it is."""
    window = datetime.timedelta(minutes=settings.TROCAP_LOGIN_LOCK_MINUTES)
    since = timezone.now() - window
    recent = LoginFailure.objects.filter(at__gte=since)
    latest = None
    by_user = recent.filter(username__iexact=username or "")
    if by_user.count() >= settings.TROCAP_LOGIN_MAX_FAILURES:
        latest = by_user.order_by("-at").values_list("at", flat=True).first()
    if ip:
        by_ip = recent.filter(ip=ip)
        if by_ip.count() >= settings.TROCAP_LOGIN_MAX_FAILURES_PER_IP:
            at = by_ip.order_by("-at").values_list("at", flat=True).first()
            latest = max(latest, at) if latest else at
    if latest is None:
        return 0
    left = (latest + window - timezone.now()).total_seconds()
    return max(1, int(left // 60) + 1) if left > 0 else 0


class LockoutBackend(ModelBackend):
    """ModelBackend that refuses a locked username or address before checking the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        if locked_minutes(username or "", client_ip(request)):
            if request is not None:
                request.trocap_login_locked = True  # not counted: the lock does not grow
            raise PermissionDenied  # stops every backend
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    if getattr(request, "trocap_login_locked", False):
        return
    LoginFailure.objects.create(
        username=(credentials.get("username") or "")[:150], ip=client_ip(request)
    )


def on_logged_in(sender, request, user, **kwargs) -> None:
    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
