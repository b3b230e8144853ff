"""The policy tables: categories, their coefficients and the standard level.

Rows a new decree adds to (a later `valid_from`), read by `policy_tables` into the pure rules of
`policy`. Part of the beneficiaries app (imported by `beneficiaries.models`): same app label,
tables and migrations as when they lived in models.py.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import AdministrativeUnit


class DisabilityLevel(models.TextChoices):
    SEVERE = "severe", _("Severe")
    EXTREMELY_SEVERE = "extremely_severe", _("Extremely severe")


class CategoryKind(models.TextChoices):
    ALLOWANCE = "allowance", _("Monthly allowance (Art. 5)")
    CARE_SUPPORT = "care_support", _("Care support (Art. 20)")
    FUNERAL = "funeral", _("Funeral support (Art. 11)")


class Category(models.Model):
    """A policy category: K1…K8 allowances, care-support kinds, funeral support."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    name = models.CharField(_("name"), max_length=255)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    requires_disability_level = models.BooleanField(_("requires disability level"), default=False)
    requires_dependent_children = models.BooleanField(
        _("requires number of children"), default=False
    )
    # K4 is paid in addition to K5*, K6 or K8 instead of competing for the single highest amount.
    additive = models.BooleanField(
        _("paid in addition"),
        default=False,
        help_text=_("Paid on top of the highest other allowance (K4 with K5*, K6 or K8)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy category")
        verbose_name_plural = _("policy categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class CategoryCoefficient(models.Model):
    """One band of a category's coefficient (Decree 20 Art. 6, 20; Decree 76).

    A band applies when every condition set on it holds: age in [min_age, max_age), the
    disability level, the beneficiary group (child/elderly). The highest matching band wins.
    A new decree adds rows with a later `valid_from`.
    """

    class AgeGroup(models.TextChoices):
        ANY = "", _("Any age")
        CHILD = "child", _("Child (under 16)")
        ELDERLY = "elderly", _("Elderly (60 and over)")

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="coefficients", verbose_name=_("category")
    )
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(
        _("under age"), null=True, blank=True, help_text=_("Exclusive upper bound.")
    )
    age_group = models.CharField(
        _("age group"), max_length=8, choices=AgeGroup.choices, blank=True, default=""
    )
    disability_level = models.CharField(
        _("disability level"), max_length=20, choices=DisabilityLevel.choices, blank=True
    )
    per_child = models.BooleanField(_("per dependent child"), default=False)
    variant = models.CharField(
        _("variant"),
        max_length=32,
        blank=True,
        help_text=_("A condition that is neither age nor disability, e.g. two or more children."),
    )
    coefficient = models.DecimalField(_("coefficient"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from (month)"))
    valid_to = models.DateField(_("valid until (month, exclusive)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category coefficient")
        verbose_name_plural = _("category coefficients")
        ordering = ["category__sort_order", "valid_from", "min_age"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(coefficient__gt=0), name="coefficient_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} × {self.coefficient}"


class StandardLevel(models.Model):
    """The standard social-assistance level (mức chuẩn) from a month, national or provincial."""

    province = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="standard_levels",
        verbose_name=_("province"),
        help_text=_("Empty for the national level."),
        limit_choices_to={"level": "province"},
    )
    effective_month = models.DateField(_("effective from (month)"))
    amount = models.PositiveIntegerField(_("amount (VND)"))
    legal_basis = models.CharField(_("legal basis"), max_length=255)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard level")
        verbose_name_plural = _("standard levels")
        ordering = ["province_id", "effective_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "effective_month"],
                condition=models.Q(province__isnull=False),
                name="standard_level_unique_per_province_month",
            ),
            models.UniqueConstraint(
                fields=["effective_month"],
                condition=models.Q(province__isnull=True),
                name="standard_level_unique_national_month",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_month__day=1), name="standard_level_first_of_month"
            ),
        ]

    def __str__(self) -> str:
        scope = self.province.name if self.province_id else _("National")
        return f"{scope} {self.effective_month:%m/%Y}: {self.amount}"
