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

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from providers.adapters.base import (
    ITEM_STATUSES,
    AccountCheck,
    BatchAck,
    BatchRequest,
    BatchStatus,
    ItemResult,
    failure_reason_vi,
)
from providers.adapters.http import HttpAdapter, parse_amount, parse_paid_at

CHANNELS = ("point", "home", "")


@dataclass(frozen=True)
class CashItemResult(ItemResult):
    """An ItemResult that also says where the cash was paid: "point" (the post office), "home",
    or "" (not paid, or not yet)."""

    channel: Literal["point", "home", ""] = ""


class VNPostAdapter(HttpAdapter):
    """Talks to VNPost (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VNPOST"
    label = "VNPost"
    prefix = "/vnpost"

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
        return self._ack(
            batch, self._json("POST", "/vnpost/lists", payload, reference=batch.batch_reference)
        )

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """The result of every item of the list: "pending" until the payment window is over,
        then "paid" or "unpaid". Read-only.

        ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if VNPost never took the list.
        """
        data = self._json(
            "GET", f"/vnpost/lists/{quote(batch_reference, safe='')}", reference=batch_reference
        )
        rows = data.get("items") if isinstance(data, dict) else None
        return BatchStatus(batch_reference=batch_reference, items=self._items(rows, "list status"))

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """VNPost's result for one item reference ("pending" during the window), ``None`` if it
        never received it."""
        return self._lookup("payments", reference)

    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """Verify the ``X-Signature`` HMAC of the body and parse {"items": [...]}. No I/O.

        Raises ``InvalidCallback`` on a missing or wrong signature or a malformed body.
        """
        return self._signed_callback_items(headers, body)

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
        paid_at = parse_paid_at(data.get("paid_at"))
        return CashItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at if status == "paid" else None,
            channel=channel if status == "paid" else "",
            amount=parse_amount(data.get("amount")),
        )
