"""The provider layer's writes: building a provider's adapter and the callback inbox.

The payment workflow that uses the adapters (sending batches, polling, applying results) is
``payments.dispatch``, one layer up: nothing here imports payments. A verified callback's results
reach payments through the handler payments registers in its ``AppConfig.ready``
(``callback_handler_register``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from providers.adapters import InvalidCallback, ItemResult, PaymentAdapter, adapter_class
from providers.models import CallbackEvent, Provider


class NoAdapter(Exception):
    """The provider has no adapter configured in this installation yet."""


def adapter_for(provider: Provider) -> PaymentAdapter:
    """The provider's adapter, built from its dotted path and TROCAP_PROVIDERS."""
    config = settings.TROCAP_PROVIDERS.get(provider.code)
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

CallbackHandler = Callable[..., object]
"""``handler(*, provider, results)``: applies a verified callback's item results."""

_callback_handler: CallbackHandler | None = None


def callback_handler_register(handler: CallbackHandler) -> None:
    """Set the one function that applies a verified callback's results (payments registers
    ``payments.dispatch.callback_results_apply`` in its AppConfig.ready). It is called as
    ``handler(provider=..., results=...)``; whatever it raises marks the event failed."""
    global _callback_handler
    _callback_handler = handler


def callback_receive(
    *, provider_code: str, headers: dict[str, str], body: bytes, remote_addr: str | None
) -> CallbackEvent:
    """Store a provider's callback exactly as received, then trust it only if its signature
    holds, then hand its results to the registered handler (which applies them idempotently).
    A callback with a bad signature is kept (for audit) and applies nothing. Returns the stored
    CallbackEvent."""
    provider = Provider.objects.get(code=provider_code)
    event = CallbackEvent.objects.create(
        provider=provider,
        remote_addr=remote_addr,
        headers={k: v for k, v in headers.items() if k.lower().startswith(("x-", "content-"))},
        body=body.decode("utf-8", errors="replace"),
    )
    try:
        results = adapter_for(provider).parse_callback(headers, body)
    except InvalidCallback as exc:
        CallbackEvent.objects.filter(pk=event.pk).update(
            signature_valid=False, error=str(exc)[:2000]
        )
        event.refresh_from_db()
        return event
    _handle(provider=provider, results=results)
    CallbackEvent.objects.filter(pk=event.pk).update(
        signature_valid=True, processed_at=timezone.now()
    )
    event.refresh_from_db()
    return event


def _handle(*, provider: Provider, results: tuple[ItemResult, ...]) -> None:
    if _callback_handler is None:
        raise RuntimeError("No callback handler registered (is the payments app installed?).")
    _callback_handler(provider=provider, results=results)
