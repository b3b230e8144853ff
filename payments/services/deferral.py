"""Deferring the district's decision on a change to a later list."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaries.models import (
    ChangeRecord,
    ChangeStatus,
)
from core.errors import AppError
from org.roles import require_checker_of
from payments.errors import PaymentErrorCode


def change_record_defer(*, change: ChangeRecord, user, month: datetime.date) -> ChangeRecord:
    """The district defers its decision on a change to the list of `month` (later than the
    change's month): the change stops holding up the earlier list and keeps its effective
    month, so if approved later it reaches a later list as arrears."""
    with transaction.atomic():
        change = (
            ChangeRecord.objects.select_for_update(of=("self",))
            .select_related("commune")
            .get(pk=change.pk)
        )
        require_checker_of(user, change.commune, code=PaymentErrorCode.NOT_OFFICER_OF_UNIT)
        if change.status != ChangeStatus.SUBMITTED:
            raise AppError(
                PaymentErrorCode.CHANGE_NOT_WAITING, _("This change is not waiting for a decision.")
            )
        change.deferred_until = month.replace(day=1)
        change._history_user = user
        change.save(update_fields=["deferred_until"])
    return change
