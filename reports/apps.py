from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from org.signals import personal_data_exported
        from reports.services import export_log_receiver

        personal_data_exported.connect(export_log_receiver, dispatch_uid="reports.export_log")

        # payments (a lower layer) says when a period's figures changed; reports refreshes them.
        from payments.signals import period_figures_changed
        from reports.tasks import period_figures_changed_receiver

        period_figures_changed.connect(
            period_figures_changed_receiver, dispatch_uid="reports.refresh_coverage"
        )
