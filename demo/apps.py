from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province: generated register, users and months of payment history.

    The top layer: it uses every other app and no app imports it."""

    name = "demo"
    verbose_name = _("Demo data")
