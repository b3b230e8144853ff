"""API tokens for other systems (the one-stop portal, the province's reporting tools).

A token acts as a system account: a user with the token's role and unit, so that every
endpoint scopes what it answers exactly as the pages do. Only a hash of the key is stored; the
key is shown once, when an administrator creates the token, and a revoked token stops working at
once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApiToken(models.Model):
    name = models.CharField(
        _("name"), max_length=120, help_text=_("Which system uses it, e.g. the one-stop portal.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        verbose_name=_("system account"),
    )
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class PortalApplication(models.Model):
    """An application (hồ sơ) the one-stop portal sent: it became a submitted registration in
    the commune's queue. The dossier id makes sending it again harmless."""

    dossier_id = models.CharField(_("dossier id"), max_length=64, unique=True)
    change = models.OneToOneField(
        "beneficiaries.ChangeRecord",
        on_delete=models.PROTECT,
        related_name="portal_application",
        verbose_name=_("change record"),
    )
    received_on = models.DateField(_("received on"))
    documents = models.JSONField(_("documents"), default=list, blank=True)
    payload = models.JSONField(_("application as sent"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal application")
        verbose_name_plural = _("portal applications")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.dossier_id


class WebhookDelivery(models.Model):
    """One notification to the portal (a decision on an application), signed, retried with
    backoff until the portal answers 2xx; every attempt is counted and the last error kept."""

    application = models.ForeignKey(
        PortalApplication, on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.event}"
