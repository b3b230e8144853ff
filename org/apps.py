from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Administrative units and staff")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from org.lockout import on_logged_in, on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="org.lockout.failed")
        user_logged_in.connect(on_logged_in, dispatch_uid="org.lockout.logged_in")
