"""The provider layer's writes: building a provider's adapter and the callback inbox.

The payment workflow that uses the adapters (sending batches, polling, applying results) is
``payments.dispatch``, one layer up: nothing here imports payments. A verified callback's results
reach payments through the handler payments registers in its ``AppConfig.ready``
(``callback_handler_register``).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.metrics import CallbackOutcome, record_callback
from providers.adapters import InvalidCallback, ItemResult, PaymentAdapter, adapter_class
from providers.endpoints import provider_config
from providers.models import CallbackEvent, Provider, ResultDiscrepancy

logger = logging.getLogger(__name__)


class NoAdapter(Exception):
    """The provider has no adapter configured in this installation yet."""


def adapter_for(provider: Provider) -> PaymentAdapter:
    """The provider's adapter, built from its dotted path and TROCAP_PROVIDERS (as
    `providers.endpoints.providers_redirected` may have pointed it elsewhere for a while)."""
    config = provider_config(provider.code)
    if config is None or not provider.adapter:
        raise NoAdapter(f"No adapter configured for {provider.code}.")
    try:
        cls = adapter_class(provider.adapter)
    except ImportError as exc:
        raise NoAdapter(
            f"The adapter of {provider.code} ({provider.adapter}) is not available."
        ) from exc
    return cls(
        base_url=config["base_url"],
        secret=config["secret"],
        timeout=config.get("timeout", 10.0),
        callback_url=config.get("callback_url", ""),
    )


# --- The callback inbox -------------------------------------------------------------------------

CallbackHandler = Callable[..., "Iterable[Discrepancy] | None"]
"""``handler(*, provider, results)``: applies a verified callback's item results and returns
the results it refused to apply because they do not match what was sent (see Discrepancy)."""


@dataclass(frozen=True)
class Discrepancy:
    """One provider result that does not match what we sent (``ResultDiscrepancy.Kind``)."""

    kind: str
    reference: str
    batch_reference: str = ""
    provider_status: str = ""
    our_amount: int | None = None
    provider_amount: int | None = None

    def describe(self) -> str:
        """One line for a person, in the active language."""
        label = ResultDiscrepancy.Kind(self.kind).label
        text = f"{self.reference[:64]}: {label}"
        if self.kind == ResultDiscrepancy.Kind.AMOUNT:
            text += " " + _("(%(theirs)s ₫ reported, %(ours)s ₫ sent)") % {
                "theirs": f"{self.provider_amount:,}".replace(",", "."),
                "ours": f"{self.our_amount:,}".replace(",", "."),
            }
        return text


def result_discrepancies_record(
    *,
    provider: Provider,
    source: str,
    discrepancies: Iterable[Discrepancy],
    event: CallbackEvent | None = None,
) -> list[ResultDiscrepancy]:
    """Keep the provider results that were not applied because they do not match what we
    sent. A callback's are stored once per event; a poll's, asked again and again while the
    line waits, once per distinct answer (``times_seen`` counts the repeats). Logged, one line
    each, with the references (never an account number)."""
    rows = []
    for item in discrepancies:
        fields = {
            "provider": provider,
            "source": source,
            "kind": item.kind,
            "batch_reference": item.batch_reference[:64],
            "reference": item.reference[:64],
            "provider_status": item.provider_status[:10],
            "our_amount": item.our_amount,
            "provider_amount": item.provider_amount,
        }
        row = None
        if event is None:
            row = ResultDiscrepancy.objects.filter(event=None, **fields).first()
            if row is not None:
                ResultDiscrepancy.objects.filter(pk=row.pk).update(
                    times_seen=F("times_seen") + 1, last_seen_at=timezone.now()
                )
        if row is None:
            row = ResultDiscrepancy.objects.create(event=event, **fields)
            logger.warning(
                "provider_result_not_applied",
                extra={
                    "provider": provider.code,
                    "source": source,
                    "kind": item.kind,
                    "reference": item.reference[:64],
                    "batch_reference": item.batch_reference,
                    "event_id": event.pk if event else None,
                    "our_amount": item.our_amount,
                    "provider_amount": item.provider_amount,
                },
            )
        rows.append(row)
    return rows


_callback_handler: CallbackHandler | None = None

# What is kept of a body that is not signed with our secret: enough to see what it was.
UNSIGNED_BODY_KEPT = 2048
# What is kept of a body signed with our secret that cannot be read: the provider's words,
# up to this many bytes.
SIGNED_UNREADABLE_BODY_KEPT = 64 * 1024
# Of the headers: those a callback's reading may need, each cut to this length.
HEADERS_KEPT = 20
HEADER_VALUE_KEPT = 512


def callback_handler_register(handler: CallbackHandler) -> None:
    """Set the one function that applies a verified callback's results (payments registers
    ``payments.dispatch.callback_results_apply`` in its AppConfig.ready). It is called as
    ``handler(provider=..., results=...)`` and returns the results it did not apply (a list of
    Discrepancy, which flags the event); whatever it raises marks the event failed."""
    global _callback_handler
    _callback_handler = handler


def callback_max_bytes(provider_code: str) -> int:
    """The largest callback body the inbox takes from this provider: its
    ``callback_max_bytes`` in TROCAP_PROVIDERS, else TROCAP_CALLBACK_MAX_BYTES."""
    config = settings.TROCAP_PROVIDERS.get(provider_code) or {}
    return int(config.get("callback_max_bytes") or settings.TROCAP_CALLBACK_MAX_BYTES)


def unsigned_callbacks_per_minute(provider_code: str) -> int:
    """How many refused callbacks of this provider the inbox stores in a minute: its
    ``unsigned_callbacks_per_minute`` in TROCAP_PROVIDERS, else
    TROCAP_CALLBACK_UNSIGNED_PER_MINUTE."""
    config = settings.TROCAP_PROVIDERS.get(provider_code) or {}
    value = config.get("unsigned_callbacks_per_minute")
    return int(settings.TROCAP_CALLBACK_UNSIGNED_PER_MINUTE if value is None else value)


def _text(body: bytes) -> str:
    # PostgreSQL text holds no NUL: a body with one was never valid JSON anyway.
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _headers_kept(headers: dict[str, str]) -> dict[str, str]:
    """The X- and Content- headers, at most HEADERS_KEPT of them, each value cut (no NUL:
    PostgreSQL's jsonb holds none)."""
    kept = {}
    for name, value in headers.items():
        if len(kept) >= HEADERS_KEPT:
            break
        if str(name).lower().startswith(("x-", "content-")):
            clean = str(value)[:HEADER_VALUE_KEPT].replace("\x00", "\ufffd")
            kept[str(name)[:100].replace("\x00", "")] = clean
    return kept


def _refused_recently(provider: Provider) -> int:
    since = timezone.now() - datetime.timedelta(minutes=1)
    return CallbackEvent.objects.filter(
        provider=provider, signature_valid=False, received_at__gte=since
    ).count()


def callback_receive(
    *, provider_code: str, headers: dict[str, str], body: bytes, remote_addr: str | None
) -> CallbackEvent | None:
    """Take a provider's callback into the inbox: check its signature (pure, no I/O), store
    it, and process it (``callback_event_process``) if it is signed and readable.

    What is stored, in one write, with the SHA-256 and length of the whole body: a signed
    body whole; a signed but unreadable one up to SIGNED_UNREADABLE_BODY_KEPT bytes; one that
    is not signed with our secret only its first UNSIGNED_BODY_KEPT bytes, refused, and only
    while the provider's refused callbacks of the last minute are fewer than its
    `unsigned_callbacks_per_minute`: past that it is counted and logged and nothing is stored
    (returns None). A signed callback whose reading raised is stored whole and processed again
    later. Returns the stored CallbackEvent; raises NoAdapter when the provider has no adapter
    here (an excerpt is stored)."""
    provider = Provider.objects.get(code=provider_code)
    log = {"provider": provider.code, "body_bytes": len(body)}
    fields = {
        "provider": provider,
        "remote_addr": remote_addr,
        "headers": _headers_kept(headers),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "body_bytes": len(body),
    }
    try:
        adapter = adapter_for(provider)
    except NoAdapter:
        event = CallbackEvent.objects.create(body=_text(body[:UNSIGNED_BODY_KEPT]), **fields)
        logger.warning("callback_received", extra={**log, "event_id": event.pk, "adapter": None})
        record_callback(provider=provider.code, outcome=CallbackOutcome.RECEIVED)
        raise
    if not adapter.callback_signed(headers, body):
        if _refused_recently(provider) >= unsigned_callbacks_per_minute(provider.code):
            logger.warning("callback_dropped", extra={**log, "code": "UNSIGNED_RATE"})
            record_callback(provider=provider.code, outcome=CallbackOutcome.DROPPED)
            return None
        return _refused(
            fields,
            body[:UNSIGNED_BODY_KEPT],
            InvalidCallback("callback: bad signature", code="BAD_SIGNATURE"),
            log,
        )
    try:
        results = adapter.parse_callback(headers, body)
    except InvalidCallback as exc:
        return _refused(fields, body[:SIGNED_UNREADABLE_BODY_KEPT], exc, log)
    except Exception:
        # The adapter failed on a signed callback: keep it whole, the retry reads it again.
        event = CallbackEvent.objects.create(body=_text(body), signature_valid=True, **fields)
        logger.info("callback_received", extra={**log, "event_id": event.pk})
        record_callback(provider=provider.code, outcome=CallbackOutcome.RECEIVED)
        return callback_event_process(event=event)
    event = CallbackEvent.objects.create(body=_text(body), signature_valid=True, **fields)
    logger.info("callback_received", extra={**log, "event_id": event.pk})
    record_callback(provider=provider.code, outcome=CallbackOutcome.RECEIVED)
    return callback_event_process(event=event, results=results)


def _refused(fields: dict, kept: bytes, exc: InvalidCallback, log: dict) -> CallbackEvent:
    """Store a refused callback (its first bytes only), log it and count it."""
    event = CallbackEvent.objects.create(
        body=_text(kept), signature_valid=False, error=str(exc)[:2000], **fields
    )
    log = {**log, "event_id": event.pk}
    logger.info("callback_received", extra=log)
    record_callback(provider=event.provider.code, outcome=CallbackOutcome.RECEIVED)
    logger.warning("callback_refused", extra={**log, "code": exc.code})
    record_callback(provider=event.provider.code, outcome=CallbackOutcome.REFUSED)
    return event


def callback_event_process(
    *, event: CallbackEvent, results: tuple[ItemResult, ...] | None = None
) -> CallbackEvent:
    """Apply a stored callback's results through the registered handler, all or nothing, and
    record the attempt. ``results`` are the callback's, already parsed; without them the stored
    headers and body are parsed again (and the signature checked again). Success marks the
    event processed; an exception is kept on the event (message and traceback) for the next
    attempt, and logged. An event already processed, or refused, is left alone. Returns the
    event as stored."""
    with transaction.atomic():
        event = (
            CallbackEvent.objects.select_for_update(of=("self",))
            .select_related("provider")
            .get(pk=event.pk)
        )
        if event.processed_at is not None or event.signature_valid is False:
            return event
        log = {"event_id": event.pk, "provider": event.provider.code}
        event.attempts += 1
        event.last_attempt_at = timezone.now()
        try:
            if results is None:
                adapter = adapter_for(event.provider)
                results = adapter.parse_callback(event.headers, event.body.encode())
                event.signature_valid = True
        except InvalidCallback as exc:
            if event.signature_valid:  # verified when it came (a secret changed since?): retry
                _failed(event, exc, log)
            else:
                event.signature_valid = False
                event.error = str(exc)[:2000]
                logger.warning("callback_refused", extra={**log, "code": exc.code})
                record_callback(provider=event.provider.code, outcome=CallbackOutcome.REFUSED)
        except Exception as exc:
            _failed(event, exc, log)
        else:
            try:
                with transaction.atomic():  # a savepoint: what the handler wrote goes with it
                    refused = list(_handle(provider=event.provider, results=results) or ())
                    result_discrepancies_record(
                        provider=event.provider,
                        source=ResultDiscrepancy.Source.CALLBACK,
                        discrepancies=refused,
                        event=event,
                    )
            except Exception as exc:
                _failed(event, exc, log)
            else:
                event.processed_at = timezone.now()
                event.error = event.traceback = ""
                event.discrepancy_count = len(refused)
                with translation.override(settings.LANGUAGE_CODE):
                    event.discrepancy_reason = "\n".join(d.describe() for d in refused)[:4000]
                if refused:
                    logger.warning("callback_flagged", extra={**log, "discrepancies": len(refused)})
                record_callback(provider=event.provider.code, outcome=CallbackOutcome.PROCESSED)
                logger.info(
                    "callback_processed",
                    extra={**log, "items": len(results), "attempts": event.attempts},
                )
        event.save(
            update_fields=[
                "signature_valid",
                "processed_at",
                "error",
                "traceback",
                "attempts",
                "last_attempt_at",
                "discrepancy_count",
                "discrepancy_reason",
            ]
        )
    return event


def _failed(event: CallbackEvent, exc: Exception, log: dict) -> None:
    event.error = (str(exc) or type(exc).__name__)[:2000]
    event.traceback = traceback.format_exc()
    logger.exception("callback_failed", extra={**log, "attempts": event.attempts})
    record_callback(provider=event.provider.code, outcome=CallbackOutcome.FAILED)


def _handle(*, provider: Provider, results: tuple[ItemResult, ...]):
    if _callback_handler is None:
        raise RuntimeError("No callback handler registered (is the payments app installed?).")
    return _callback_handler(provider=provider, results=results)


def callback_retry_due(event: CallbackEvent, now: datetime.datetime) -> bool:
    """Whether an unprocessed event should be tried again now: five minutes after it arrived,
    then after 5, 10, 20… minutes (at most a day) since its last attempt, until it has had
    TROCAP_CALLBACK_MAX_ATTEMPTS; a permanently failing event is never tried in a hot loop."""
    if event.attempts >= settings.TROCAP_CALLBACK_MAX_ATTEMPTS:
        return False
    base = datetime.timedelta(seconds=settings.TROCAP_CALLBACK_RETRY_SECONDS)
    if event.last_attempt_at is None:
        return event.received_at <= now - base
    wait = min(base * 2 ** max(event.attempts - 1, 0), datetime.timedelta(days=1))
    return event.last_attempt_at <= now - wait


def callback_events_retry(now: datetime.datetime | None = None) -> int:
    """Process again the stored callbacks that are not processed and not refused: those whose
    processing raised, and those never verified (the process died, or an older release raised
    before recording it), as far as callback_retry_due allows. Returns how many were tried."""
    now = now or timezone.now()
    base = datetime.timedelta(seconds=settings.TROCAP_CALLBACK_RETRY_SECONDS)
    candidates = CallbackEvent.objects.filter(
        processed_at__isnull=True,
        attempts__lt=settings.TROCAP_CALLBACK_MAX_ATTEMPTS,
        received_at__lte=now - base,
    ).exclude(signature_valid=False)
    tried = 0
    for event in candidates.order_by("received_at").iterator():
        if callback_retry_due(event, now):
            callback_event_process(event=event)
            tried += 1
    return tried
