import functools
import json

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core.errors import AppError, AppForbidden
from org.downloads import ExportWhat
from org.models import AdministrativeUnit, ExportJob, Role, User
from org.privacy import MASKED_FIELDS, MASKERS, mask_data
from org.review import ReviewedRow, reference_row_approve, reference_row_propose


def _masked_display(field):
    mask = MASKERS[MASKED_FIELDS[field.name]]

    @admin.display(description=field.verbose_name)
    def show(obj):
        return mask(getattr(obj, field.attname)) or "—"

    show.__name__ = f"masked_{field.name}"
    return show


def _masked_json_display(field):
    @admin.display(description=field.verbose_name)
    def show(obj):
        value = getattr(obj, field.attname)
        if isinstance(value, str):  # a raw body: masked if it is JSON
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):  # not JSON, or nested past the decoder
                return value
        try:
            return json.dumps(mask_data(value), ensure_ascii=False, indent=1)
        except RecursionError:  # nested deeper than masking goes: shown as it came
            return getattr(obj, field.attname)

    show.__name__ = f"masked_{field.name}"
    return show


class _MaskedHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        if change.field in MASKED_FIELDS:
            return MASKERS[MASKED_FIELDS[change.field]](value)
        return super().prepare_delta_change_value(change, value)


class MaskedIdentifiersAdmin:
    """ID, phone and account numbers shown masked everywhere in the admin: in lists, on the
    record, in inlines and in its history (the administrator does not need them; see
    org/privacy.py). Searching by them still works."""

    masked_json_fields: tuple[str, ...] = ()  # JSON (or a JSON body) holding such numbers

    @functools.cached_property
    def _masked_fields(self) -> dict:
        # Made once per admin: Django compares readonly fields and excluded ones by identity.
        shown = {}
        for f in self.model._meta.fields:
            if f.name in MASKED_FIELDS:
                shown[f.name] = _masked_display(f)
            elif f.name in self.masked_json_fields:
                shown[f.name] = _masked_json_display(f)
        return shown

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self._masked_fields]

    def get_readonly_fields(self, request, obj=None):
        masked = self._masked_fields
        fields = [
            masked.get(f, f) if isinstance(f, str) else f
            for f in super().get_readonly_fields(request, obj)
        ]
        return fields + [show for show in masked.values() if show not in fields]

    def get_list_display(self, request):
        masked = self._masked_fields
        return [
            masked.get(name, name) if isinstance(name, str) else name
            for name in super().get_list_display(request)
        ]

    def get_historical_record_context_helper(self, request, historical_record):
        return _MaskedHistoryHelper(self.model, historical_record)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    """For data that changes only through services that keep its rules (the register under
    maker-checker, payment lists): the admin shows it and its history, and edits nothing."""


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "division_type", "code_version", "parent", "active"]
    list_filter = ["code_version", "level", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


class AbolishedUnitFilter(admin.SimpleListFilter):
    """The users the 2025 reform left on an abolished (inactive) unit: to re-home, by giving
    each a unit that exists (org.middleware.AbolishedUnitMiddleware holds them until then)."""

    title = _("unit abolished")
    parameter_name = "abolished"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting to be re-homed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(unit__active=False).exclude(role=Role.ADMIN)
        return queryset


@admin.register(User)
class StaffUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "role", "unit", "is_active"]
    list_filter = [AbolishedUnitFilter, "role", "is_active", "unit__level"]
    search_fields = ["username", "first_name", "last_name", "unit__name"]
    raw_id_fields = ["unit"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Role and unit"), {"fields": ("role", "unit", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Role and unit"), {"fields": ("role", "unit")}),
    )


class ReviewedReferenceAdmin(admin.ModelAdmin):
    """Maker-checker for reference rows (`org.review`) in the admin.

    Saving a new row, or a row whose fields changed, marks it proposed by the user (an approved
    row that is edited goes back to proposed and stops counting until approved again). The
    changelist's action "Duyệt" approves the selected proposed rows; if any of them cannot be
    approved by the user (their own proposal, not proposed, a closed month) nothing is approved
    and the page says why. The review fields are read-only: only the services set them.
    """

    actions = ["approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *ReviewedRow.REVIEW_FIELDS]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "review_status", "proposed_by", "approved_by"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), "review_status"]

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            reference_row_propose(row=obj, proposed_by=request.user)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        """Only a proposal may be deleted (withdrawn): an approved row stays, in force."""
        if obj is not None and obj.is_approved:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Approve"))
    def approve_selected(self, request, queryset):
        try:
            with transaction.atomic():
                rows = [reference_row_approve(row=r, approved_by=request.user) for r in queryset]
        except (AppError, AppForbidden) as exc:
            self.message_user(
                request, f"{exc.text} {_('Nothing was approved.')}", level=messages.ERROR
            )
            return
        self.message_user(
            request,
            _("%(count)d row(s) approved: they count from their month on.") % {"count": len(rows)},
            level=messages.SUCCESS,
        )


@admin.register(ExportJob)
class ExportJobAdmin(ViewOnlyAdmin):
    """Export jobs, to see what the workers write and why one failed (the files are their
    owners' alone: not linked here)."""

    list_display = ["created_at", "owner", "kind_label", "status", "rows_done", "rows_total"]
    list_filter = ["status", "kind", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["owner__username", "file_name", "error_code"]
    exclude = ["stored_name"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, job: ExportJob) -> str:
        return ExportWhat(job.kind).label if job.kind in ExportWhat.values else job.kind
