"""The menu of each role, in one place. Later capabilities add their entries here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from org.models import Role


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str | Promise
    roles: frozenset[str]


ALL_ROLES = frozenset(Role.values)

MENU: tuple[MenuEntry, ...] = (
    MenuEntry("home", _("Overview"), ALL_ROLES),
    MenuEntry("beneficiaries:list", _("Register"), ALL_ROLES),
    MenuEntry(
        "beneficiaries:change_queue",
        _("Changes"),
        frozenset(
            {
                Role.COMMUNE_OFFICER,
                Role.COMMUNE_LEADER,
                Role.DISTRICT_OFFICER,
                Role.PROVINCE_OFFICER,
                Role.ADMIN,
            }
        ),
    ),
    MenuEntry("payments:list", _("Payment lists"), ALL_ROLES),
    MenuEntry("reports:dashboard", _("Coverage"), ALL_ROLES),
    MenuEntry("unit_list", _("Administrative units"), ALL_ROLES),
    MenuEntry(
        "policy_tables",
        _("Standard levels and coefficients"),
        frozenset({Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.COMMUNE_LEADER, Role.ADMIN}),
    ),
    MenuEntry("admin:index", _("Administration"), frozenset({Role.ADMIN})),
)


def menu_for(user) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    return [
        {"name": entry.url_name, "label": entry.label, "url": reverse(entry.url_name)}
        for entry in MENU
        if user.role in entry.roles
    ]
