"""The policy tables: categories, their coefficients and the standard level.

Rows a new decree adds to (a later `valid_from`), read by `policy_tables` into the pure rules of
`policy`. Part of the beneficiaries app (imported by `beneficiaries.models`): same app label,
tables and migrations as when they lived in models.py.

Every row is checked by its `clean()` (the admin's forms call it; so must any command that
writes them, through `full_clean()`): amounts and coefficients within bounds, no overlapping
bands, months on the first day, and no change that would take effect in a month whose list is
already closed. Every change is kept in history (django-simple-history).

Levels and bands are under maker-checker (`org.review.ReviewedRow`): a row entered or changed
in the admin is proposed and counts (in `load_policy_tables`) only once another person approves
it; rows written by code are approved.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from beneficiaries.errors import BeneficiaryErrorCode as Code
from core.errors import FieldErrors
from core.months import add_months, closed_month_conflict, month_label
from core.reference_text import legal_basis, translated
from org.models import AdministrativeUnit
from org.review import ReviewedRow
from org.text import format_vnd

# The standard level (mức chuẩn): 360.000 ₫ (2021), 500.000 ₫ (2024); a typo of a digit is
# caught, a real decree for decades to come is not.
STANDARD_LEVEL_MIN = 100_000
STANDARD_LEVEL_MAX = 10_000_000
# Coefficients: up to 3,0 for an allowance, 20 for the funeral support (20 × the level).
COEFFICIENT_MAX = Decimal("10")
FUNERAL_COEFFICIENT_MAX = Decimal("50")


def _first_day_errors(errors: FieldErrors, **months: datetime.date | None) -> None:
    for name, month in months.items():
        if month is not None and month.day != 1:
            errors.add(name, Code.MONTH_NOT_FIRST_DAY, gettext("Enter the first day of the month."))


def _closed_month_errors(
    errors: FieldErrors,
    name: str,
    months: list[datetime.date | None],
    *,
    province_code: str | None,
) -> None:
    """A change that would take effect in (or before) a month whose list is closed."""
    last = closed_month_conflict(months, province_code=province_code)
    if last is not None:
        errors.add(
            name,
            Code.REFERENCE_MONTH_CLOSED,
            gettext(
                "Lists up to %(closed)s are already closed: the change can take effect from "
                "%(next)s at the earliest."
            )
            % {"closed": month_label(last), "next": month_label(add_months(last, 1))},
        )


def _original(instance: models.Model):
    """The row as saved (None for a new row): what an edit changes."""
    if instance.pk is None:
        return None
    return type(instance).objects.filter(pk=instance.pk).first()


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
        return f"{self.code} – {self.display_name}"

    @property
    def display_name(self) -> str:
        """The name in the interface's language (the stored Vietnamese in Vietnamese)."""
        return translated(self.name)

    @property
    def display_legal_basis(self) -> str:
        return legal_basis(self.legal_basis)


