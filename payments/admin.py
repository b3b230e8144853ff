from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from payments.models import PaymentBatch, PaymentLine, PaymentList, PaymentPeriod


@admin.register(PaymentPeriod)
class PaymentPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["unit", "month", "status", "deadline"]
    list_filter = ["status", "month"]
    raw_id_fields = ["unit"]


@admin.register(PaymentList)
class PaymentListAdmin(SimpleHistoryAdmin):
    list_display = ["period", "line_count", "total_amount", "generated_at", "closed_at"]
    raw_id_fields = ["period", "generated_by", "closed_by"]


@admin.register(PaymentBatch)
class PaymentBatchAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "provider", "status", "control_count", "control_amount"]
    list_filter = ["provider", "status"]
    raw_id_fields = ["payment_list"]


@admin.register(PaymentLine)
class PaymentLineAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "full_name", "amount_total", "channel", "provider", "status"]
    list_filter = ["status", "channel", "provider"]
    search_fields = ["reference", "beneficiary_id_number"]
    raw_id_fields = [
        "payment_list",
        "beneficiary",
        "commune",
        "account",
        "batch",
        "carried_over_to",
    ]
    show_full_result_count = False
