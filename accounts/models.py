"""Payment accounts: where a payee's money goes (bank account, e-wallet, mobile money)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.privacy import mask_account


class AccountHolder(models.TextChoices):
    BENEFICIARY = "beneficiary", _("Beneficiary")
    RECIPIENT = "recipient", _("Recipient / guardian")


class AccountStatus(models.TextChoices):
    PENDING = "pending", _("Being verified")
    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked")
    CLOSED = "closed", _("Closed")


class PaymentAccount(models.Model):
    """The payee's financial address for one beneficiary's allowance.

    The holder is the beneficiary or their authorized recipient / guardian; a beneficiary has at
    most one active account at a time.
    """

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("beneficiary"),
    )
    holder = models.CharField(_("account holder"), max_length=12, choices=AccountHolder.choices)
    recipient = models.ForeignKey(
        "beneficiaries.AuthorizedRecipient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("recipient / guardian"),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("provider"),
    )
    account_number = models.CharField(
        _("account or wallet number"),
        max_length=32,
        help_text=_("Bank account number, or the mobile number of the wallet."),
    )
    account_name = models.CharField(_("name on the account"), max_length=120)
    status = models.CharField(
        _("status"), max_length=8, choices=AccountStatus.choices, default=AccountStatus.PENDING
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=models.Q(status="active"),
                name="one_active_account_per_beneficiary",
            ),
            models.CheckConstraint(
                condition=models.Q(holder="beneficiary", recipient__isnull=True)
                | models.Q(holder="recipient", recipient__isnull=False),
                name="account_holder_matches_recipient",
            ),
        ]
        indexes = [models.Index(fields=["provider", "account_number"], name="account_lookup")]

    def __str__(self) -> str:
        return f"{self.provider} {mask_account(self.account_number)}"
