"""Sign-in hardening: a username (and an address) is locked after repeated failures, the page
says so in Vietnamese, the lock ends after its window, the admin's sign-in is covered; passwords
need 10 characters; a session ends when idle."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from api.services import api_token_create
from org.models import Role

pytestmark = pytest.mark.django_db
LOGIN = "/dang-nhap/"


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def failures(username: str) -> int:
    """The failures axes counts for a username."""
    attempts = AccessAttempt.objects.filter(username=username)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def test_five_failures_lock_the_username_even_with_the_right_password(client, officers):
    for _ in range(5):
        assert sign_in(client, "xa", "sai-mat-khau").status_code == 200
    locked = sign_in(client, "xa", "mat-khau-123")
    assert locked.status_code == 200  # not signed in
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    assert "thêm 15 phút" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Attempts while locked are refused, not counted: the lock does not grow.
    assert failures("xa") == 5
    # Another username from another address is not affected.
    assert sign_in(client, "huyen", "mat-khau-123", REMOTE_ADDR="10.0.0.9").status_code == 302
    # After the window, the right password works and clears the failures.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    client.logout()
    assert sign_in(client, "xa", "mat-khau-123").status_code == 302
    assert not AccessAttempt.objects.filter(username="xa").exists()


def test_the_username_counts_whatever_its_case_and_the_lock_says_the_minutes_left(client, officers):
    for name in ("xa", "XA", "Xa", "xA", "xa"):
        sign_in(client, name, "sai-mat-khau")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=10))
    locked = sign_in(client, "xa", "mat-khau-123").content.decode()
    assert "thêm 5 phút" in locked and "_auth_user_id" not in client.session


@override_settings(TROCAP_LOGIN_MAX_FAILURES_PER_IP=6)
def test_guessing_across_usernames_locks_the_address(client, officers):
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        sign_in(client, name, "x", REMOTE_ADDR="10.1.1.1")
    refused = sign_in(client, "tinh", "mat-khau-123", REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert sign_in(client, "tinh", "mat-khau-123", REMOTE_ADDR="10.1.1.2").status_code == 302


@override_settings(TROCAP_LOGIN_MAX_FAILURES_PER_IP=6)
def test_an_address_locks_at_its_own_limit_and_a_sign_in_does_not_clear_it(client, officers):
    """Five failures lock a username, not an address: an office shares one. A colleague who
    signs in from it clears their own failures, not the address's."""
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(client, name, "x", REMOTE_ADDR="10.1.1.1")
    assert sign_in(client, "tinh", "mat-khau-123", REMOTE_ADDR="10.1.1.1").status_code == 302
    client.logout()
    sign_in(client, "a6", "x", REMOTE_ADDR="10.1.1.1")
    refused = sign_in(client, "tinh", "mat-khau-123", REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_locked_too(client, officers):
    for _ in range(5):
        client.post("/admin/login/", {"username": "quantri", "password": "x"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "quantri", "password": "mat-khau-123"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@override_settings(TROCAP_LOGIN_MAX_FAILURES_PER_IP=6)
def test_the_api_token_works_from_a_locked_address(client, officers, hue_units):
    """Other systems' keys never go through the sign-in lockout."""
    _token, key = api_token_create(
        name="Cổng dịch vụ công",
        unit=hue_units["district"],
        role=Role.DISTRICT_OFFICER,
        created_by=officers["admin"],
    )
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        sign_in(client, name, "x", REMOTE_ADDR="10.1.1.1")
    assert sign_in(client, "huyen", "mat-khau-123", REMOTE_ADDR="10.1.1.1").status_code == 200
    response = client.get(
        "/api/v1/beneficiaries/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 200


def test_passwords_need_ten_characters_and_sessions_end_when_idle(officers):
    with pytest.raises(ValidationError):
        validate_password("Hue-2026!", officers["commune"])
    validate_password("song-Huong-2026", officers["commune"])
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def _expiry(client) -> datetime.datetime:
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_session_moves_on_with_its_requests_at_most_once_a_minute(client, officers):
    from django.contrib.sessions.models import Session

    assert sign_in(client, "xa", "mat-khau-123").status_code == 302
    client.get("/")
    first = _expiry(client)
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(first - (timezone.now() + age)) < datetime.timedelta(seconds=30)
    # Requests within the minute do not write the session again.
    client.get("/doi-tuong/")
    assert _expiry(client) == first
    # A request a minute after the last save moves the expiry on.
    session = client.session
    session["_refreshed_at"] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=first - datetime.timedelta(minutes=5)
    )
    client.get("/doi-tuong/")
    assert _expiry(client) > first - datetime.timedelta(seconds=1)
    # An hour without a request: the session has ended and the next page asks to sign in.
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/doi-tuong/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
