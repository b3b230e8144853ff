from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from org.admin import MaskedIdentifiersAdmin
from providers.models import CallbackEvent, Provider, ProviderContract


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "channel", "bank_bin", "active"]


@admin.register(ProviderContract)
class ProviderContractAdmin(SimpleHistoryAdmin):
    list_display = [
        "province",
        "provider",
        "contract_number",
        "fee_percent",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["provider"]


@admin.register(CallbackEvent)
class CallbackEventAdmin(MaskedIdentifiersAdmin, admin.ModelAdmin):
    masked_json_fields = ("body",)  # wallet numbers
    list_display = ["provider", "received_at", "signature_valid", "processed_at"]
    list_filter = ["provider", "signature_valid"]
    readonly_fields = [f.name for f in CallbackEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
