from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from api import schema  # noqa: F401  (the token scheme in the OpenAPI schema)
        from api.portal import on_change_decided
        from beneficiaries.signals import change_decided

        change_decided.connect(on_change_decided, dispatch_uid="api.portal.on_change_decided")
