"""Celery tasks of the payment cycle: thin, idempotent (regenerating a draft replaces it)."""

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.months import add_months
from org.models import User
from payments.models import PaymentList, PaymentPeriod, PeriodStatus
from payments.services import closing_units, payment_list_generate, payment_period_open


@shared_task(acks_late=True)
def generate_payment_list(period_id: int, user_id: int | None = None) -> dict:
    """Generate one closing unit's list (one task per unit: workers fan out across units)."""
    period = PaymentPeriod.objects.get(pk=period_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        payment_list = payment_list_generate(period=period, generated_by=user)
    except ValidationError as exc:
        PaymentList.objects.filter(period=period).update(generation_error=" ".join(exc.messages))
        return {"period": period_id, "error": " ".join(exc.messages)}
    return {
        "period": period_id,
        "lines": payment_list.line_count,
        "total": payment_list.total_amount,
    }


@shared_task(acks_late=True)
def open_next_periods() -> int:
    """On the configured day: open next month's period of every closing unit and generate its
    draft. Periods already generated or closed are left alone."""
    month = add_months(timezone.localdate().replace(day=1), 1)
    queued = 0
    for unit in closing_units():
        period = payment_period_open(unit=unit, month=month)
        if period.status == PeriodStatus.DRAFT:
            generate_payment_list.delay(period.pk)
            queued += 1
    return queued
