from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import PaymentAccount


@admin.register(PaymentAccount)
class PaymentAccountAdmin(SimpleHistoryAdmin):
    list_display = ["account_number", "provider", "account_name", "holder", "status", "beneficiary"]
    list_filter = ["provider", "status", "holder"]
    search_fields = ["account_number", "account_name"]
    raw_id_fields = ["beneficiary", "recipient"]
    list_select_related = ["provider", "beneficiary"]
    show_full_result_count = False
