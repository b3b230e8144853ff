from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province: generated register, users and months of payment history.

    The top layer: it uses every other app and no app imports it."""

    name = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        from demo.progress import history_notice
        from org.notices import background_notice_register

        # While the worker builds the history, the dashboards and payment lists say so.
        background_notice_register(history_notice)
