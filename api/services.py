"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.errors import ApiErrorCode as Code
from api.models import ApiToken
from core.errors import FieldErrors
from org.models import ROLE_LEVELS, AdministrativeUnit, Role

logger = logging.getLogger(__name__)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, name: str, unit: AdministrativeUnit, role: str, created_by
) -> tuple[ApiToken, str]:
    """A new token acting with `role` on `unit` (and everything below it). Returns the token
    and its key, which is not stored and cannot be shown again. Raises AppError (by field:
    TOKEN_NAME_REQUIRED, TOKEN_ROLE_INVALID, TOKEN_UNIT_INVALID)."""
    name = (name or "").strip()
    errors = FieldErrors()
    if not name:
        errors.add(
            "name", Code.TOKEN_NAME_REQUIRED, _("Give the token a name: which system uses it.")
        )
    if role not in Role.values or role == Role.ADMIN:
        errors.add(
            "role",
            Code.TOKEN_ROLE_INVALID,
            _("A token acts as a commune, district or province officer."),
        )
    elif unit is None or unit.level not in ROLE_LEVELS[role]:
        errors.add(
            "unit",
            Code.TOKEN_UNIT_INVALID,
            _("This role does not work at the level of %(unit)s.") % {"unit": unit},
        )
    errors.raise_if_any()
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    user = get_user_model().objects.create(
        username=f"api-{prefix}",
        first_name=name[:150],
        last_name="(API)",
        role=role,
        unit=unit,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    token = ApiToken.objects.create(
        name=name, user=user, prefix=prefix, key_hash=_hash(key), created_by=created_by
    )
    logger.info(
        "api token created",
        extra={
            "token_prefix": prefix,
            "role": role,
            "unit_code": unit.code,
            "user_id": getattr(created_by, "pk", None),
        },
    )
    return token, key


def api_token_check(key: str) -> ApiToken | None:
    """The active token whose key this is, else None (unknown, wrong or revoked, or not
    printable text of a key's length: a NUL would reach PostgreSQL, which refuses it)."""
    if not key.isprintable() or len(key) > 200:
        return None
    prefix, _dot, _secret = key.partition(".")
    if not prefix or not _secret:
        return None
    token = ApiToken.objects.select_related("user", "user__unit").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, revoked_by) -> ApiToken:
    """Revoke at once: the key stops working and its system account is deactivated."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token._history_user = revoked_by
        token.save(update_fields=["revoked_at"])
        user = token.user
        user.is_active = False
        user._history_user = revoked_by
        user.save(update_fields=["is_active"])
        logger.info(
            "api token revoked",
            extra={"token_prefix": token.prefix, "user_id": getattr(revoked_by, "pk", None)},
        )
    return token
