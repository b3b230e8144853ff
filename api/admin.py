"""API tokens in the admin: an administrator creates one (the key is shown once) and revokes it;
nothing else about a token can be edited."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from api.models import ApiToken, PortalApplication, WebhookDelivery
from api.services import api_token_create, api_token_revoke
from org.admin import MaskedIdentifiersAdmin, ReadOnlyAdmin, ViewOnlyAdmin
from org.models import AdministrativeUnit, Role


class ApiTokenCreateForm(forms.ModelForm):
    unit = forms.ModelChoiceField(
        AdministrativeUnit.objects.filter(active=True).order_by("path"),
        label=_("unit"),
        help_text=_("The token sees this unit and everything below it."),
    )
    role = forms.ChoiceField(
        label=_("role"),
        choices=[(r.value, r.label) for r in Role if r != Role.ADMIN],
    )

    class Meta:
        model = ApiToken
        fields = ["name"]

    def clean(self):
        data = super().clean()
        self.key = None
        if self.errors:
            return data
        try:
            self.instance, self.key = api_token_create(
                name=data["name"], unit=data["unit"], role=data["role"], created_by=self.user
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict) from exc
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    list_display = ["name", "prefix", "role", "unit", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__unit__name"]
    actions = ["revoke"]
    readonly_fields = [
        "name",
        "prefix",
        "user",
        "role",
        "unit",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    @admin.display(description=_("role"))
    def role(self, token):
        return token.user.get_role_display()

    @admin.display(description=_("unit"))
    def unit(self, token):
        return token.user.unit

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "user__unit")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            # A class per request: the form creates the token as this administrator.
            return type("ApiTokenCreateForm", (ApiTokenCreateForm,), {"user": request.user})
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["name", "unit", "role"] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        # Saved by the form's service call; the key is shown now and never again.
        messages.warning(
            request,
            _("The key of %(name)s, shown only now: %(key)s")
            % {"name": form.instance.name, "key": form.key},
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, revoked_by=request.user)
        self.message_user(request, _("%(n)s tokens revoked.") % {"n": queryset.count()})


@admin.register(PortalApplication)
class PortalApplicationAdmin(MaskedIdentifiersAdmin, ReadOnlyAdmin):
    masked_json_fields = ("payload",)  # the applicant's and the recipient's numbers
    list_display = ["dossier_id", "received_on", "change", "sent_by", "received_at"]
    search_fields = ["dossier_id", "change__beneficiary__full_name"]
    list_select_related = ["change", "change__beneficiary", "sent_by"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(MaskedIdentifiersAdmin, ViewOnlyAdmin):
    """What the portal was told, and what it has not acknowledged yet (delivered at empty)."""

    masked_json_fields = ("payload",)
    list_display = ["application", "event", "attempts", "last_error", "delivered_at"]
    list_filter = ["event", ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["application__dossier_id"]
