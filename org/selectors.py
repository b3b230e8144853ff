"""Reads of units and users, scoped by the user."""

from django.db.models import Count, QuerySet

from org.models import AdministrativeUnit
from org.scoping import units_in_scope


def unit_list(*, user, parent: AdministrativeUnit | None = None) -> QuerySet[AdministrativeUnit]:
    """The active units the user may see, with the number of units directly below each."""
    qs = units_in_scope(user=user).filter(active=True).select_related("parent")
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.annotate(child_count=Count("children")).order_by("path")


def unit_root(*, user) -> AdministrativeUnit | None:
    """The unit at the top of the user's scope (None for an administrator without a unit)."""
    return user.unit if user.unit_id else None
