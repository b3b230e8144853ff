"""The overview's shortcuts to today's work: each a link with a count, for the officer's role.

The register's own (changes to fix or send, changes to decide) are here; payments, above the
register, adds its own (the list due, failed payments, people to call) with
`shortcuts_register` in its AppConfig.ready, so the overview never imports payments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ChangeRecord, ChangeStatus
from org.models import Role
from org.roles import CHECKER_ROLES
from org.scoping import scope_queryset


@dataclass(frozen=True)
class Shortcut:
    key: str  # stable, for tests and styles
    label: str | Promise
    url: str
    count: int | None = None  # None: the shortcut says something else than a number (`note`)
    note: str | Promise = ""
    urgent: bool = False


ShortcutProvider = Callable[..., list[Shortcut]]
_providers: list[ShortcutProvider] = []


def shortcuts_register(provider: ShortcutProvider) -> None:
    """Add a function `provider(user=...) -> list[Shortcut]` to every overview (once)."""
    if provider not in _providers:
        _providers.append(provider)


def change_shortcuts(*, user) -> list[Shortcut]:
    """A commune officer's changes to send (drafts, the system's proposals) and to fix
    (rejected); a district officer's changes waiting for a decision. One grouped query."""
    if user.role != Role.COMMUNE_OFFICER and user.role not in CHECKER_ROLES:
        return []
    counts = scope_queryset(ChangeRecord.objects.all(), user=user, unit_field="commune").aggregate(
        to_send=Count("id", filter=Q(status__in=[ChangeStatus.DRAFT, ChangeStatus.PROPOSED])),
        rejected=Count("id", filter=Q(status=ChangeStatus.REJECTED)),
        submitted=Count("id", filter=Q(status=ChangeStatus.SUBMITTED)),
    )
    queue = reverse("beneficiaries:change_queue")
    if user.role in CHECKER_ROLES:
        return [
            Shortcut(
                "to_decide",
                _("Changes waiting for your approval"),
                queue,
                counts["submitted"],
                urgent=counts["submitted"] > 0,
            )
        ]
    return [
        Shortcut("to_send", _("Changes to send for approval"), queue, counts["to_send"]),
        Shortcut(
            "rejected",
            _("Rejected changes to fix"),
            f"{queue}?show={ChangeStatus.REJECTED}",
            counts["rejected"],
            urgent=counts["rejected"] > 0,
        ),
    ]


def shortcuts_for(*, user) -> list[Shortcut]:
    """Every shortcut of the user's overview: the register's, then those registered."""
    out = change_shortcuts(user=user)
    for provider in _providers:
        out.extend(provider(user=user))
    return out
