"""Reads of the register, always scoped by the user (org.scoping)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    BeneficiaryStatus,
    CareArrangement,
    CareStatus,
    CategoryCoefficient,
    ChangeRecord,
    ChangeStatus,
    ImportJob,
    StandardLevel,
)
from core.lists import Sort, SortColumns
from org.models import AdministrativeUnit, Role, UnitLevel
from org.privacy import MASKED_FIELDS, Identifiers
from org.review import ReviewStatus
from org.scoping import get_in_scope_or_404, scope_queryset
from org.text import search_key


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


def coverage_by_commune(*, user) -> dict[int, CoverageFigures]:
    """The headline figures of each commune the user may see, keyed by commune id: one grouped
    query over the user's active beneficiaries joined to their active account and recipient,
    so a district's overview reads its own people only."""
    rows = (
        beneficiary_list(user=user, status=BeneficiaryStatus.ACTIVE)
        .values("commune_id")
        .annotate(
            n=Count("id", distinct=True),
            with_account=Count(
                "accounts", distinct=True, filter=Q(accounts__status=AccountStatus.ACTIVE)
            ),
            via_recipient=Count("recipients", distinct=True, filter=Q(recipients__active=True)),
        )
        .order_by()
    )
    return {
        r["commune_id"]: CoverageFigures(r["n"], r["with_account"], r["via_recipient"])
        for r in rows
    }


def coverage_figures(
    *, user, by_commune: dict[int, CoverageFigures] | None = None
) -> CoverageFigures:
    """The headline figures of everything the user may see (from `by_commune`, the user's
    `coverage_by_commune`, when the caller already has it)."""
    if by_commune is None:
        by_commune = coverage_by_commune(user=user)
    return sum(by_commune.values(), CoverageFigures())


def coverage_by_child_unit(
    *,
    user,
    unit: AdministrativeUnit | None,
    by_commune: dict[int, CoverageFigures] | None = None,
) -> list[tuple[AdministrativeUnit, CoverageFigures]]:
    """The figures of each unit directly below `unit` (districts of a province, communes of a
    district; the provinces when `unit` is None), counting only what the user may see (from
    `by_commune` when given). Units with no beneficiaries show zeros."""
    if by_commune is None:
        by_commune = coverage_by_commune(user=user)
    if unit is None:
        children = list(
            AdministrativeUnit.objects.filter(parent__isnull=True, active=True).order_by("path")
        )
        communes = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE)
    else:
        children = list(unit.children.filter(active=True).order_by("code"))
        communes = AdministrativeUnit.objects.filter(
            path__startswith=unit.path, level=UnitLevel.COMMUNE
        )
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


def standard_levels(*, approved: bool = True) -> QuerySet[StandardLevel]:
    """The approved standard level rows (or, with approved=False, those awaiting approval),
    national first (policy tables are public within the system)."""
    status = ReviewStatus.APPROVED if approved else ReviewStatus.PROPOSED
    return (
        StandardLevel.objects.filter(review_status=status)
        .select_related("province", "proposed_by")
        .order_by("province__code", "effective_month")
    )


def category_coefficients(*, approved: bool = True) -> QuerySet[CategoryCoefficient]:
    """The approved coefficient bands (or, with approved=False, those awaiting approval)."""
    status = ReviewStatus.APPROVED if approved else ReviewStatus.PROPOSED
    return (
        CategoryCoefficient.objects.filter(review_status=status)
        .select_related("category", "proposed_by")
        .order_by("category__sort_order", "valid_from", "min_age", "disability_level")
    )


# --- The register ---------------------------------------------------------------------------


# The register's sortable columns: by name is by given name in Vietnamese order (tên, then họ and
# tên đệm; org.text.name_collation_key), as officers read their lists.
REGISTER_SORTS = SortColumns(
    {
        "name": ("name_sort_key",),
        "birth": ("date_of_birth",),
        "commune": ("commune__code",),
        "status": ("status",),
    },
    default="name",
)


@dataclass(frozen=True)
class RegisterFilters:
    q: str = ""
    category: str = ""
    status: str = ""
    account: str = ""  # "yes" / "no"
    recipient: str = ""  # "yes" / "no"
    commune_id: int | None = None


