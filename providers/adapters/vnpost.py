"""VNPost (Bưu điện Việt Nam): cash through the post office.

A batch goes as a cash list (JSON): one line per payee, who collects the money at the commune's
post office or is paid at home. The results are known only after the payment window: until then
every item is "pending"; then each is "paid" (at the point or at home) or "unpaid" (the payee did
not come, NOT_COLLECTED). A cash list never has "failed" items: an uncollected payment is carried
over, not refused. Requests and callbacks are signed as Viettel Pay's are: ``X-Signature:
hex(HMAC-SHA256(secret, message))``, the message being the JSON body, or the request path when
there is no body. The protocol is the one ``providers.mock.vnpost`` serves.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
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
CHANNELS = ("point", "home", "")


@dataclass(frozen=True)
class CashItemResult(ItemResult):
    """An ItemResult that also says where the cash was paid: "point" (the post office), "home",
    or "" (not paid, or not yet)."""

    channel: Literal["point", "home", ""] = ""


class VNPostAdapter(PaymentAdapter):
    """Talks to VNPost (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VNPOST"

    # -- the interface --------------------------------------------------------------------------

    def validate_account(self, account_number: str, holder_id_number: str) -> AccountCheck:
        """Cash needs no account: always ``AccountCheck(ok=True)``. No I/O."""
        return AccountCheck(ok=True)

    def submit_batch(self, batch: BatchRequest) -> BatchAck:
        """POST the cash list; VNPost answers 202 with its list id and pays during its window.

        Resending the same ``batch_reference`` returns the original acknowledgement and pays
        nothing again. Control totals are sent as given and checked by VNPost
        (``ProviderRejected`` with code ``CONTROL_MISMATCH``). A cash line has no account
        number; if the caller put one there (e.g. the commune code) it goes as ``commune_code``.
        """
        payload = {
            "batch_reference": batch.batch_reference,
            "control_count": batch.control_count,
            "control_amount": batch.control_amount,
            "items": [
                {
                    "reference": item.reference,
                    "amount": item.amount,
                    "payee_name": item.payee_name,
                    "payee_id_number": item.payee_id_number,
                    "commune_code": item.account_number,
                }
                for item in batch.items
            ],
        }
        data = self._request("POST", "/vnpost/lists", payload)
        try:
            return BatchAck(
                batch_reference=batch.batch_reference,
                provider_batch_id=str(data["provider_batch_id"]),
                accepted_count=int(data["accepted_count"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            # VNPost may have taken the list: the caller must look it up, not give up.
            raise ProviderUnavailable(f"VNPost: unreadable acknowledgement: {data}") from exc

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """The result of every item of the list: "pending" until the payment window is over,
        then "paid" or "unpaid". Read-only.

        ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if VNPost never took the list.
        """
        data = self._request("GET", f"/vnpost/lists/{quote(batch_reference, safe='')}")
        try:
            items = tuple(self._item(item) for item in data["items"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"VNPost: unreadable list status: {data}") from exc
        return BatchStatus(batch_reference=batch_reference, items=items)

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """VNPost's result for one item reference ("pending" during the window), ``None`` if it
        never received it."""
        try:
            data = self._request("GET", f"/vnpost/payments/{quote(reference, safe='')}")
        except ProviderRejected as exc:
            # Only VNPost's own "no such payment" means None; a wrong URL must not.
            if exc.http_status == 404 and exc.code == "UNKNOWN_PAYMENT":
                return None
            raise
        try:
            return self._item(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"VNPost: unreadable payment: {data}") from exc

    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """Verify the ``X-Signature`` HMAC of the body and parse {"items": [...]}. No I/O.

        Raises ``InvalidCallback`` on a missing or wrong signature or a malformed body.
        """
        signature = next(
            (value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()),
            "",
        )
        if not signature_matches(self.secret, body, signature):
            raise InvalidCallback("VNPost callback: bad signature", code="BAD_SIGNATURE")
        try:
            data = json.loads(body)
            return tuple(self._item(item) for item in data["items"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidCallback(
                f"VNPost callback: malformed body: {exc}", code="MALFORMED"
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
            message = f"VNPost {method} {path}: HTTP {exc.code} {code} {detail.get('message', '')}"
            if exc.code >= 500:
                raise ProviderUnavailable(message, code=code, http_status=exc.code) from exc
            raise ProviderRejected(message, code=code, http_status=exc.code) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Connection refused, DNS, reset, a cut-off answer, and timeouts (TimeoutError is
            # an OSError): the outcome is unknown, so the caller looks up before resending.
            raise ProviderUnavailable(f"VNPost {method} {path}: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"VNPost {method} {path}: answer is not JSON") from exc

    @staticmethod
    def _error_detail(exc: urllib.error.HTTPError) -> dict[str, Any]:
        try:
            detail = json.loads(exc.read())
        except (ValueError, OSError):
            return {}
        return detail if isinstance(detail, dict) else {}

    @staticmethod
    def _item(data: dict[str, Any]) -> CashItemResult:
        """A CashItemResult from VNPost's {reference, status, failure_code, paid_at, channel}."""
        status = data["status"]
        # Cash is collected or not: a "failed" item would be a protocol error.
        if status not in ITEM_STATUSES or status == "failed":
            raise ValueError(f"unknown status {status!r}")
        channel = str(data.get("channel") or "")
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        code = str(data.get("failure_code") or "")
        paid_at = datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None
        if paid_at is not None and paid_at.tzinfo is None:
            raise ValueError(f"paid_at without a time zone: {data['paid_at']!r}")
        return CashItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at if status == "paid" else None,
            channel=channel if status == "paid" else "",
        )
