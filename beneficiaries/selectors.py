"""Reads of the register, always scoped by the user (org.scoping)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryStatus,
    CategoryCoefficient,
    StandardLevel,
)
from org.models import AdministrativeUnit
from org.scoping import scope_queryset


def beneficiary_list(*, user, status: str | None = None) -> QuerySet[Beneficiary]:
    """The beneficiaries the user may see, optionally of one status."""
    qs = scope_queryset(Beneficiary.objects.all(), user=user, unit_field="commune")
    if status:
        qs = qs.filter(status=status)
    return qs


@dataclass(frozen=True)
class CoverageFigures:
    """Headline figures of a scope: active beneficiaries, with an account, through a recipient."""

    beneficiaries: int = 0
    with_account: int = 0
    via_recipient: int = 0

    @property
    def with_account_percent(self) -> int:
        return round(100 * self.with_account / self.beneficiaries) if self.beneficiaries else 0

    @property
    def via_recipient_percent(self) -> int:
        return round(100 * self.via_recipient / self.beneficiaries) if self.beneficiaries else 0

    def __add__(self, other: CoverageFigures) -> CoverageFigures:
        return CoverageFigures(
            self.beneficiaries + other.beneficiaries,
            self.with_account + other.with_account,
            self.via_recipient + other.via_recipient,
        )


def _counts_by_commune(*, user) -> dict[int, CoverageFigures]:
    """Three grouped queries over the user's active beneficiaries, keyed by commune id."""
    active = beneficiary_list(user=user, status=BeneficiaryStatus.ACTIVE)
    totals = dict(active.values_list("commune_id").annotate(n=Count("id")).order_by())
    with_account = dict(
        PaymentAccount.objects.filter(
            status=AccountStatus.ACTIVE, beneficiary__in=active.values("id")
        )
        .values_list("beneficiary__commune_id")
        .annotate(n=Count("beneficiary_id", distinct=True))
        .order_by()
    )
    via_recipient = dict(
        AuthorizedRecipient.objects.filter(active=True, beneficiary__in=active.values("id"))
        .values_list("beneficiary__commune_id")
        .annotate(n=Count("beneficiary_id", distinct=True))
        .order_by()
    )
    return {
        commune_id: CoverageFigures(
            n, with_account.get(commune_id, 0), via_recipient.get(commune_id, 0)
        )
        for commune_id, n in totals.items()
    }


def coverage_figures(*, user) -> CoverageFigures:
    """The headline figures of everything the user may see."""
    return sum(_counts_by_commune(user=user).values(), CoverageFigures())


def coverage_by_child_unit(
    *, user, unit: AdministrativeUnit | None
) -> list[tuple[AdministrativeUnit, CoverageFigures]]:
    """The figures of each unit directly below `unit` (districts of a province, communes of a
    district; the provinces when `unit` is None), counting only what the user may see.
    Units with no beneficiaries show zeros."""
    by_commune = _counts_by_commune(user=user)
    if unit is None:
        children = list(
            AdministrativeUnit.objects.filter(parent__isnull=True, active=True).order_by("path")
        )
        communes = AdministrativeUnit.objects.filter(level="commune")
    else:
        children = list(unit.children.filter(active=True).order_by("code"))
        communes = AdministrativeUnit.objects.filter(path__startswith=unit.path, level="commune")
    if not children:
        return []
    commune_paths = dict(communes.values_list("id", "path"))
    rolled: dict[int, CoverageFigures] = defaultdict(CoverageFigures)
    child_by_path = {child.path: child for child in children}
    for commune_id, figures in by_commune.items():
        path = commune_paths.get(commune_id)
        if path is None:
            continue
        for child_path, child in child_by_path.items():
            if path.startswith(child_path):
                rolled[child.id] = rolled[child.id] + figures
                break
    return [(child, rolled[child.id]) for child in children]


def standard_levels() -> QuerySet[StandardLevel]:
    """Every standard level row, national first (policy tables are public within the system)."""
    return StandardLevel.objects.select_related("province").order_by(
        "province__code", "effective_month"
    )


def category_coefficients() -> QuerySet[CategoryCoefficient]:
    return CategoryCoefficient.objects.select_related("category").order_by(
        "category__sort_order", "valid_from", "min_age", "disability_level"
    )
