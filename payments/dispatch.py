"""Pushing closed lists to the providers and taking their results back.

The rules of DESIGN.md §6: every line's reference is the idempotency key; a batch is marked
acknowledged only after the provider acknowledged it; before any re-send the batch is looked up
at the provider; a line's final status (paid, failed, unpaid) never changes again, so applying
the same results twice changes nothing. Adapters (``providers.adapters``) do the I/O; this
module does the database. The callback inbox stays in ``providers``: it stores and verifies a
callback, then hands its results to ``callback_results_apply`` (registered in
``PaymentsConfig.ready``).
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import AppError
from core.metrics import ProviderErrorKind, record_batch_sent, record_provider_error
from org.roles import require_list_officer
from payments.errors import PaymentErrorCode
from payments.models import LineStatus, PaymentBatch, PaymentLine, PaymentPeriod, PeriodStatus
from payments.months import require_month_in_window
from payments.reconciliation import period_reconcile
from providers.adapters import (
    BatchRequest,
    BatchStatus,
    ItemResult,
    PaymentAdapter,
    PaymentItem,
    ProviderRejected,
    ProviderUnavailable,
)
from providers.models import Provider, ResultDiscrepancy
from providers.services import Discrepancy, adapter_for, result_discrepancies_record

logger = logging.getLogger(__name__)

FINAL = (LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID)
RESULT_FIELDS = ["status", "failure_code", "failure_reason", "paid_at"]


def batch_request(batch: PaymentBatch) -> BatchRequest:
    """What the provider is sent for a batch: its lines in order, with the control totals."""
    # Plain rows: model instances with deferred fields would each load the batch key again.
    items = tuple(
        PaymentItem(
            reference=reference,
            amount=amount,
            account_number=account_number,
            payee_name=payee_name,
            payee_id_number=payee_id_number,
        )
        for reference, amount, account_number, payee_name, payee_id_number in (
            PaymentLine.objects.filter(batch=batch)
            .order_by("line_no")
            .values_list(
                "reference", "amount_total", "account_number", "payee_name", "payee_id_number"
            )
        )
    )
    return BatchRequest(
        batch_reference=batch.reference,
        items=items,
        control_count=batch.control_count,
        control_amount=batch.control_amount,
    )


def batch_submit(*, batch: PaymentBatch, adapter: PaymentAdapter | None = None) -> PaymentBatch:
    """Send one batch to its provider, exactly once as far as the provider is concerned.

    A batch already acknowledged is left alone. On a retry (an earlier attempt may have reached
    the provider before we lost the answer) the batch is first looked up at the provider, and
    only sent if the provider has never seen it. On acknowledgement the batch and its lines are
    marked submitted. Raises ProviderUnavailable (the caller retries with backoff, the attempt is
    recorded) or ProviderRejected (the batch is marked rejected: do not retry as it is).
    """
    adapter = adapter or adapter_for(batch.provider)
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status in (PaymentBatch.Status.ACKNOWLEDGED, PaymentBatch.Status.COMPLETED):
            return batch
        first_attempt = batch.attempts == 0
        batch.attempts += 1
        batch.status = PaymentBatch.Status.SUBMITTING
        batch.submitted_at = batch.submitted_at or timezone.now()
        batch.last_attempt_at = timezone.now()
        batch.save(update_fields=["attempts", "status", "submitted_at", "last_attempt_at"])
    try:
        known = None if first_attempt else _known_at_provider(adapter, batch)
        if known is not None:
            provider_batch_id = known
        else:
            provider_batch_id = adapter.submit_batch(batch_request(batch)).provider_batch_id
    except ProviderUnavailable as exc:
        record_provider_error(provider=batch.provider.code, kind=ProviderErrorKind.UNAVAILABLE)
        PaymentBatch.objects.filter(pk=batch.pk).update(last_error=str(exc)[:1000])
        logger.warning(
            "batch_submit_unavailable",
            extra={**_ids(batch), "attempts": batch.attempts, "error": str(exc)[:200]},
        )
        raise
    except ProviderRejected as exc:
        record_provider_error(provider=batch.provider.code, kind=ProviderErrorKind.REJECTED)
        PaymentBatch.objects.filter(pk=batch.pk).update(
            status=PaymentBatch.Status.REJECTED, last_error=f"{exc.code}: {exc}"[:1000]
        )
        logger.error(
            "batch_rejected",
            extra={**_ids(batch), "code": exc.code, "http_status": exc.http_status},
        )
        raise
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        batch.status = PaymentBatch.Status.ACKNOWLEDGED
        batch.provider_batch_id = provider_batch_id
        batch.acknowledged_at = timezone.now()
        batch.last_error = ""
        batch.save()
        batch.lines.filter(status=LineStatus.PENDING).update(status=LineStatus.SUBMITTED)
    record_batch_sent(provider=batch.provider.code)
    logger.info(
        "batch_acknowledged",
        extra={**_ids(batch), "attempts": batch.attempts, "found_at_provider": known is not None},
    )
    return batch


def _ids(batch: PaymentBatch) -> dict:
    """The identifiers of a batch's log lines."""
    return {
        "batch_id": batch.pk,
        "batch_reference": batch.reference,
        "provider": batch.provider.code,
    }


