"""Who does what on a unit, by its code version: the one place that answers "who checks this
commune's changes" and "who runs the lists of this closing unit".

Three-tier units (2025-01): the district closes its communes' lists; the district officer of the
commune's district checks the commune officer's changes and generates, closes, sends and
reconciles the list. Two-tier units (2025-10, Decree 147/2025 Art. 5): the commune is the closing
unit; its commune leader (Chủ tịch or Phó Chủ tịch UBND xã) checks and runs the list, and its
commune officer may prepare (generate) it. The province officer only reads. Every door (pages,
API, commands, admin, services) asks here rather than naming a role.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import AppForbidden, CoreErrorCode
from org.models import AdministrativeUnit, CodeVersion, Role, UnitLevel
from org.scoping import user_can_see_unit

# The roles that check changes and run lists somewhere (which one depends on the unit).
CHECKER_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.COMMUNE_LEADER})


def is_two_tier(unit: AdministrativeUnit) -> bool:
    return unit.code_version == CodeVersion.TWO_TIER


def checker_role_for(commune: AdministrativeUnit) -> Role:
    """The role that approves or rejects the changes of `commune`."""
    return Role.COMMUNE_LEADER if is_two_tier(commune) else Role.DISTRICT_OFFICER


def list_role_for(closing_unit: AdministrativeUnit) -> Role:
    """The role that generates, closes, sends and reconciles the lists of `closing_unit`."""
    return Role.COMMUNE_LEADER if is_two_tier(closing_unit) else Role.DISTRICT_OFFICER


def closing_unit_of(commune: AdministrativeUnit) -> AdministrativeUnit | None:
    """The unit whose list pays the people of `commune`: the commune itself on two-tier units,
    its district on three-tier units."""
    if commune.level != UnitLevel.COMMUNE:
        return None
    return commune if is_two_tier(commune) else commune.parent


def closes_lists(unit: AdministrativeUnit) -> bool:
    """Whether `unit` is a closing unit (a two-tier commune, a district with communes)."""
    if is_two_tier(unit):
        return unit.level == UnitLevel.COMMUNE
    return (
        unit.level != UnitLevel.COMMUNE and unit.children.filter(level=UnitLevel.COMMUNE).exists()
    )


def closing_units_queryset() -> QuerySet[AdministrativeUnit]:
    """Every unit that closes lists: the districts of active three-tier communes and the active
    two-tier communes themselves."""
    parents = AdministrativeUnit.objects.filter(
        level=UnitLevel.COMMUNE, active=True, code_version=CodeVersion.THREE_TIER
    ).values("parent_id")
    return AdministrativeUnit.objects.filter(
        Q(pk__in=parents)
        | Q(level=UnitLevel.COMMUNE, active=True, code_version=CodeVersion.TWO_TIER)
    ).order_by("path")


def communes_q(closing_unit: AdministrativeUnit | int, field: str = "commune") -> Q:
    """The rows whose `field` (a path to a commune) is one of `closing_unit`'s communes."""
    unit = (
        closing_unit
        if isinstance(closing_unit, AdministrativeUnit)
        else AdministrativeUnit.objects.get(pk=closing_unit)
    )
    prefix = f"{field}__" if field else ""
    if unit.level == UnitLevel.COMMUNE:
        return Q(**{f"{prefix}pk": unit.pk})
    return Q(**{f"{prefix}parent": unit, f"{prefix}level": UnitLevel.COMMUNE})


def communes_of(closing_unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    """The communes whose people `closing_unit`'s list pays."""
    return AdministrativeUnit.objects.filter(communes_q(closing_unit, field=""))


def may_decide(user, commune: AdministrativeUnit) -> bool:
    """Whether `user` is a checker of `commune`'s changes (own changes aside)."""
    return getattr(user, "role", None) == checker_role_for(commune) and user_can_see_unit(
        user, commune
    )


def may_run_lists(user, closing_unit: AdministrativeUnit) -> bool:
    """Whether `user` closes, sends and reconciles `closing_unit`'s lists."""
    return (
        getattr(user, "role", None) == list_role_for(closing_unit)
        and user.unit_id == closing_unit.pk
    )


def may_prepare_lists(user, closing_unit: AdministrativeUnit) -> bool:
    """Whether `user` may open a period and generate `closing_unit`'s list: its list officer, and
    on two-tier units the commune officer too (who then may not close it)."""
    if may_run_lists(user, closing_unit):
        return True
    return (
        is_two_tier(closing_unit)
        and getattr(user, "role", None) == Role.COMMUNE_OFFICER
        and user.unit_id == closing_unit.pk
    )


def require_checker_of(user, commune: AdministrativeUnit, *, code: StrEnum) -> None:
    """Raise AppForbidden(code) unless `user` is a checker of `commune`."""
    if not may_decide(user, commune):
        if is_two_tier(commune):
            message = _("Only a leader of this commune's People's Committee can decide.")
        else:
            message = _("Only an officer of the district above this commune can decide.")
        raise AppForbidden(code, message)


def require_list_officer(
    user,
    closing_unit: AdministrativeUnit,
    *,
    message=None,
    code: StrEnum = CoreErrorCode.NOT_OFFICER_OF_UNIT,
) -> None:
    """Raise AppForbidden(code, message) unless `user` runs `closing_unit`'s lists."""
    if not may_run_lists(user, closing_unit):
        if message is None:
            message = _("Only an officer of %(unit)s can do this.") % {"unit": closing_unit}
        raise AppForbidden(code, message)


def closing_unit_id_of(commune: AdministrativeUnit) -> int | None:
    """The id of `commune`'s closing unit, with no query (closing_unit_of)."""
    return commune.pk if is_two_tier(commune) else commune.parent_id
