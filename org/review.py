"""Maker-checker for reference data: standard levels, coefficient bands, provider contracts.

A row entered or changed by a person (the Django admin) is *proposed* (who, when) and counts
for nothing until another person *approves* it (who, when). Readers of reference data
(`beneficiaries.policy_tables.load_policy_tables`, `payments.reconciliation.contract_for`) take
only approved rows. Rows written by code (data migrations, the demo seed, commands, factories)
are approved by default: the model default is APPROVED, the admin's `save_model` proposes.

An approved row that is edited goes back to proposed: until someone approves it again the
readers no longer see it (a standard level falls back to the previous level in force; a band
or a contract is missing, which generation reports as "cannot compute" and reconciliation as no
fee), so an approved amount is never silently replaced.

Who may propose and approve (`may_review`): the administrator, for every row; the province
officer, for the rows of their own province (its standard level and its provider contracts).
National levels and coefficient bands are the administrator's. The approver is never the
proposer. Lives in org (below providers and beneficiaries) because it is a question of roles;
simple-history keeps each proposal and approval as a historical row of the model.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import AppError, AppForbidden
from core.months import add_months, closed_month_conflict, month_label
from org.errors import OrgErrorCode as Code
from org.models import AdministrativeUnit, Role

logger = logging.getLogger(__name__)


class ReviewStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class ReviewedRow(models.Model):
    """The maker-checker fields of a reference row. Subclasses say which province a row
    belongs to (`review_province`, None for national rows) and which months it affects
    (`review_months`), so an approval is refused in a month whose list is closed."""

    review_status = models.CharField(
        _("review status"),
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.APPROVED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    REVIEW_FIELDS = ("review_status", "proposed_by", "proposed_at", "approved_by", "approved_at")

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    def review_province(self) -> AdministrativeUnit | None:
        """The province the row belongs to; None for a national row (administrator only)."""
        return None

    def review_months(self) -> list[datetime.date | None]:
        """The first months the row affects (checked against the closed months on approval)."""
        return []


def may_review(user, row: ReviewedRow) -> bool:
    """The administrator for every row; the province officer for their own province's rows."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    province = row.review_province()
    return (
        user.role == Role.PROVINCE_OFFICER
        and province is not None
        and user.unit_id is not None
        and user.unit_id == province.pk
    )


def _check_may_review(user, row: ReviewedRow) -> None:
    if not may_review(user, row):
        raise AppForbidden(
            Code.REFERENCE_REVIEW_NOT_ALLOWED,
            gettext(
                "Only the administrator, or the province officer for the province's own "
                "standard level and provider contracts, may propose or approve reference data."
            ),
        )


def reference_row_propose(*, row: ReviewedRow, proposed_by) -> ReviewedRow:
    """Mark a new or changed row proposed by `proposed_by` (not saved: the caller saves it,
    as the admin's `save_model` does). Clears any earlier approval, so the row counts for
    nothing until approved again. Raises AppForbidden REFERENCE_REVIEW_NOT_ALLOWED."""
    _check_may_review(proposed_by, row)
    row.review_status = ReviewStatus.PROPOSED
    row.proposed_by = proposed_by
    row.proposed_at = timezone.now()
    row.approved_by = None
    row.approved_at = None
    row._history_user = proposed_by  # the historical record names the proposer
    return row


def reference_row_approve(*, row: ReviewedRow, approved_by) -> ReviewedRow:
    """Approve a proposed row: from now on generation and reconciliation use it.

    Refuses (nothing saved): a user who may not review the row (AppForbidden
    REFERENCE_REVIEW_NOT_ALLOWED), the proposer (AppForbidden REFERENCE_OWN_PROPOSAL), a row
    that is not proposed (AppError REFERENCE_NOT_PROPOSED) and a row that would take effect in
    a month whose list is already closed (AppError REFERENCE_MONTH_CLOSED). The row is locked
    while it is approved; the approval is a historical record of the row.
    """
    _check_may_review(approved_by, row)
    with transaction.atomic():
        locked = type(row).objects.select_for_update().get(pk=row.pk)
        if locked.review_status != ReviewStatus.PROPOSED:
            raise AppError(
                Code.REFERENCE_NOT_PROPOSED,
                gettext("%(row)s is not awaiting approval.") % {"row": locked},
            )
        if locked.proposed_by_id == approved_by.pk:
            raise AppForbidden(
                Code.REFERENCE_OWN_PROPOSAL,
                gettext("%(row)s was proposed by you: another person must approve it.")
                % {"row": locked},
            )
        province = locked.review_province()
        last = closed_month_conflict(
            locked.review_months(),
            province_code=province.province_code if province is not None else None,
        )
        if last is not None:
            raise AppError(
                Code.REFERENCE_MONTH_CLOSED,
                gettext(
                    "Lists up to %(closed)s are already closed: %(row)s can take effect from "
                    "%(next)s at the earliest. Change its month before approving it."
                )
                % {
                    "row": locked,
                    "closed": month_label(last),
                    "next": month_label(add_months(last, 1)),
                },
            )
        locked.review_status = ReviewStatus.APPROVED
        locked.approved_by = approved_by
        locked.approved_at = timezone.now()
        locked._history_user = approved_by  # the historical record names the approver
        locked.save(update_fields=["review_status", "approved_by", "approved_at"])
    logger.info(
        "reference_row_approved",
        extra={"model": type(row).__name__, "row_id": row.pk, "approved_by": approved_by.pk},
    )
    row.refresh_from_db()
    return row
