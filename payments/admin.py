"""Payment data in the admin is read-only: lists are generated, closed and paid through the
services, which keep the rules (nobody edits an amount by hand, a closed list never changes)."""

from django.contrib import admin

from org.admin import MaskedIdentifiersAdmin, ReadOnlyAdmin
from payments.models import (
    LineArrear,
    PaymentBatch,
    PaymentLine,
    PaymentList,
    PaymentPeriod,
    Reconciliation,
    ReconciliationIssue,
    ReconciliationTotal,
)


@admin.register(PaymentPeriod)
class PaymentPeriodAdmin(ReadOnlyAdmin):
    list_display = ["unit", "month", "status", "deadline"]
    list_filter = ["status", "month"]
    list_select_related = ["unit"]


@admin.register(PaymentList)
class PaymentListAdmin(ReadOnlyAdmin):
    list_display = ["period", "line_count", "total_amount", "generated_at", "closed_at"]
    list_select_related = ["period", "period__unit"]


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyAdmin):
    list_display = ["reference", "provider", "status", "control_count", "control_amount"]
    list_filter = ["provider", "status"]


@admin.register(PaymentLine)
class PaymentLineAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    list_display = ["reference", "full_name", "amount_total", "channel", "provider", "status"]
    list_filter = ["status", "channel", "provider"]
    list_select_related = ["provider"]
    search_fields = ["reference", "beneficiary_id_number"]
    show_full_result_count = False


@admin.register(LineArrear)
class LineArrearAdmin(admin.ModelAdmin):
    list_display = ["line", "month", "amount"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReconciliationTotalInline(admin.TabularInline):
    model = ReconciliationTotal
    extra = 0
    can_delete = False
    fields = [
        "provider",
        "control_count",
        "control_amount",
        "statement_count",
        "statement_amount",
        "paid_count",
        "paid_amount",
        "failed_count",
        "unpaid_count",
        "fee_percent",
        "fee_amount",
        "controls_match",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = ["period", "status", "line_count", "issue_count", "fee_total", "reconciled_at"]
    list_filter = ["status"]
    list_select_related = ["period", "period__unit"]
    inlines = [ReconciliationTotalInline]


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "provider",
        "kind",
        "our_status",
        "provider_status",
        "our_amount",
        "provider_amount",
    ]
    list_filter = ["kind", "provider"]
    search_fields = ["reference"]