def register_search(
    *, user, filters: RegisterFilters, sort: Sort | None = None
) -> QuerySet[Beneficiary]:
    """The register as the user may see it, filtered, ready for a page: the commune, the active
    account and recipient and the held categories come in a fixed number of queries. Sorted
    by `sort` (one of REGISTER_SORTS; by default by given name in Vietnamese order), in the
    database."""
    qs = beneficiary_list(user=user)
    query = filters.q.strip()
    if query:
        compact = query.replace(" ", "")
        if compact.isdigit():
            qs = qs.filter(
                Q(id_number__startswith=compact) | Q(legacy_id_number__startswith=compact)
            )
        else:
            qs = qs.filter(search_name__contains=search_key(query))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(
            Exists(
                BeneficiaryCategory.objects.filter(
                    beneficiary=OuterRef("pk"), active=True, category__code=filters.category
                )
            )
        )
    has_account = Exists(
        PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), status=AccountStatus.ACTIVE)
    )
    has_recipient = Exists(
        AuthorizedRecipient.objects.filter(beneficiary=OuterRef("pk"), active=True)
    )
    if filters.account == "yes":
        qs = qs.filter(has_account)
    elif filters.account == "no":
        qs = qs.filter(~has_account)
    if filters.recipient == "yes":
        qs = qs.filter(has_recipient)
    elif filters.recipient == "no":
        qs = qs.filter(~has_recipient)
    if filters.commune_id:
        qs = qs.filter(commune_id=filters.commune_id)
    return (
        qs.select_related("commune")
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=BeneficiaryCategory.objects.filter(active=True).select_related("category"),
                to_attr="active_categories",
            ),
            Prefetch(
                "accounts",
                queryset=PaymentAccount.objects.filter(status=AccountStatus.ACTIVE).select_related(
                    "provider"
                ),
                to_attr="active_accounts",
            ),
            Prefetch(
                "recipients",
                queryset=AuthorizedRecipient.objects.filter(active=True),
                to_attr="active_recipients",
            ),
            Prefetch(
                "care_arrangements",
                queryset=CareArrangement.objects.filter(
                    status__in=[CareStatus.ACTIVE, CareStatus.PENDING]
                ).order_by("start_month", "id"),
                to_attr="current_care",
            ),
        )
        .order_by(*REGISTER_SORTS.order_by(sort or REGISTER_SORTS.parse("")))
    )


def beneficiary_get(*, user, pk: int) -> Beneficiary:
    """One beneficiary in the user's scope (404 otherwise), with what its page shows."""
    return get_in_scope_or_404(
        Beneficiary.objects.select_related("commune", "commune__parent", "created_by"),
        user=user,
        unit_field="commune",
        pk=pk,
    )


def communes_for(*, user) -> QuerySet[AdministrativeUnit]:
    """The active communes in the user's scope, for choosing where a person lives."""
    return scope_queryset(
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, active=True),
        user=user,
        unit_field="",
    ).order_by("name")


def move_destinations(*, beneficiary: Beneficiary) -> QuerySet[AdministrativeUnit]:
    """Any active commune of the same code version: people move across districts too."""
    return (
        AdministrativeUnit.objects.filter(
            level=UnitLevel.COMMUNE, active=True, code_version=beneficiary.commune.code_version
        )
        .exclude(pk=beneficiary.commune_id)
        .order_by("name")
    )


# --- Changes ------------------------------------------------------------------------------------


# The queue's sortable columns; by default the oldest submission first (first come, first served).
CHANGE_QUEUE_SORTS = SortColumns(
    {
        "submitted": ("submitted_at", "created_at"),
        "name": ("beneficiary__name_sort_key",),
        "kind": ("kind",),
        "month": ("effective_month",),
        "commune": ("commune__code",),
        "status": ("status",),
    },
    default="submitted",
)


