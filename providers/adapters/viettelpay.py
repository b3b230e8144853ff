"""Viettel Pay (Viettel Money e-wallets): JSON over HTTP, items keyed by mobile number.

Every request is signed: ``X-Signature: hex(HMAC-SHA256(secret, message))``, the message being
the JSON body, or the request path when there is no body. Callbacks are signed the same way
over their body. The protocol is the one ``providers.mock.viettelpay`` serves.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import quote

from providers.adapters.base import (
    ITEM_STATUSES,
    AccountCheck,
    BatchAck,
    BatchRequest,
    BatchStatus,
    InvalidCallback,
    ItemResult,
    PaymentAdapter,
    ProviderRejected,
    ProviderUnavailable,
    failure_reason_vi,
    sign,
    signature_matches,
)

SIGNATURE_HEADER = "X-Signature"


class ViettelPayAdapter(PaymentAdapter):
    """Talks to Viettel Pay (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VIETTELPAY"

    # -- the interface --------------------------------------------------------------------------

    def validate_account(self, account_number: str, holder_id_number: str) -> AccountCheck:
        """Ask whether the wallet of ``account_number`` (a mobile number) can be paid.

        No money moves; a wallet the provider refuses is ``AccountCheck(ok=False)``.
        """
        data = self._request(
            "POST",
            "/viettelpay/accounts/check",
            {"msisdn": account_number, "id_number": holder_id_number},
        )
        if data.get("ok") is True:
            return AccountCheck(ok=True, holder_name=str(data.get("holder_name", "")))
        code = str(data.get("failure_code", ""))
        return AccountCheck(ok=False, failure_code=code, failure_reason_vi=failure_reason_vi(code))

    def submit_batch(self, batch: BatchRequest) -> BatchAck:
        """POST the batch; Viettel Pay pays the items and answers 202 with its batch id.

        Resending the same ``batch_reference`` returns the original acknowledgement and pays
        nothing again. Control totals are sent as given and checked by the provider
        (``ProviderRejected`` with code ``CONTROL_MISMATCH``).
        """
        payload = {
            "batch_reference": batch.batch_reference,
            "control_count": batch.control_count,
            "control_amount": batch.control_amount,
            "items": [
                {
                    "reference": item.reference,
                    "amount": item.amount,
                    "msisdn": item.account_number,
                    "payee_name": item.payee_name,
                    "payee_id_number": item.payee_id_number,
                }
                for item in batch.items
            ],
        }
        data = self._request("POST", "/viettelpay/batches", payload)
        try:
            return BatchAck(
                batch_reference=batch.batch_reference,
                provider_batch_id=str(data["provider_batch_id"]),
                accepted_count=int(data["accepted_count"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            # The provider may have taken the batch: the caller must look it up, not give up.
            raise ProviderUnavailable(f"Viettel Pay: unreadable acknowledgement: {data}") from exc

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """The result of every item of the batch. Read-only.

        ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if Viettel Pay never took the batch.
        """
        data = self._request("GET", f"/viettelpay/batches/{quote(batch_reference, safe='')}")
        try:
            items = tuple(self._item(item) for item in data["items"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"Viettel Pay: unreadable batch status: {data}") from exc
        return BatchStatus(batch_reference=batch_reference, items=items)

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """Viettel Pay's result for one item reference, ``None`` if it never received it."""
        try:
            data = self._request("GET", f"/viettelpay/payments/{quote(reference, safe='')}")
        except ProviderRejected as exc:
            # Only the provider's own "no such payment" means None; a wrong URL must not.
            if exc.http_status == 404 and exc.code == "UNKNOWN_PAYMENT":
                return None
            raise
        try:
            return self._item(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"Viettel Pay: unreadable payment: {data}") from exc

    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """Verify the ``X-Signature`` HMAC of the body and parse {"items": [...]}. No I/O.

        Raises ``InvalidCallback`` on a missing or wrong signature or a malformed body.
        """
        signature = next(
            (value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()),
            "",
        )
        if not signature_matches(self.secret, body, signature):
            raise InvalidCallback("Viettel Pay callback: bad signature", code="BAD_SIGNATURE")
        try:
            data = json.loads(body)
            return tuple(self._item(item) for item in data["items"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidCallback(
                f"Viettel Pay callback: malformed body: {exc}", code="MALFORMED"
            ) from exc

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """Send one signed request and return the decoded JSON answer, or raise."""
        body = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            if payload is not None
            else b""
        )
        request = urllib.request.Request(
            self.base_url + path,
            data=body if payload is not None else None,
            method=method,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                SIGNATURE_HEADER: sign(self.secret, body or path.encode()),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = self._error_detail(exc)
            code = str(detail.get("code", ""))
            message = (
                f"Viettel Pay {method} {path}: HTTP {exc.code} {code} {detail.get('message', '')}"
            )
            if exc.code >= 500:
                raise ProviderUnavailable(message, code=code, http_status=exc.code) from exc
            raise ProviderRejected(message, code=code, http_status=exc.code) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Connection refused, DNS, reset, a cut-off answer, and timeouts (TimeoutError is
            # an OSError): the outcome is unknown, so the caller looks up before resending.
            raise ProviderUnavailable(f"Viettel Pay {method} {path}: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"Viettel Pay {method} {path}: answer is not JSON") from exc

    @staticmethod
    def _error_detail(exc: urllib.error.HTTPError) -> dict[str, Any]:
        try:
            detail = json.loads(exc.read())
        except (ValueError, OSError):
            return {}
        return detail if isinstance(detail, dict) else {}

    @staticmethod
    def _item(data: dict[str, Any]) -> ItemResult:
        """An ItemResult from the provider's {reference, status, failure_code, paid_at}."""
        status = data["status"]
        if status not in ITEM_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        code = str(data.get("failure_code") or "")
        paid_at = datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None
        if paid_at is not None and paid_at.tzinfo is None:
            raise ValueError(f"paid_at without a time zone: {data['paid_at']!r}")
        return ItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at,
        )
