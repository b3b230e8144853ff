"""The 2025 administrative reform of a province's register: the run and its worklist.

A run moves the register of one province from its 2025-01 communes to its 2025-10 communes
(beneficiaries.reform). People of an old commune split between several new ones wait in the
worklist until an officer picks their new commune.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import AdministrativeUnit


class ReformStatus(models.TextChoices):
    APPLIED = "applied", _("Applied: people of split communes wait in the worklist")
    COMPLETE = "complete", _("Complete")


class ReformRun(models.Model):
    province_code = models.CharField(_("province code"), max_length=2)
    effective_month = models.DateField(_("effective month"))
    status = models.CharField(_("status"), max_length=10, choices=ReformStatus.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    moved = models.PositiveIntegerField(_("people moved"), default=0)
    worklist_size = models.PositiveIntegerField(_("people in the worklist"), default=0)
    changes_moved = models.PositiveIntegerField(_("open changes moved"), default=0)
    users_to_rehome = models.PositiveIntegerField(_("users to re-home"), default=0)
    drafts_removed = models.PositiveIntegerField(_("draft lists removed"), default=0)
    # {old commune id: [new commune ids, default first]}: the correspondence as applied.
    correspondence = models.JSONField(_("correspondence"), default=dict)

    class Meta:
        verbose_name = _("administrative reform run")
        verbose_name_plural = _("administrative reform runs")
        constraints = [
            models.UniqueConstraint(fields=["province_code"], name="reform_once_per_province"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code} {self.effective_month:%m/%Y}"

    @property
    def history_reason(self) -> str:
        return f"Sắp xếp đơn vị hành chính 2025 (đợt {self.pk})"


class ReformWorklistItem(models.Model):
    run = models.ForeignKey(
        ReformRun, on_delete=models.PROTECT, related_name="worklist", verbose_name=_("reform run")
    )
    beneficiary = models.OneToOneField(
        "beneficiaries.Beneficiary",
        on_delete=models.PROTECT,
        related_name="reform_worklist_item",
        verbose_name=_("beneficiary"),
    )
    old_commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("old commune"),
    )
    candidates = models.ManyToManyField(
        AdministrativeUnit, related_name="+", verbose_name=_("candidate new communes")
    )
    default_commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("default new commune"),
    )
    assigned_commune = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned new commune"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reform worklist entry")
        verbose_name_plural = _("reform worklist")
        ordering = ["old_commune__path", "beneficiary__name_sort_key", "id"]
        indexes = [models.Index(fields=["run", "assigned_commune"], name="reform_item_waiting")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.beneficiary_id}"
