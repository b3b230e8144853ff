from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # The provider layer's callback inbox hands verified results up to payments.
        from payments.dispatch import callback_results_apply
        from providers.services import callback_handler_register

        callback_handler_register(callback_results_apply)

        # The register refuses an initial load once a commune's list is closed: lists are ours.
        from beneficiaries.services.registration import closed_lists_checker_register
        from payments.selectors import communes_with_closed_lists

        closed_lists_checker_register(communes_with_closed_lists)

        # The policy tables and provider contracts ask which months are closed for money.
        from core.months import last_closed_month_register
        from payments.months import last_closed_month

        last_closed_month_register(last_closed_month)

        # The person's page in the register shows their payment history: our panel.
        from beneficiaries.person_summary import person_panel_register
        from payments.person_history import payment_history_panel

        person_panel_register("payment_history", payment_history_panel)

        # A change entered for a month whose list is closed moves to the next open month.
        from beneficiaries.services.closed_months import closed_month_finder_register
        from payments.selectors import last_closed_month_of_commune

        closed_month_finder_register(last_closed_month_of_commune)

        # The 2025 reform removes the abolished units' draft lists of its month on.
        from beneficiaries.reform import abolished_drafts_handler_register
        from payments.reform import abolished_drafts

        abolished_drafts_handler_register(abolished_drafts)

        # The overview's shortcuts to today's work: the list due, failed payments, people to call.
        from beneficiaries.shortcuts import shortcuts_register
        from payments.shortcuts import payment_shortcuts

        shortcuts_register(payment_shortcuts)

        # The official xlsx of a large list is written by a worker (org.exports).
        from payments.export_jobs import register as export_kinds_register

        export_kinds_register()
