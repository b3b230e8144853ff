from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from beneficiaries.models import (
    AuthorizedRecipient,
    Beneficiary,
    BeneficiaryCategory,
    Category,
    CategoryCoefficient,
    ChangeRecord,
    StandardLevel,
)
from org.admin import MaskedIdentifiersAdmin, ReadOnlyAdmin


class CoefficientInline(admin.TabularInline):
    model = CategoryCoefficient
    extra = 0


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "additive", "sort_order"]
    list_filter = ["kind"]
    inlines = [CoefficientInline]


@admin.register(StandardLevel)
class StandardLevelAdmin(SimpleHistoryAdmin):
    list_display = ["province", "effective_month", "amount", "legal_basis"]
    list_filter = ["province"]


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


# The register changes only through change records under maker-checker: read-only here.
@admin.register(Beneficiary)
class BeneficiaryAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
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
        "maker",
        "checker",
    ]
    list_select_related = ["beneficiary", "maker", "checker"]
