"""The one scoping mechanism: a user sees their unit and every unit below it, nothing else.

Every selector passes its queryset through `scope_queryset`; views never filter by unit
themselves. Objects outside the scope are simply absent, so lookups answer 404, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from core.errors import AppForbidden, CoreErrorCode
from org.models import AdministrativeUnit, Role

M = TypeVar("M", bound=Model)


def scope_path(user) -> str | None:
    """The unit path prefix the user may see; "" for everything; None for nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == Role.ADMIN and user.unit_id is None:
        return ""
    if user.unit_id is None:
        return None
    return user.unit.path


def scope_queryset(queryset: QuerySet[M], *, user, unit_field: str) -> QuerySet[M]:
    """Keep the rows whose `unit_field` (a path to an AdministrativeUnit) is in the user's scope.

    `unit_field` is a lookup path such as "commune" or "beneficiary__commune"; for the unit
    model itself pass "" .
    """
    prefix = scope_path(user)
    if prefix is None:
        return queryset.none()
    if prefix == "":
        return queryset
    lookup = f"{unit_field}__path__startswith" if unit_field else "path__startswith"
    return queryset.filter(**{lookup: prefix})


def units_in_scope(*, user) -> QuerySet[AdministrativeUnit]:
    """Every administrative unit the user may see."""
    return scope_queryset(AdministrativeUnit.objects.all(), user=user, unit_field="")


def get_in_scope_or_404(queryset: QuerySet[M], *, user, unit_field: str, **lookup) -> M:
    """Fetch one object in the user's scope; anything else (missing or out of scope) is a 404."""
    try:
        return scope_queryset(queryset, user=user, unit_field=unit_field).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def user_can_see_unit(user, unit: AdministrativeUnit) -> bool:
    prefix = scope_path(user)
    return prefix is not None and unit.path.startswith(prefix)


def require_officer_of(
    user,
    unit: AdministrativeUnit,
    roles: Iterable[str],
    *,
    exact: bool = False,
    message=None,
    code: StrEnum = CoreErrorCode.NOT_OFFICER_OF_UNIT,
) -> None:
    """The one "officer of this unit" check: `user` holds one of `roles` and works at `unit`
    (`exact=True`: that very unit, as the closing unit's officer) or above it (its scope holds
    `unit`). Raises `AppForbidden(code, message)` otherwise; the message defaults to naming the
    unit."""
    allowed = set(roles)
    ok = getattr(user, "role", None) in allowed and (
        user.unit_id == unit.pk if exact else user_can_see_unit(user, unit)
    )
    if not ok:
        if message is None:
            message = _("Only an officer of %(unit)s can do this.") % {"unit": unit}
        raise AppForbidden(code, message)
