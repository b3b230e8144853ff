from django.contrib import admin

from reports.models import CoverageSnapshot, ExportLog


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(admin.ModelAdmin):
    list_display = ["month", "commune", "provider_code", "category_code", "active_count"]
    list_filter = ["month"]
    raw_id_fields = ["commune"]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "what", "unit", "row_count", "parameters"]
    list_filter = ["what", "created_at"]
    search_fields = ["user__username", "what", "parameters"]
    list_select_related = ["user", "unit"]
    readonly_fields = ["created_at", "user", "what", "unit", "parameters", "row_count"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
