from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from org.models import AdministrativeUnit, LoginFailure, User


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


@admin.register(User)
class StaffUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active", "unit__level"]
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


@admin.register(LoginFailure)
class LoginFailureAdmin(ViewOnlyAdmin):
    """Failed sign-ins (what the lockout counts); deleting a username's rows lifts its lock."""

    list_display = ["username", "ip", "at"]
    list_filter = ["at"]
    search_fields = ["username", "ip"]

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # lifts a lock
