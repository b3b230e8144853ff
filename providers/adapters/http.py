"""What the HTTP adapters share: signed requests, the mapping of HTTP failures to
ProviderUnavailable / ProviderRejected, acknowledgements, lookups and signed callbacks.

Every request is signed: ``X-Signature: hex(HMAC-SHA256(secret, message))``, the message being
the body, or the request path when there is no body.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from providers.adapters.base import (
    BatchAck,
    BatchRequest,
    InvalidCallback,
    ItemResult,
    PaymentAdapter,
    ProviderRejected,
    ProviderUnavailable,
    sign,
    signature_matches,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
JSON = "application/json; charset=utf-8"


# What a provider can have paid: from the first year of the system's calendar to its last
# (core.months), and at most a thousand billion đồng, far below what the database holds.
PAID_AT_YEARS = (1900, 2199)
MAX_AMOUNT = 10**15


def parse_paid_at(value: Any) -> datetime | None:
    """An aware datetime from ISO text; a time without a zone is a protocol error."""
    if not value:
        return None
    paid_at = datetime.fromisoformat(str(value))
    if paid_at.tzinfo is None:
        raise ValueError(f"paid_at without a time zone: {value!r}")
    if not PAID_AT_YEARS[0] <= paid_at.year <= PAID_AT_YEARS[1]:
        # Year 1 at +07:00 is year 0 in UTC: storing it would raise, and the event fail forever.
        raise ValueError(f"paid_at out of range: {value!r}")
    return paid_at


def parse_amount(value: Any) -> int | None:
    """Whole đồng from the provider's number ("1250000", 1250000 or 1250000.0); None if absent.
    A fraction of a đồng, a negative amount or one over MAX_AMOUNT is a protocol error."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(f"bad amount {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"bad amount {value!r}")
        value = int(value)
    amount = int(str(value))
    if not 0 <= amount <= MAX_AMOUNT:
        raise ValueError(f"bad amount {value!r}")
    return amount


class HttpAdapter(PaymentAdapter):
    """Base of the adapters that talk HTTP. Subclasses set ``label`` (for messages), ``prefix``
    (the provider's path prefix) and implement ``_item`` (the provider's item → ItemResult)."""

    label = ""
    prefix = ""
    accept = "application/json"

    @staticmethod
    def _item(data: dict[str, Any]) -> ItemResult:
        raise NotImplementedError

    # -- requests -------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        content_type: str = JSON,
        headers: dict[str, str] | None = None,
        reference: str = "",
    ) -> bytes:
        """Send one signed request and return the raw answer, or raise: ProviderUnavailable
        when the outcome is unknown (connection, timeout, 5xx), ProviderRejected on a 4xx.
        Each call is logged with its outcome and duration (``reference``: the batch it is
        about); never with the body, which holds account numbers."""
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={
                "Content-Type": content_type,
                "Accept": self.accept,
                SIGNATURE_HEADER: sign(self.secret, body or path.encode()),
                **(headers or {}),
            },
        )
        started = time.monotonic()
        log = {"provider": self.code, "method": method, "path": path, "batch_reference": reference}

        def done(status, level=logging.INFO) -> None:
            duration_ms = round((time.monotonic() - started) * 1000)
            logger.log(
                level, "provider_call", extra={**log, "status": status, "duration_ms": duration_ms}
            )

        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
                done(response.status)
                return answer
        except urllib.error.HTTPError as exc:
            done(exc.code, logging.WARNING)
            detail = self._error_detail(exc)
            code = str(detail.get("code", ""))
            message = (
                f"{self.label} {method} {path}: HTTP {exc.code} {code} {detail.get('message', '')}"
            )
            if exc.code >= 500:
                raise ProviderUnavailable(message, code=code, http_status=exc.code) from exc
            raise ProviderRejected(message, code=code, http_status=exc.code) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            done(type(exc).__name__, logging.WARNING)
            # Connection refused, DNS, reset, a cut-off answer, and timeouts (TimeoutError is
            # an OSError): the outcome is unknown, so the caller looks up before resending.
            raise ProviderUnavailable(f"{self.label} {method} {path}: {exc}") from exc

    def _json(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = JSON,
        headers: dict[str, str] | None = None,
        reference: str = "",
    ) -> Any:
        """Send one signed request (a JSON ``payload`` or a raw ``body``) and decode the JSON
        answer, or raise."""
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        raw = self._send(
            method, path, body, content_type=content_type, headers=headers, reference=reference
        )
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"{self.label} {method} {path}: answer is not JSON") from exc

    @staticmethod
    def _error_detail(exc: urllib.error.HTTPError) -> dict[str, Any]:
        try:
            detail = json.loads(exc.read())
        except (ValueError, OSError):
            return {}
        return detail if isinstance(detail, dict) else {}

    # -- shared answers -------------------------------------------------------------------------

    def _ack(self, batch: BatchRequest, data: Any) -> BatchAck:
        """The acknowledgement in a 202 answer. An unreadable one may hide a batch the provider
        took: ProviderUnavailable, so the caller looks it up rather than giving up."""
        try:
            return BatchAck(
                batch_reference=batch.batch_reference,
                provider_batch_id=str(data["provider_batch_id"]),
                accepted_count=int(data.get("accepted_count", len(batch.items))),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"{self.label}: unreadable acknowledgement: {data}") from exc

    def _items(self, rows: Any, what: str, item: Callable[[Any], ItemResult] | None = None):
        item = item or self._item
        try:
            return tuple(item(row) for row in rows)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"{self.label}: unreadable {what}: {exc}") from exc

    def _lookup(self, kind: str, reference: str) -> ItemResult | None:
        """GET ``<prefix>/<kind>/<reference>``; ``None`` only on the provider's own
        UNKNOWN_PAYMENT 404 (a wrong URL must not look like "never received")."""
        try:
            data = self._json("GET", f"{self.prefix}/{kind}/{quote(reference, safe='')}")
        except ProviderRejected as exc:
            if exc.http_status == 404 and exc.code == "UNKNOWN_PAYMENT":
                return None
            raise
        return self._items([data], "payment")[0]

    def callback_signed(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether the ``X-Signature`` header is the HMAC of the body with our secret."""
        signature = next(
            (value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()),
            "",
        )
        return signature_matches(self.secret, body, str(signature))

    def _signed_callback_items(
        self, headers: dict[str, str], body: bytes
    ) -> tuple[ItemResult, ...]:
        """Verify the ``X-Signature`` HMAC of the body and parse {"items": [...]}. No I/O.
        A body nested deeper than Python's decoder goes (``[`` x 100,000) is malformed too."""
        if not self.callback_signed(headers, body):
            raise InvalidCallback(f"{self.label} callback: bad signature", code="BAD_SIGNATURE")
        try:
            data = json.loads(body)
            return tuple(self._item(item) for item in data["items"])
        except RecursionError as exc:
            raise InvalidCallback(
                f"{self.label} callback: malformed body: nested too deep", code="MALFORMED"
            ) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidCallback(
                f"{self.label} callback: malformed body: {exc}", code="MALFORMED"
            ) from exc
