from django.contrib import admin

from accounts.models import PaymentAccount
from org.admin import MaskedIdentifiersAdmin, ReadOnlyAdmin


@admin.register(PaymentAccount)
class PaymentAccountAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    """Accounts change only through change records under maker-checker."""

    list_display = ["account_number", "provider", "account_name", "holder", "status", "beneficiary"]
    list_filter = ["provider", "status", "holder"]
    search_fields = ["account_number", "account_name"]
    raw_id_fields = ["beneficiary", "recipient"]
    list_select_related = ["provider", "beneficiary"]
    show_full_result_count = False