def _known_at_provider(adapter: PaymentAdapter, batch: PaymentBatch) -> str | None:
    """The provider's batch id if it already has this batch, else None (never sent)."""
    try:
        status = adapter.fetch_batch_status(batch.reference)
    except ProviderRejected as exc:
        if exc.http_status == 404 and exc.code == "UNKNOWN_BATCH":
            return None
        raise
    # The provider has it: its id is not in a status answer, so keep our reference for it.
    return status.batch_reference


class ResultsBeforeAcknowledgement(Exception):
    """A callback for a batch we are still sending (the provider's answer to the submission is
    not recorded yet): the callback inbox keeps the event and processes it again later."""


SENT = (PaymentBatch.Status.ACKNOWLEDGED, PaymentBatch.Status.COMPLETED)


def _not_sent(item: ItemResult, batch: PaymentBatch) -> Discrepancy:
    return Discrepancy(
        kind=ResultDiscrepancy.Kind.NOT_ACKNOWLEDGED,
        reference=item.reference,
        batch_reference=batch.reference,
        provider_status=item.status,
        provider_amount=item.amount,
    )


def _amount_discrepancy(item: ItemResult, ours: int, batch) -> Discrepancy | None:
    """A final result whose amount is not the line's; a "paid" that does not say how much
    (every adapter's protocol carries the amount, see ItemResult.amount)."""
    if item.amount is None:
        if item.status != LineStatus.PAID:
            return None
        kind = ResultDiscrepancy.Kind.NO_AMOUNT
    elif item.amount != ours:
        kind = ResultDiscrepancy.Kind.AMOUNT
    else:
        return None
    return Discrepancy(
        kind=kind,
        reference=item.reference,
        batch_reference=batch.reference,
        provider_status=item.status,
        our_amount=ours,
        provider_amount=item.amount,
    )


def _results_apply(
    batch: PaymentBatch, items: tuple[ItemResult, ...], *, reconcile_later: bool
) -> tuple[int, list[Discrepancy]]:
    """batch_results_apply's work, in the caller's transaction: (lines changed, results not
    applied because they do not match what was sent)."""
    assert set(RESULT_FIELDS) <= PaymentLine.MUTABLE_AFTER_CLOSING
    batch = PaymentBatch.objects.select_for_update().select_related("provider").get(pk=batch.pk)
    final_items = [item for item in items if item.status in FINAL]
    if batch.status not in SENT:
        # Never sent, or refused by the provider: nothing it says about it can be a payment.
        return 0, [_not_sent(item, batch) for item in final_items]
    lines = {
        line.reference: line for line in batch.lines.select_for_update().exclude(status__in=FINAL)
    }
    # The batch's lines that are already final: their amounts, to check a repeated result.
    settled = dict(
        batch.lines.filter(
            reference__in=[item.reference for item in final_items if item.reference not in lines]
        ).values_list("reference", "amount_total")
    )
    changed, refused = [], []
    for item in final_items:
        line = lines.get(item.reference)
        ours = line.amount_total if line is not None else settled.get(item.reference)
        if ours is None:
            refused.append(
                Discrepancy(
                    kind=ResultDiscrepancy.Kind.OTHER_BATCH,
                    reference=item.reference,
                    batch_reference=batch.reference,
                    provider_status=item.status,
                    provider_amount=item.amount,
                )
            )
            continue
        wrong = _amount_discrepancy(item, ours, batch)
        if wrong is not None:
            refused.append(wrong)
            continue
        if line is None:
            continue  # final already: a result never changes, the same one twice does nothing
        line.status = item.status
        line.failure_code = item.failure_code
        line.failure_reason = item.failure_reason_vi[:255]
        line.paid_at = item.paid_at if item.status == LineStatus.PAID else None
        changed.append(line)
    if changed:
        _write_results(changed)
        PaymentLine.history.bulk_history_create(
            changed,
            batch_size=2000,
            update=True,
            default_change_reason=f"{batch.provider.code} result",
        )
    if (
        batch.status != PaymentBatch.Status.COMPLETED
        and not batch.lines.exclude(status__in=FINAL).exists()
    ):
        batch.status = PaymentBatch.Status.COMPLETED
        batch.completed_at = timezone.now()
        batch.save(update_fields=["status", "completed_at"])
        logger.info("batch_completed", extra=_ids(batch))
        # The last batch to complete starts the period's reconciliation.
        if reconcile_later:
            period_id = batch.payment_list.period_id
            transaction.on_commit(lambda: _reconcile_later(period_id))
    if changed:
        logger.info("batch_results_applied", extra={**_ids(batch), "lines": len(changed)})
    return len(changed), refused


