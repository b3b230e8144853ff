from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats.base_formats import XLSX
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries import selectors
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    CareArrangement,
    Category,
    CategoryCoefficient,
    ChangeRecord,
    ReformRun,
    StandardLevel,
)
from beneficiaries.resources import RegistrationResource
from core.months import closed_month_conflict
from org.admin import (
    MaskedIdentifiersAdmin,
    ReadOnlyAdmin,
    ReviewedReferenceAdmin,
    ViewOnlyAdmin,
)
from org.downloads import export_logged
from org.models import Role
from org.privacy import identifiers_for
from org.review import ReviewedRow, reference_row_propose


class CoefficientFormSet(BaseInlineFormSet):
    """The category's bands are checked together: a band may end where the one entered with it
    starts. Each band's own checks stay in CategoryCoefficient.clean()."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.overlap_checked_by_formset = True
        return form

    def clean(self) -> None:
        super().clean()
        kept, edited = [], set()
        for form in self.forms:
            if form.instance.pk:
                edited.add(form.instance.pk)
            if form.errors or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            kept.append(form.instance)
        for form in self.forms:
            deleted = getattr(form, "cleaned_data", {}).get("DELETE")
            if deleted and form.instance.pk and form.instance.is_approved:
                raise ValidationError(
                    _(
                        "An approved band cannot be deleted: set its end month instead (a "
                        "change another person approves in turn)."
                    ),
                    code=str(Code.REFERENCE_DATA_INVALID),
                )
        for i, current in enumerate(kept):
            clash = next((other for other in kept[i + 1 :] if current.overlaps(other)), None)
            if clash is None:
                clash = current.overlapping().exclude(pk__in=edited).first()
            if clash is not None:
                raise ValidationError(
                    _("The band from age %(a)s overlaps the band from age %(b)s (%(note)s).")
                    % {
                        "a": current.ages_label(),
                        "b": clash.ages_label(),
                        "note": clash.note or clash.coefficient,
                    },
                    code=str(Code.AGE_BANDS_OVERLAP),
                )


class CoefficientInline(admin.TabularInline):
    model = CategoryCoefficient
    formset = CoefficientFormSet
    extra = 0
    readonly_fields = ReviewedRow.REVIEW_FIELDS[:2]
    fields = [
        "min_age",
        "max_age",
        "age_group",
        "disability_level",
        "per_child",
        "variant",
        "coefficient",
        "valid_from",
        "valid_to",
        "note",
        "review_status",
        "proposed_by",
    ]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    """A category and its bands. A band added or changed here is proposed by the user (maker-
    checker, `org.review`); another person approves it on the coefficient bands' page."""

    list_display = ["code", "name", "kind", "additive", "sort_order"]
    list_filter = ["kind"]
    inlines = [CoefficientInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is CategoryCoefficient:
            for band_form in formset.forms:
                deleted = band_form.cleaned_data.get("DELETE") if band_form.is_valid() else False
                if band_form.has_changed() and not deleted:
                    reference_row_propose(row=band_form.instance, proposed_by=request.user)
        super().save_formset(request, form, formset, change)


@admin.register(CategoryCoefficient)
class CategoryCoefficientAdmin(ReviewedReferenceAdmin, SimpleHistoryAdmin):
    """The coefficient bands, one by one: where a proposal is approved ("Duyệt")."""

    list_display = ["category", "note", "coefficient", "valid_from", "valid_to"]
    list_filter = ["category"]
    list_select_related = ["category", "proposed_by", "approved_by"]


@admin.register(StandardLevel)
class StandardLevelAdmin(ReviewedReferenceAdmin, SimpleHistoryAdmin):
    """Standard levels under maker-checker (`org.review`): saved here, proposed; "Duyệt"."""

    list_display = ["province", "effective_month", "amount", "legal_basis"]
    list_filter = ["province"]

    def has_delete_permission(self, request, obj=None):
        """A level in force in a month whose list is closed stays (clean() guards edits)."""
        if obj is not None and closed_month_conflict(
            [obj.effective_month],
            province_code=obj.province.province_code if obj.province_id else None,
        ):
            return False
        return super().has_delete_permission(request, obj)


class BeneficiaryCategoryInline(admin.TabularInline):
    model = BeneficiaryCategory
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecipientInline(MaskedIdentifiersAdmin, BeneficiaryCategoryInline):
    model = AuthorizedRecipient


class RegisterImportExportAdmin(ImportMixin, ExportMixin):
    """django-import-export's buttons on the register, through the import resource.

    Import: the administrator's initial load, as an import job (a worker reads and checks the
    file, the job's page previews it and imports it all or nothing: no admin request parses a
    spreadsheet); anyone else is refused. Export: the resource's columns, identifiers as the
    export rules show them to the user (`identifiers_for`), logged in the export log."""

    resource_classes = [RegistrationResource]
    export_formats = [XLSX]
    skip_export_form = True

    def has_import_permission(self, request) -> bool:
        return request.user.role == Role.ADMIN

    def has_export_permission(self, request) -> bool:
        return request.user.role == Role.ADMIN

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return redirect(f"{reverse('beneficiaries:import')}?initial_load=1")

    def process_import(self, request, **kwargs):
        return self.import_action(request)

    def get_export_resource_kwargs(self, request, **kwargs) -> dict:
        return {
            "user": request.user,
            "communes": {},
            "today": timezone.localdate(),
            "identifiers": identifiers_for(request.user),
        }

    def get_export_queryset(self, request):
        chosen = super().get_export_queryset(request).values("pk")
        return selectors.register_search(
            user=request.user, filters=selectors.RegisterFilters()
        ).filter(pk__in=chosen)

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        export_logged(
            user=request.user,
            what="register_admin_xlsx",
            parameters=request.GET.urlencode(),
            row_count=len(data),
        )
        return data


# The register changes only through change records under maker-checker: read-only here (its
# initial load goes through the import job, its export through the resource).
@admin.register(Beneficiary)
class BeneficiaryAdmin(RegisterImportExportAdmin, MaskedIdentifiersAdmin, ReadOnlyAdmin):
    list_display = ["full_name", "date_of_birth", "sex", "id_number", "commune", "status"]
    list_filter = ["status", "sex"]
    search_fields = ["search_name", "id_number", "external_id"]
    raw_id_fields = ["commune", "created_by"]
    list_select_related = ["commune"]
    inlines = [BeneficiaryCategoryInline, RecipientInline]
    show_full_result_count = False


@admin.register(AuthorizedRecipient)
class AuthorizedRecipientAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    list_display = ["full_name", "kind", "relationship", "beneficiary", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["full_name", "id_number"]
    raw_id_fields = ["beneficiary"]
    show_full_result_count = False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    list_display = ["beneficiary", "kind", "effective_month", "status", "maker", "checker"]
    list_filter = ["status", "kind", "source"]
    raw_id_fields = [
        "beneficiary",
        "commune",
        "new_commune",
        "recipient",
        "account",
        "care_arrangement",
        "maker",
        "checker",
    ]
    list_select_related = ["beneficiary", "maker", "checker"]


@admin.register(CareArrangement)
class CareArrangementAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    """Care arrangements are set and ended only by SET_CARE / END_CARE changes under
    maker-checker (and the stop of the person cared for): shown here, with their history."""

    list_display = [
        "beneficiary",
        "code",
        "carer_full_name",
        "carer_relationship",
        "start_month",
        "end_month",
        "status",
    ]
    list_filter = ["status", "code"]
    search_fields = ["carer_full_name", "carer_id_number", "beneficiary__search_name"]
    raw_id_fields = ["beneficiary", "carer_beneficiary", "created_by"]
    list_select_related = ["beneficiary"]
    show_full_result_count = False


@admin.register(ReformRun)
class ReformRunAdmin(ViewOnlyAdmin):
    """The runs of apply_unit_reform, view-only: the command makes them."""

    list_display = [
        "province_code",
        "effective_month",
        "status",
        "moved",
        "worklist_size",
        "changes_moved",
        "users_to_rehome",
        "drafts_removed",
        "created_at",
    ]
    exclude = ["correspondence"]
