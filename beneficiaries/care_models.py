"""Care arrangements (Decree 20/2021 Art. 20): who cares for whom, paid to the carer every month.

An arrangement ties the person cared for (a beneficiary) to a carer (a person with a name, an ID
number and a relationship; a beneficiary or not) under one care-support code (`CS_*`). It is set
and ended by change records (`ChangeKind.SET_CARE`, `END_CARE`) under maker-checker: a proposed
arrangement stays `pending` until the checker approves the change, and only an `active` or
`ended` arrangement is ever paid, for the months from `start_month` to `end_month` (inclusive).

For `CS_DISABLED_PARENT` the person cared for is the disabled parent and the support is theirs:
the carer fields are empty and the line is paid as their allowance is (their recipient or
account).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CareCode(models.TextChoices):
    """The care-support codes of the policy tables (`Category.kind == care_support`)."""

    FOSTER_K1 = "CS_FOSTER_K1", _("Fostering an orphaned child (K1)")
    FOSTER_K5D = "CS_FOSTER_K5D", _("Fostering an elderly person (K5D)")
    HOUSEHOLD_DISABLED = (
        "CS_HOUSEHOLD_DISABLED",
        _("Household caring for its member with an extremely severe disability"),
    )
    FOSTER_DISABLED = (
        "CS_FOSTER_DISABLED",
        _("Fostering a person with an extremely severe disability"),
    )
    DISABLED_PARENT = (
        "CS_DISABLED_PARENT",
        _("Person with a disability pregnant or raising a child under 36 months"),
    )


class CareVariant(models.TextChoices):
    """The band variant of `CS_DISABLED_PARENT` (policy tables' `variant`)."""

    PLAIN = "", _("Pregnant, or raising one child under 36 months")
    BOTH_OR_TWO = (
        "both_or_two_children",
        _("Pregnant and raising a child under 36 months, or raising two or more"),
    )


class CareStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")
    REJECTED = "rejected", _("Rejected")


# Paid for its months once approved (an ended arrangement still pays its months before the end).
PAYABLE_CARE_STATUSES = (CareStatus.ACTIVE, CareStatus.ENDED)


class CareArrangement(models.Model):
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.PROTECT,
        related_name="care_arrangements",
        verbose_name=_("person cared for"),
    )
    code = models.CharField(_("care-support code"), max_length=24, choices=CareCode.choices)
    variant = models.CharField(
        _("variant"), max_length=24, choices=CareVariant.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CareStatus.choices, default=CareStatus.PENDING
    )
    # The carer (empty for CS_DISABLED_PARENT: the parent is paid).
    carer_full_name = models.CharField(_("carer's full name"), max_length=120, blank=True)
    carer_id_number = models.CharField(_("carer's personal ID number"), max_length=12, blank=True)
    carer_date_of_birth = models.DateField(_("carer's date of birth"), null=True, blank=True)
    carer_relationship = models.CharField(
        _("carer's relationship to the person cared for"), max_length=60, blank=True
    )
    carer_phone = models.CharField(_("carer's phone"), max_length=15, blank=True)
    carer_beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cares_for",
        verbose_name=_("carer on the register"),
        help_text=_("Set when the carer is a beneficiary too."),
    )
    # The carer's own account; none: cash through VNPost.
    account_provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carer's account provider"),
    )
    account_number = models.CharField(_("carer's account number"), max_length=32, blank=True)
    start_month = models.DateField(_("paid from (month)"))
    end_month = models.DateField(
        _("paid until (month, inclusive)"),
        null=True,
        blank=True,
        help_text=_("The last month paid; empty while it runs."),
    )
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("care arrangement")
        verbose_name_plural = _("care arrangements")
        ordering = ["-start_month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_month__day=1), name="care_start_first_of_month"
            ),
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True)
                | models.Q(end_month__day=1, end_month__gte=models.F("start_month")),
                name="care_end_after_start",
            ),
            # Decree 20 Art. 20: one household paid to care for a disabled person at a time;
            # no code twice in force for one person.
            models.UniqueConstraint(
                fields=["beneficiary", "code"],
                condition=models.Q(status="active"),
                name="care_one_active_per_code",
            ),
        ]
        indexes = [
            models.Index(fields=["beneficiary", "status"], name="care_beneficiary_status"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.beneficiary_id}"

    @property
    def pays_the_person(self) -> bool:
        """CS_DISABLED_PARENT: the support is the disabled parent's own."""
        return self.code == CareCode.DISABLED_PARENT

    def runs_in(self, month: datetime.date) -> bool:
        return self.start_month <= month and (self.end_month is None or month <= self.end_month)