def batch_results_apply(
    *, batch: PaymentBatch, status: BatchStatus, reconcile_later: bool = True
) -> int:
    """Record the provider's per-item results, as polled; idempotent: a line that is already
    final keeps its result. Only results that match what we sent are applied: the batch must
    have been acknowledged by the provider, the reference must be one of the batch's lines and
    the amount must be the line's (a "paid" must say it). Any other result is kept as a
    ``providers.models.ResultDiscrepancy`` (source "poll") and applied to nothing. Returns how
    many lines changed; completes the batch when every line is final (and, with
    `reconcile_later`, queues the period's reconciliation). Lines are written in bulk, with
    their history rows."""
    items = status.items
    with transaction.atomic():
        if status.batch_reference and status.batch_reference != batch.reference:
            # An answer about another batch: none of it is about this one.
            changed, refused = (
                0,
                [
                    Discrepancy(
                        kind=ResultDiscrepancy.Kind.OTHER_BATCH,
                        reference=item.reference,
                        batch_reference=batch.reference,
                        provider_status=item.status,
                        provider_amount=item.amount,
                    )
                    for item in items
                    if item.status in FINAL
                ],
            )
        else:
            changed, refused = _results_apply(batch, items, reconcile_later=reconcile_later)
        if refused:
            result_discrepancies_record(
                provider=batch.provider,
                source=ResultDiscrepancy.Source.POLL,
                discrepancies=refused,
            )
    return changed


def _write_results(lines, chunk: int = 2000) -> None:
    """UPDATE … FROM (VALUES …): one statement per chunk, where Django's bulk_update would build
    a CASE of thousands of branches that the database evaluates for every row."""
    postgres = connection.vendor == "postgresql"
    row = "(%s::bigint, %s, %s, %s, %s::timestamptz)" if postgres else "(%s, %s, %s, %s, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(lines), chunk):
            part = lines[start : start + chunk]
            values = ", ".join([row] * len(part))
            params = [
                value
                for line in part
                for value in (
                    line.pk,
                    line.status,
                    line.failure_code,
                    line.failure_reason,
                    connection.ops.adapt_datetimefield_value(line.paid_at),
                )
            ]
            cursor.execute(
                "UPDATE payments_paymentline SET status = v.status, failure_code = v.code,"
                " failure_reason = v.reason, paid_at = v.paid_at"
                " FROM (SELECT column1 AS id, column2 AS status, column3 AS code,"
                " column4 AS reason, column5 AS paid_at"
                f" FROM (VALUES {values}) AS x) AS v"
                " WHERE payments_paymentline.id = v.id",
                params,
            )


def _reconcile_later(period_id: int) -> None:
    # payments.tasks imports this module: imported here to break that cycle.
    from payments.tasks import reconcile_period

    reconcile_period.delay(period_id)


def batch_poll(
    *, batch: PaymentBatch, adapter: PaymentAdapter | None = None, reconcile_later: bool = True
) -> int:
    """Ask the provider for the batch's results and record them (see batch_results_apply)."""
    adapter = adapter or adapter_for(batch.provider)
    try:
        status = adapter.fetch_batch_status(batch.reference)
    except ProviderUnavailable as exc:
        record_provider_error(provider=batch.provider.code, kind=ProviderErrorKind.UNAVAILABLE)
        logger.warning("batch_poll_unavailable", extra={**_ids(batch), "error": str(exc)[:200]})
        raise
    PaymentBatch.objects.filter(pk=batch.pk).update(last_polled_at=timezone.now())
    return batch_results_apply(batch=batch, status=status, reconcile_later=reconcile_later)


