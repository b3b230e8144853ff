from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.months import closed_month_conflict
from org.admin import MaskedIdentifiersAdmin, ReviewedReferenceAdmin
from providers.models import CallbackEvent, Provider, ProviderContract, ResultDiscrepancy
from providers.services import callback_event_process


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "channel", "bank_bin", "active"]


@admin.register(ProviderContract)
class ProviderContractAdmin(ReviewedReferenceAdmin, SimpleHistoryAdmin):
    """Contracts under maker-checker (`org.review`): saved here, proposed; "Duyệt" approves."""

    list_display = [
        "province",
        "provider",
        "contract_number",
        "fee_percent",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["provider"]

    def has_delete_permission(self, request, obj=None):
        """A contract in force in a month whose list is closed stays (clean() guards edits)."""
        if obj is not None and closed_month_conflict(
            [obj.valid_from.replace(day=1)], province_code=obj.province.province_code
        ):
            return False
        return super().has_delete_permission(request, obj)


class CallbackOutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("processed", _("Processed")),
            ("flagged", _("Results not matching what was sent")),
            ("failed", _("Failed (to be retried)")),
            ("refused", _("Refused (signature)")),
            ("waiting", _("Not processed yet")),
        ]

    def queryset(self, request, queryset):
        unprocessed = Q(processed_at__isnull=True) & ~Q(signature_valid=False)
        return {
            "processed": queryset.filter(processed_at__isnull=False),
            "flagged": queryset.filter(discrepancy_count__gt=0),
            "failed": queryset.filter(unprocessed & ~Q(error="")),
            "refused": queryset.filter(signature_valid=False),
            "waiting": queryset.filter(unprocessed & Q(error="")),
        }.get(self.value(), queryset)


@admin.register(CallbackEvent)
class CallbackEventAdmin(MaskedIdentifiersAdmin, admin.ModelAdmin):
    """Read-only: the inbox as received, with each failed event's error and traceback."""

    masked_json_fields = ("body",)  # wallet numbers
    list_display = [
        "provider",
        "received_at",
        "signature_valid",
        "processed_at",
        "attempts",
        "last_attempt_at",
        "discrepancy_count",
        "short_error",
    ]
    list_filter = [CallbackOutcomeFilter, "provider", "signature_valid"]
    readonly_fields = [f.name for f in CallbackEvent._meta.fields]
    actions = ["process_again"]

    @admin.display(description=_("error"))
    def short_error(self, obj: CallbackEvent) -> str:
        return obj.error[:120]

    @admin.action(description=_("Process the selected callbacks again now"))
    def process_again(self, request, queryset):
        done = 0
        for event in queryset.filter(processed_at__isnull=True).exclude(signature_valid=False):
            done += callback_event_process(event=event).processed_at is not None
        self.message_user(request, _("%(n)s callbacks processed.") % {"n": done}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ResultDiscrepancy)
class ResultDiscrepancyAdmin(admin.ModelAdmin):
    """Read-only: the providers' results that were not applied because they do not match what
    was sent (a batch never acknowledged, a reference not in the batch, another amount)."""

    list_display = [
        "detected_at",
        "provider",
        "source",
        "kind",
        "batch_reference",
        "reference",
        "provider_status",
        "our_amount",
        "provider_amount",
        "times_seen",
        "event",
    ]
    list_filter = ["kind", "source", "provider"]
    search_fields = ["reference", "batch_reference"]
    readonly_fields = [f.name for f in ResultDiscrepancy._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