def change_queue(
    *, user, statuses: tuple[str, ...] | None = None, sort: Sort | None = None
) -> QuerySet[ChangeRecord]:
    """The changes the user may see; by default what waits on them: a commune officer's drafts,
    proposals and rejected changes, a district officer's submitted changes. Sorted by `sort`
    (one of CHANGE_QUEUE_SORTS; by default the oldest submission first)."""
    qs = scope_queryset(ChangeRecord.objects.all(), user=user, unit_field="commune")
    if statuses is None:
        if user.role == Role.COMMUNE_OFFICER:
            statuses = (
                ChangeStatus.DRAFT,
                ChangeStatus.PROPOSED,
                ChangeStatus.SUBMITTED,
                ChangeStatus.REJECTED,
            )
        else:
            statuses = (ChangeStatus.SUBMITTED,)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.select_related(
        "beneficiary", "commune", "maker", "checker", "new_category", "old_category", "new_commune"
    ).order_by(*CHANGE_QUEUE_SORTS.order_by(sort or CHANGE_QUEUE_SORTS.parse("")))


def change_get(*, user, pk: int) -> ChangeRecord:
    return get_in_scope_or_404(
        ChangeRecord.objects.select_related(
            "beneficiary",
            "commune",
            "maker",
            "checker",
            "new_category",
            "old_category",
            "new_commune",
            "recipient",
            "account",
            "account__provider",
        ),
        user=user,
        unit_field="commune",
        pk=pk,
    )


# --- History ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    what: str
    action: str
    changes: tuple[FieldChange, ...]
    reason: str


HIDDEN_HISTORY_FIELDS = {
    "search_name",
    "name_sort_key",
    "updated_at",
    "created_at",
    "id",
    "beneficiary",
}


def _display(record, field_name: str, identifiers: Identifiers) -> str:
    model_field = record.instance_type._meta.get_field(field_name)
    value = getattr(record, model_field.attname)
    if value is None or value == "":
        return "—"
    if field_name in MASKED_FIELDS:
        return identifiers.field(field_name, str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related else str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        # Stored in UTC: before 07:00 local time the UTC date is the day before.
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def beneficiary_history(
    *, beneficiary: Beneficiary, identifiers: Identifiers
) -> list[HistoryEntry]:
    """Every recorded change to the person, their categories, recipients, accounts and change
    records: who, when, and each field before and after (ID, phone and account numbers as
    `identifiers` shows them); newest first."""
    sources = [
        (_("Beneficiary"), beneficiary.history.all()),
        (_("Category"), BeneficiaryCategory.history.filter(beneficiary_id=beneficiary.pk)),
        (
            _("Recipient / guardian"),
            AuthorizedRecipient.history.filter(beneficiary_id=beneficiary.pk),
        ),
        (_("Account"), PaymentAccount.history.filter(beneficiary_id=beneficiary.pk)),
        (_("Change record"), ChangeRecord.history.filter(beneficiary_id=beneficiary.pk)),
    ]
    entries: list[HistoryEntry] = []
    for what, records in sources:
        records = list(
            records.select_related("history_user").order_by("id", "history_date", "history_id")
        )
        previous: dict[int, object] = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            if before is None:
                action = _("created")
                changes = tuple(
                    FieldChange(str(f.verbose_name), "", _display(record, f.name, identifiers))
                    for f in record.instance_type._meta.fields
                    if f.name not in HIDDEN_HISTORY_FIELDS
                    and _display(record, f.name, identifiers) != "—"
                )
            else:
                action = _("changed")
                delta = record.diff_against(before)
                changes = tuple(
                    FieldChange(
                        str(record.instance_type._meta.get_field(c.field).verbose_name),
                        _display(before, c.field, identifiers),
                        _display(record, c.field, identifiers),
                    )
                    for c in delta.changes
                    if c.field not in HIDDEN_HISTORY_FIELDS
                )
                if not changes:
                    continue
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else _("system"),
                    what=f"{what}: {record.instance}",
                    action=str(action),
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def import_job_get(*, user, job_uuid) -> ImportJob:
    """An import job of `user`'s own (a job, its file and its report are its uploader's
    alone); anyone else's answers 404."""
    job = ImportJob.objects.filter(uuid=job_uuid, user=user).first()
    if job is None:
        raise Http404
    return job


def import_jobs_recent(*, user, limit: int = 10) -> list[ImportJob]:
    """The user's latest uploads, newest first."""
    return list(ImportJob.objects.filter(user=user).order_by("-created_at")[:limit])
