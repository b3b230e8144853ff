from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Payment providers")

    def ready(self) -> None:
        from providers import checks  # noqa: F401  (registers the deployment checks)