class CategoryCoefficient(ReviewedRow):
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

    @property
    def display_note(self) -> str:
        return translated(self.note)

    MONEY_FIELDS = (
        "category_id",
        "min_age",
        "max_age",
        "age_group",
        "disability_level",
        "per_child",
        "variant",
        "coefficient",
        "valid_from",
        "valid_to",
    )

    def clean(self) -> None:
        """A positive, bounded coefficient; an age band that is not empty and overlaps no other
        band of the category with the same conditions in the same months; validity from the
        first of a month, ending after it starts; no change in a month whose list is closed."""
        errors = FieldErrors()
        funeral = self.category_id is not None and self.category.kind == CategoryKind.FUNERAL
        highest = FUNERAL_COEFFICIENT_MAX if funeral else COEFFICIENT_MAX
        if self.coefficient is not None and not Decimal(0) < self.coefficient <= highest:
            errors.add(
                "coefficient",
                Code.COEFFICIENT_OUT_OF_RANGE,
                gettext("The coefficient must be greater than 0 and at most %(max)s.")
                % {"max": str(highest).replace(".", ",")},
            )
        if self.min_age is not None and self.max_age is not None and self.max_age <= self.min_age:
            errors.add(
                "max_age",
                Code.AGE_BAND_EMPTY,
                gettext("The upper age must be greater than the lower age."),
            )
        _first_day_errors(errors, valid_from=self.valid_from, valid_to=self.valid_to)
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            errors.add(
                "valid_to", Code.VALIDITY_INVALID, gettext("The end must come after the start.")
            )
        if (
            self.category_id is not None
            and self.valid_from
            and "max_age" not in errors.by_field
            and not getattr(self, "overlap_checked_by_formset", False)
        ):
            overlap = self.overlapping().first()
            if overlap is not None:
                errors.add(
                    "min_age",
                    Code.AGE_BANDS_OVERLAP,
                    gettext("This band overlaps the band %(band)s (ages %(ages)s, from %(month)s).")
                    % {
                        "band": overlap.note or overlap.coefficient,
                        "ages": overlap.ages_label(),
                        "month": month_label(overlap.valid_from),
                    },
                )
        original = _original(self)
        if original is None or any(
            getattr(original, f) != getattr(self, f) for f in self.MONEY_FIELDS
        ):
            months = [self.valid_from, self.valid_to]
            if original is not None:
                months += [original.valid_from, original.valid_to]
            _closed_month_errors(errors, "valid_from", months, province_code=None)
        errors.raise_if_any(Code.REFERENCE_DATA_INVALID)

    def overlaps(self, other: CategoryCoefficient) -> bool:
        """Same category and conditions, and their ages and months meet (the check of
        `overlapping`, between two rows that are not saved yet)."""
        same = all(
            getattr(self, f) == getattr(other, f)
            for f in ("category_id", "age_group", "disability_level", "per_child", "variant")
        )
        if not same or self.valid_from is None or other.valid_from is None:
            return False
        months = (self.valid_to is None or other.valid_from < self.valid_to) and (
            other.valid_to is None or self.valid_from < other.valid_to
        )
        ages = (self.max_age is None or (other.min_age or 0) < self.max_age) and (
            other.max_age is None or (self.min_age or 0) < other.max_age
        )
        return months and ages

    def review_months(self) -> list[datetime.date | None]:
        return [self.valid_from, self.valid_to]

    def ages_label(self) -> str:
        low = "0" if self.min_age is None else str(self.min_age)
        return f"{low}–{'' if self.max_age is None else self.max_age}"

    def overlapping(self) -> models.QuerySet[CategoryCoefficient]:
        """The other bands of the category, with the same conditions, whose ages and months
        meet this band's."""
        others = CategoryCoefficient.objects.filter(
            category_id=self.category_id,
            age_group=self.age_group,
            disability_level=self.disability_level,
            per_child=self.per_child,
            variant=self.variant,
        ).exclude(pk=self.pk)
        if self.valid_to is not None:
            others = others.filter(valid_from__lt=self.valid_to)
        others = others.filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=self.valid_from)
        )
        if self.max_age is not None:
            others = others.filter(
                models.Q(min_age__isnull=True) | models.Q(min_age__lt=self.max_age)
            )
        if self.min_age is not None:
            others = others.filter(
                models.Q(max_age__isnull=True) | models.Q(max_age__gt=self.min_age)
            )
        return others.order_by("valid_from", "min_age")


class StandardLevel(ReviewedRow):
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

    @property
    def display_legal_basis(self) -> str:
        return legal_basis(self.legal_basis)

    def review_province(self) -> AdministrativeUnit | None:
        return self.province if self.province_id else None

    def review_months(self) -> list[datetime.date | None]:
        return [self.effective_month]

    def clean(self) -> None:
        """An amount from STANDARD_LEVEL_MIN to STANDARD_LEVEL_MAX đồng, from the first of a
        month, and not in force from a month whose list is already closed (in the province, or
        anywhere for the national level)."""
        errors = FieldErrors()
        if self.amount is not None and not STANDARD_LEVEL_MIN <= self.amount <= STANDARD_LEVEL_MAX:
            errors.add(
                "amount",
                Code.STANDARD_LEVEL_OUT_OF_RANGE,
                gettext("The standard level must be from %(min)s to %(max)s.")
                % {"min": format_vnd(STANDARD_LEVEL_MIN), "max": format_vnd(STANDARD_LEVEL_MAX)},
            )
        _first_day_errors(errors, effective_month=self.effective_month)
        original = _original(self)
        if original is None or (
            original.province_id,
            original.effective_month,
            original.amount,
        ) != (
            self.province_id,
            self.effective_month,
            self.amount,
        ):
            months = [self.effective_month]
            provinces = {self.province_id}
            if original is not None:
                months.append(original.effective_month)
                provinces.add(original.province_id)
            for province_id in provinces:
                province = AdministrativeUnit.objects.filter(pk=province_id).first()
                _closed_month_errors(
                    errors,
                    "effective_month",
                    months,
                    province_code=province.province_code if province else None,
                )
                if "effective_month" in errors.by_field:
                    break
        errors.raise_if_any(Code.REFERENCE_DATA_INVALID)