def callback_results_apply(
    *, provider: Provider, results: tuple[ItemResult, ...]
) -> list[Discrepancy]:
    """The results a verified provider callback carries, applied to the batches their
    references belong to (idempotent, out of order is fine), in the inbox's transaction. A
    callback is checked against what we sent, as a poll is (see batch_results_apply): a
    reference that is not a line of one of this provider's batches, a batch the provider never
    acknowledged, an amount that is not ours (or a "paid" without one) is applied to nothing and
    returned, so that the inbox keeps it and flags the event. A batch still being sent (its
    acknowledgement not yet recorded) raises ResultsBeforeAcknowledgement: the inbox keeps the
    event and processes it again later."""
    by_batch: dict[int, list[ItemResult]] = {}
    references = {item.reference: item for item in results}
    refused: list[Discrepancy] = []
    known = dict(
        PaymentLine.objects.filter(
            provider=provider,
            batch__provider=provider,
            reference__in=list(references),
        ).values_list("reference", "batch_id")
    )
    for reference, item in references.items():
        if reference in known:
            by_batch.setdefault(known[reference], []).append(item)
        elif item.status in FINAL:
            refused.append(
                Discrepancy(
                    kind=ResultDiscrepancy.Kind.UNKNOWN_REFERENCE,
                    reference=reference,
                    provider_status=item.status,
                    provider_amount=item.amount,
                )
            )
    batches = PaymentBatch.objects.in_bulk(list(by_batch))
    if any(batches[pk].status == PaymentBatch.Status.SUBMITTING for pk in by_batch):
        raise ResultsBeforeAcknowledgement(
            "Results for a batch whose acknowledgement is not recorded yet: try again later."
        )
    changed = 0
    for batch_id, items in sorted(by_batch.items()):
        done, not_applied = _results_apply(batches[batch_id], tuple(items), reconcile_later=True)
        changed += done
        refused.extend(not_applied)
    logger.info(
        "callback_results_applied",
        extra={"provider": provider.code, "lines": changed, "not_applied": len(refused)},
    )
    return refused


def period_settle_inline(*, period, poll_seconds: float = 0.2, timeout: float = 600.0):
    """What the workers do with a closed list, in this process and in order: send its batches
    (exactly once, see batch_submit), poll each until every line is final, and reconcile the
    period. For the demo's history and the benchmarks, against providers that answer fast.
    Returns the Reconciliation; ProviderRejected or TimeoutError if a provider will not
    finish."""
    payment_list_submit(period=period, user=None, run_async=False)
    deadline = time.monotonic() + timeout
    for batch in PaymentBatch.objects.filter(payment_list__period=period).select_related(
        "provider"
    ):
        while batch.status != PaymentBatch.Status.COMPLETED:
            with contextlib.suppress(ProviderUnavailable):  # down for now: poll again
                batch_poll(batch=batch, reconcile_later=False)
            batch.refresh_from_db()
            if batch.status == PaymentBatch.Status.COMPLETED:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{batch.reference}: the provider did not finish in time.")
            time.sleep(poll_seconds)
    return period_reconcile(period=period)


def payment_list_submit(*, period, user, run_async: bool = True) -> list[PaymentBatch]:
    """Send a closed list to its providers: one batch per provider (made when the list was
    closed). Only a district officer of the closing unit. With `run_async` each batch becomes a
    Celery task (retried while its provider is down, then polled); otherwise the batches are
    sent here, in this process. Batches already acknowledged are not sent again. The period
    becomes "submitted"."""
    require_month_in_window(period.month, period.unit_id)
    with transaction.atomic():
        period = PaymentPeriod.objects.select_for_update().select_related("unit").get(pk=period.pk)
        if user is not None:
            require_list_officer(
                user,
                period.unit,
                message=_("Only an officer of %(unit)s can send its list.") % {"unit": period.unit},
                code=PaymentErrorCode.NOT_OFFICER_OF_UNIT,
            )
        if period.status not in (PeriodStatus.CLOSED, PeriodStatus.SUBMITTED):
            raise AppError(
                PaymentErrorCode.NOT_CLOSED, _("Only a closed list can be sent to the providers.")
            )
        batches = list(
            PaymentBatch.objects.filter(payment_list__period=period)
            .exclude(status__in=[PaymentBatch.Status.ACKNOWLEDGED, PaymentBatch.Status.COMPLETED])
            .select_related("provider")
            .order_by("provider__code")
        )
        if period.status == PeriodStatus.CLOSED:
            period.status = PeriodStatus.SUBMITTED
            if user is not None:
                period._history_user = user
            period.save(update_fields=["status"])
        if run_async:
            # payments.tasks imports this module: imported here to break that cycle.
            from payments.tasks import submit_batch

            for batch in batches:
                transaction.on_commit(lambda pk=batch.pk: submit_batch.delay(pk))
    logger.info(
        "payment_list_submitted",
        extra={"period_id": period.pk, "batches": len(batches), "run_async": run_async},
    )
    if not run_async:
        for batch in batches:
            batch_submit(batch=batch)
    return batches
