"""Precomputed coverage figures (dashboards read these, never the register) and export logs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.downloads import ExportWhat
from org.models import AdministrativeUnit


class CoverageRefreshRequest(models.Model):
    """A refresh of one month and closing unit that is queued and has not started yet: while
    one waits, the changes that would ask for the same refresh ask for nothing more."""

    month = models.DateField(_("month"))
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="one_pending_refresh")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%m/%Y}"


class CoverageSnapshot(models.Model):
    """Coverage of one commune in one month, optionally broken down by provider and category.

    `provider_code` and `category_code` are "" for the commune's overall row.
    """

    month = models.DateField(_("month"))
    commune = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    provider_code = models.CharField(_("provider"), max_length=16, blank=True, default="")
    category_code = models.CharField(_("category"), max_length=24, blank=True, default="")
    active_count = models.PositiveIntegerField(_("active beneficiaries"), default=0)
    with_account_count = models.PositiveIntegerField(_("with an account"), default=0)
    via_recipient_count = models.PositiveIntegerField(_("through a recipient"), default=0)
    paid_account_count = models.PositiveIntegerField(_("paid through an account"), default=0)
    paid_cash_count = models.PositiveIntegerField(_("paid in cash"), default=0)
    unpaid_count = models.PositiveIntegerField(_("not paid"), default=0)
    amount_due = models.PositiveBigIntegerField(_("amount due (VND)"), default=0)
    amount_paid = models.PositiveBigIntegerField(_("amount paid (VND)"), default=0)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "commune", "provider_code", "category_code"],
                name="coverage_unique_cell",
            ),
        ]
        indexes = [models.Index(fields=["month", "commune"], name="coverage_month_commune")]

    def __str__(self) -> str:
        return f"{self.commune} {self.month:%m/%Y}"


class ExportLog(models.Model):
    """Every export of personal data: who, what, when. A management command's export has no
    user: its parameters name the command and the operating-system account that ran it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    # A code of ExportWhat; the admin and the pages show its label.
    what = models.CharField(_("what"), max_length=120, choices=ExportWhat.choices)
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    parameters = models.CharField(_("parameters"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        at = timezone.localtime(self.created_at)
        return f"{self.user or '—'} {self.get_what_display()} {at:%d/%m/%Y %H:%M}"
