"""Payment providers, the province's contracts with them, and the raw callback inbox."""

import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.errors import FieldErrors
from core.months import add_months, closed_month_conflict, month_label
from core.reference_text import translated
from org.models import AdministrativeUnit
from org.review import ReviewedRow
from providers.errors import ProviderErrorCode

# A service fee above this share of the amount paid is a typing error, not a contract.
CONTRACT_FEE_MAX_PERCENT = Decimal("10")


class ProviderCode(models.TextChoices):
    VIETTELPAY = "VIETTELPAY", "Viettel Pay"
    VIETINBANK = "VIETINBANK", "VietinBank"
    VNPOST = "VNPOST", "VNPost"


class ProviderChannel(models.TextChoices):
    WALLET = "wallet", _("E-wallet / mobile money")
    BANK = "bank", _("Bank account")
    CASH = "cash", _("Cash through the post office")


class Provider(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True, choices=ProviderCode.choices)
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=8, choices=ProviderChannel.choices)
    bank_bin = models.CharField(_("bank BIN"), max_length=8, blank=True)
    adapter = models.CharField(
        _("adapter"),
        max_length=200,
        blank=True,
        help_text=_("Dotted path of the adapter class that talks to this provider."),
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment provider")
        verbose_name_plural = _("payment providers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the interface's language (the stored name in Vietnamese)."""
        return translated(self.name)

    @property
    def takes_accounts(self) -> bool:
        return self.channel != ProviderChannel.CASH


class ProviderContract(ReviewedRow):
    """A province's contract with a provider: the service fee on the amount paid.

    Under maker-checker (`org.review`): entered or changed in the admin it is proposed, and
    reconciliation (`contract_for`) uses it only once another person approved it. The province
    officer of the province may propose and approve its contracts, as the administrator may.
    """

    province = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="provider_contracts",
        verbose_name=_("province"),
        limit_choices_to={"level": "province"},
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("provider")
    )
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    fee_percent = models.DecimalField(
        # xgettext:no-python-format
        _("service fee (% of amount paid)"),
        max_digits=5,
        decimal_places=3,
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("provider contract")
        verbose_name_plural = _("provider contracts")
        ordering = ["province_id", "provider_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_percent__gte=0) & models.Q(fee_percent__lte=100),
                name="contract_fee_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province} – {self.provider} ({self.fee_percent}%)"

    MONEY_FIELDS = ("province_id", "provider_id", "fee_percent", "valid_from", "valid_to")

    def review_province(self) -> AdministrativeUnit | None:
        return self.province

    def review_months(self) -> list[datetime.date | None]:
        return [self.valid_from.replace(day=1) if self.valid_from else None]

    def clean(self) -> None:
        """A fee from 0 to CONTRACT_FEE_MAX_PERCENT %, an end after the start, no other contract
        of the province with the provider on the same days, and no change that would take effect
        in a month whose list is closed in the province (the fees of its reconciliation)."""
        errors = FieldErrors()
        if self.fee_percent is not None and not (
            Decimal(0) <= self.fee_percent <= CONTRACT_FEE_MAX_PERCENT
        ):
            errors.add(
                "fee_percent",
                ProviderErrorCode.CONTRACT_FEE_OUT_OF_RANGE,
                gettext("The service fee must be from 0 to %(max)s %% of the amount paid.")
                % {"max": CONTRACT_FEE_MAX_PERCENT},
            )
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors.add(
                "valid_to",
                ProviderErrorCode.CONTRACT_VALIDITY_INVALID,
                gettext("The end must come after the start."),
            )
        elif self.province_id and self.provider_id and self.valid_from:
            other = (
                ProviderContract.objects.filter(
                    province_id=self.province_id, provider_id=self.provider_id
                )
                .exclude(pk=self.pk)
                .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from))
            )
            if self.valid_to is not None:
                other = other.filter(valid_from__lte=self.valid_to)
            other = other.order_by("valid_from").first()
            if other is not None:
                errors.add(
                    "valid_from",
                    ProviderErrorCode.CONTRACTS_OVERLAP,
                    gettext(
                        "The province already has a contract with this provider on these days "
                        "(%(number)s, from %(start)s)."
                    )
                    % {
                        "number": other.contract_number or other.pk,
                        "start": other.valid_from.strftime("%d/%m/%Y"),
                    },
                )
        original = (
            ProviderContract.objects.filter(pk=self.pk).first() if self.pk is not None else None
        )
        if self.province_id and (
            original is None
            or any(getattr(original, f) != getattr(self, f) for f in self.MONEY_FIELDS)
        ):
            days = [self.valid_from, self.valid_to]
            if original is not None:
                days += [original.valid_from, original.valid_to]
            months = [day.replace(day=1) for day in days if day is not None]
            last = closed_month_conflict(months, province_code=self.province.province_code)
            if last is not None:
                errors.add(
                    "valid_from",
                    ProviderErrorCode.CONTRACT_MONTH_CLOSED,
                    gettext(
                        "Lists up to %(closed)s are already closed in this province: the change "
                        "can take effect from %(next)s at the earliest."
                    )
                    % {"closed": month_label(last), "next": month_label(add_months(last, 1))},
                )
        errors.raise_if_any(ProviderErrorCode.CONTRACT_INVALID)


class CallbackEvent(models.Model):
    """A provider callback exactly as received, stored before it is trusted or processed.

    An inbox that remembers its failures (dj-stripe's WebhookEventTrigger): a verified event
    whose processing raised keeps the exception and its traceback, and is processed again later
    (``providers.tasks.retry_callback_events``) until it succeeds or runs out of attempts."""

    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="callbacks", verbose_name=_("provider")
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    headers = models.JSONField(_("headers"), default=dict)
    # The body as received when it is signed with our secret; otherwise (or signed but
    # unreadable) only its first bytes, with the hash and length of the whole.
    body = models.TextField(_("raw body"))
    body_sha256 = models.CharField(_("SHA-256 of the whole body"), max_length=64, blank=True)
    body_bytes = models.PositiveIntegerField(_("length of the whole body (bytes)"), default=0)
    signature_valid = models.BooleanField(_("signature valid"), null=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    attempts = models.PositiveIntegerField(_("processing attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # Results that did not match what we sent: kept as ResultDiscrepancy rows, never applied.
    discrepancy_count = models.PositiveIntegerField(_("results not matching"), default=0)
    discrepancy_reason = models.TextField(_("why results were not applied"), blank=True)

    class Meta:
        verbose_name = _("provider callback")
        verbose_name_plural = _("provider callbacks")
        ordering = ["-received_at"]
        # The inbox counts a provider's refused callbacks of the last minute (its limit).
        indexes = [
            models.Index(fields=["provider", "received_at"], name="callback_provider_received")
        ]

    def __str__(self) -> str:
        return f"{self.provider.code} {timezone.localtime(self.received_at):%d/%m/%Y %H:%M:%S}"

    @property
    def body_cut(self) -> bool:
        """Only the first bytes of the body are kept (see `body_bytes`, `body_sha256`)."""
        return len(self.body.encode()) < self.body_bytes

    @property
    def failed(self) -> bool:
        """Verified, not processed, and its last attempt raised."""
        return bool(self.signature_valid and self.processed_at is None and self.error)

    @property
    def flagged(self) -> bool:
        """Processed, but some of its results did not match what we sent (not applied)."""
        return self.discrepancy_count > 0


class ResultDiscrepancy(models.Model):
    """A provider's result that does not match what we sent, kept and never applied: a
    callback or a poll answer about a batch the provider never acknowledged, about a reference
    that is not in that provider's batch, or with an amount other than ours. For the
    reconciliation and for a person to look at; the line keeps its status."""

    class Kind(models.TextChoices):
        NOT_ACKNOWLEDGED = "not_acknowledged", _("Batch never acknowledged by the provider")
        UNKNOWN_REFERENCE = "unknown_reference", _("Reference not sent to this provider")
        OTHER_BATCH = "other_batch", _("Reference not in this batch")
        AMOUNT = "amount", _("Amount differs from ours")
        NO_AMOUNT = "no_amount", _("Paid without saying how much")

    class Source(models.TextChoices):
        CALLBACK = "callback", _("Callback")
        POLL = "poll", _("Status query")

    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    event = models.ForeignKey(
        CallbackEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="discrepancies",
        verbose_name=_("callback"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    kind = models.CharField(_("discrepancy"), max_length=20, choices=Kind.choices)
    batch_reference = models.CharField(_("batch reference"), max_length=64, blank=True)
    reference = models.CharField(_("payment reference"), max_length=64)
    provider_status = models.CharField(_("provider's result"), max_length=10, blank=True)
    our_amount = models.PositiveBigIntegerField(_("our amount"), null=True, blank=True)
    provider_amount = models.PositiveBigIntegerField(_("provider's amount"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), auto_now=True)
    times_seen = models.PositiveIntegerField(_("times seen"), default=1)

    class Meta:
        verbose_name = _("provider result not matching")
        verbose_name_plural = _("provider results not matching")
        ordering = ["-detected_at", "reference"]
        indexes = [models.Index(fields=["batch_reference"], name="discrepancy_batch_ref")]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.reference} {self.kind}"
