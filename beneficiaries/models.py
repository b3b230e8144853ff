"""Beneficiaries, their categories, authorized recipients and change records (the policy
tables are in `policy_models`).

Months are stored as the first day of the month. Money is integer VND. Coefficients are exact
decimals (1.5, 2.5), never floats.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.import_job_models import ImportJob, ImportJobStatus  # noqa: F401

# The policy tables live in their own module; importing them here registers them with the app
# (same label, tables and migrations) and keeps `beneficiaries.models.Category` working.
from beneficiaries.policy_models import (  # noqa: F401
    Category,
    CategoryCoefficient,
    CategoryKind,
    DisabilityLevel,
    StandardLevel,
)
from org.models import AdministrativeUnit
from org.text import NAME_COLLATION_KEY_LENGTH, name_collation_key, search_key


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class BeneficiaryStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Receiving")
    SUSPENDED = "suspended", _("Suspended")
    STOPPED = "stopped", _("Stopped")
    REJECTED = "rejected", _("Registration rejected")


# --- The register -------------------------------------------------------------------------------


class Beneficiary(models.Model):
    external_id = models.CharField(
        _("external id"), max_length=64, blank=True, help_text=_("Id in the system it came from.")
    )
    full_name = models.CharField(_("full name"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    # The name in Vietnamese alphabetical order, given name first (org.text.name_collation_key):
    # the register and the lists sort on it in the database.
    name_sort_key = models.CharField(
        max_length=NAME_COLLATION_KEY_LENGTH, editable=False, default="", db_default=""
    )
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, default="Kinh")
    id_number = models.CharField(
        _("personal ID number"), max_length=12, blank=True, help_text=_("12 digits (CCCD).")
    )
    legacy_id_number = models.CharField(
        _("old ID number (CMND)"), max_length=9, blank=True, db_index=True
    )
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="beneficiaries",
        verbose_name=_("commune"),
        limit_choices_to={"level": "commune"},
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BeneficiaryStatus.choices,
        default=BeneficiaryStatus.PENDING,
        db_index=True,
    )
    disability_level = models.CharField(
        _("disability level"), max_length=20, choices=DisabilityLevel.choices, blank=True
    )
    dependent_children = models.PositiveSmallIntegerField(
        _("children being raised"), null=True, blank=True
    )
    start_month = models.DateField(_("paid from (month)"), null=True, blank=True)
    end_month = models.DateField(_("paid until (month, inclusive)"), null=True, blank=True)
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["commune_id", "search_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="beneficiary_id_number_unique",
                violation_error_message=_("Another beneficiary already has this ID number."),
            ),
            models.CheckConstraint(
                condition=models.Q(dependent_children__isnull=True)
                | models.Q(dependent_children__gte=0),
                name="beneficiary_children_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "status"], name="beneficiary_commune_status"),
            models.Index(fields=["name_sort_key", "id"], name="beneficiary_name_order"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.full_name)
        self.name_sort_key = name_collation_key(self.full_name)
        if kwargs.get("update_fields") is not None and "full_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name", "name_sort_key"}
        super().save(*args, **kwargs)


class BeneficiaryCategory(models.Model):
    """A category a beneficiary holds, by decision, from a start month."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="categories"
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="holders",
        verbose_name=_("category"),
        limit_choices_to={"kind": CategoryKind.ALLOWANCE},
    )
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    start_month = models.DateField(_("from month"))
    end_month = models.DateField(_("until month (inclusive)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("beneficiary category")
        verbose_name_plural = _("beneficiary categories")
        ordering = ["beneficiary_id", "category__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "category"],
                condition=models.Q(active=True),
                name="beneficiary_category_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} – {self.category.code}"


class RecipientKind(models.TextChoices):
    AUTHORIZED = "authorized", _("Authorized recipient")
    GUARDIAN = "guardian", _("Guardian")


class AuthorizedRecipient(models.Model):
    """The person who receives the money for a beneficiary (người được ủy quyền, người giám hộ)."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="recipients"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RecipientKind.choices)
    full_name = models.CharField(_("full name"), max_length=120)
    id_number = models.CharField(_("personal ID number"), max_length=12)
    relationship = models.CharField(_("relationship"), max_length=60)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("authorized recipient or guardian")
        verbose_name_plural = _("authorized recipients and guardians")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=models.Q(active=True),
                name="one_active_recipient_per_beneficiary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_kind_display()})"


# --- Changes (biến động) ------------------------------------------------------------------------


class ChangeKind(models.TextChoices):
    REGISTER = "register", _("New beneficiary (increase)")
    STOP = "stop", _("Stop")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    CHANGE_CATEGORY = "change_category", _("Change of category")
    CHANGE_DISABILITY = "change_disability", _("Change of disability level")
    MOVE = "move", _("Move to another commune")
    SET_RECIPIENT = "set_recipient", _("Set or replace recipient / guardian")
    REMOVE_RECIPIENT = "remove_recipient", _("Remove recipient / guardian")
    SET_ACCOUNT = "set_account", _("Add or replace account")
    CLOSE_ACCOUNT = "close_account", _("Close account")
    SET_CARE = "set_care", _("Set a care arrangement (care support)")
    END_CARE = "end_care", _("End a care arrangement")


class ChangeReason(models.TextChoices):
    NEW_DECISION = "new_decision", _("New decision")
    DEATH = "death", _("Death")
    MOVED_AWAY = "moved_away", _("Moved away")
    NOT_ELIGIBLE = "not_eligible", _("No longer eligible")
    REFUSED = "refused", _("Refused the allowance")
    IMPRISONED = "imprisoned", _("Imprisoned or detained")
    NOT_COLLECTED = "not_collected", _("Not collected for 3 months")
    AGE = "age", _("Age reached")
    CORRECTION = "correction", _("Correction")
    OTHER = "other", _("Other")


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the system")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeSource(models.TextChoices):
    OFFICER = "officer", _("Commune officer")
    SYSTEM = "system", _("System proposal")
    IMPORT = "import", _("Import")
    PORTAL = "portal", _("Public-service portal")
    POPULATION_DB = "population_db", _("Population database check")


class MonthMoved(models.TextChoices):
    """Why a change takes effect later than the month it was entered for."""

    LIST_CLOSED = "list_closed", _("The list of that month was already closed")
    BEFORE_START = "before_start", _("The allowance started later")


def decision_upload_to(instance: ChangeRecord, filename: str) -> str:
    """A generated name: what the uploader called the file never reaches the disk or a URL
    (the extension is checked against the content before saving: checks.check_decision_file)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"decisions/{instance.commune_id}/{uuid.uuid4().hex}.{extension}"


class ChangeRecord(models.Model):
    """One monthly change (biến động) to a beneficiary, under maker-checker.

    The proposed values live in typed nullable fields; which ones matter depends on `kind`.
    """

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("beneficiary"),
    )
    commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="change_records",
        verbose_name=_("commune"),
        help_text=_("The commune whose queue holds the change."),
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=ChangeKind.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=ChangeReason.choices)
    reason_detail = models.TextField(_("details"), blank=True)
    effective_month = models.DateField(_("effective from (month)"))
    # When the service moved the effective month: the month asked for and why (the change's
    # page and the confirmation say so).
    requested_month = models.DateField(_("month asked for"), null=True, blank=True)
    month_moved = models.CharField(
        _("why the month was moved"), max_length=16, choices=MonthMoved.choices, blank=True
    )
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_file = models.FileField(
        _("scanned decision"), upload_to=decision_upload_to, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeStatus.choices,
        default=ChangeStatus.DRAFT,
        db_index=True,
    )
    source = models.CharField(
        _("source"), max_length=16, choices=ChangeSource.choices, default=ChangeSource.OFFICER
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=64,
        blank=True,
        help_text=_("The portal's dossier id or the check that proposed it."),
    )
    # Proposed values, by kind.
    old_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category that ends"),
    )
    new_category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new category"),
    )
    new_disability_level = models.CharField(
        _("new disability level"), max_length=20, choices=DisabilityLevel.choices, blank=True
    )
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    funeral_payee_name = models.CharField(_("funeral support paid to"), max_length=120, blank=True)
    funeral_payee_id_number = models.CharField(
        _("ID number of the funeral support payee"), max_length=12, blank=True
    )
    funeral_payee_relationship = models.CharField(
        _("relationship to the deceased"), max_length=60, blank=True
    )
    new_commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new commune"),
    )
    recipient = models.ForeignKey(
        AuthorizedRecipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("recipient / guardian"),
    )
    account = models.ForeignKey(
        "accounts.PaymentAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("account"),
    )
    care_arrangement = models.ForeignKey(
        "beneficiaries.CareArrangement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("care arrangement"),
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_made",
        verbose_name=_("entered by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes_checked",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    deferred_until = models.DateField(
        _("decision deferred to the list of"),
        null=True,
        blank=True,
        help_text=_(
            "The district deferred its decision: it no longer holds up closing earlier lists."
        ),
    )
    applied_at = models.DateTimeField(
        _("applied at"),
        null=True,
        blank=True,
        help_text=_("When the approved change took effect on the beneficiary."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_month__day=1), name="change_effective_first_of_month"
            ),
            models.CheckConstraint(
                condition=models.Q(checker__isnull=True) | ~models.Q(checker=models.F("maker")),
                name="change_checker_is_not_maker",
                violation_error_message=_("Nobody may approve their own change."),
            ),
            models.UniqueConstraint(
                fields=["source", "source_reference"],
                condition=~models.Q(source_reference=""),
                name="change_source_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["commune", "status"], name="change_commune_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.beneficiary}"

    @property
    def month_moved_text(self) -> str:
        """ "Takes effect from 12/2026 instead of 11/2026: the list of 11/2026 is already
        closed." (empty when the month was not moved)."""
        if not self.requested_month or not self.month_moved:
            return ""
        params = {
            "asked": f"{self.requested_month:%m/%Y}",
            "month": f"{self.effective_month:%m/%Y}",
            "start": f"{self.effective_month:%m/%Y}",
        }
        if self.month_moved == MonthMoved.LIST_CLOSED:
            return (
                _(
                    "The effective month moved from %(asked)s to %(month)s because the list of "
                    "%(asked)s is already closed."
                )
                % params
            )
        return (
            _(
                "The effective month moved from %(asked)s to %(month)s because the allowance "
                "started in %(start)s."
            )
            % params
        )


class FuneralSupportStatus(models.TextChoices):
    DUE = "due", _("To be paid")
    LISTED = "listed", _("On a payment list")
    PAID = "paid", _("Paid")


class FuneralSupport(models.Model):
    """Funeral support (Art. 11): 20 × the standard level, once, paid to the family in the next
    list after an approved stop for death."""

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.PROTECT, related_name="funeral_support"
    )
    change = models.OneToOneField(
        ChangeRecord, on_delete=models.PROTECT, related_name="funeral_support"
    )
    amount = models.PositiveIntegerField(_("amount (VND)"))
    month_due = models.DateField(_("to be paid from (month)"))
    payee_name = models.CharField(_("paid to"), max_length=120)
    payee_id_number = models.CharField(_("payee ID number"), max_length=12, blank=True)
    payee_relationship = models.CharField(
        _("relationship to the deceased"), max_length=60, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=FuneralSupportStatus.choices,
        default=FuneralSupportStatus.DUE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funeral support")
        verbose_name_plural = _("funeral support")

    def __str__(self) -> str:
        return f"{self.beneficiary} – {self.amount}"


class PopulationResult(models.TextChoices):
    MATCH = "match", _("Matches the population database")
    MISMATCH = "mismatch", _("Differs from the population database")
    DECEASED = "deceased", _("Deceased according to the population database")
    NOT_FOUND = "not_found", _("Not found in the population database")


class PopulationCheck(models.Model):
    """What the national population database said of a beneficiary. A new row when the answer
    changes (the previous one stays, no longer latest); the same answer again only moves
    `checked_at` forward."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="population_checks"
    )
    result = models.CharField(_("result"), max_length=10, choices=PopulationResult.choices)
    fields = models.CharField(
        _("fields that differ"), max_length=60, blank=True, help_text="full_name;sex;…"
    )
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    first_checked_at = models.DateTimeField(_("first seen at"), auto_now_add=True)
    checked_at = models.DateTimeField(_("checked at"))
    latest = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("population database check")
        verbose_name_plural = _("population database checks")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=models.Q(latest=True),
                name="population_check_one_latest",
            )
        ]
        indexes = [models.Index(fields=["latest", "result"], name="population_check_latest")]

    def __str__(self) -> str:
        return f"{self.beneficiary} {self.result}"

    @property
    def field_list(self) -> list[str]:
        return [f for f in self.fields.split(";") if f]

    @property
    def fields_display(self) -> str:
        """The fields that differ, in the user's language."""
        labels = {
            "full_name": _("full name"),
            "date_of_birth": _("date of birth"),
            "sex": _("sex"),
        }
        return ", ".join(str(labels.get(f, f)) for f in self.field_list)


from beneficiaries.care_models import (  # noqa: E402, F401
    PAYABLE_CARE_STATUSES,
    CareArrangement,
    CareCode,
    CareStatus,
    CareVariant,
)
from beneficiaries.reform_models import ReformRun, ReformStatus, ReformWorklistItem  # noqa: E402, F401
