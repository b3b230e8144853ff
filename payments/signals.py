"""What payments tells the layers above it, without importing them."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from payments.models import PaymentPeriod

period_figures_changed = Signal()
"""A period's figures changed (its list was generated, closed or reconciled); sent once the
transaction commits, with ``sender=PaymentPeriod``, ``period_id``, ``month`` and ``unit_id``.
reports connects it (AppConfig.ready) to refresh the month's coverage."""


def period_figures_changed_on_commit(period: PaymentPeriod) -> None:
    """Send ``period_figures_changed`` for ``period`` once the current transaction commits
    (nothing is sent if it rolls back)."""
    period_id, month, unit_id = period.pk, period.month, period.unit_id
    transaction.on_commit(
        lambda: period_figures_changed.send(
            sender=PaymentPeriod, period_id=period_id, month=month, unit_id=unit_id
        )
    )
