from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Beneficiaries")

    def ready(self) -> None:
        # A large register's xlsx is written by a worker (org.exports).
        from beneficiaries.export_jobs import register as export_kinds_register

        export_kinds_register()
