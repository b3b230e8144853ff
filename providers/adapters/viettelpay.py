"""Viettel Pay (Viettel Money e-wallets): JSON over HTTP, items keyed by mobile number.

Requests and callbacks are signed (see ``providers.adapters.http``). The protocol is the one
``providers.mock.viettelpay`` serves.
"""

from __future__ import annotations

from typing import Any
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


class ViettelPayAdapter(HttpAdapter):
    """Talks to Viettel Pay (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VIETTELPAY"
    label = "Viettel Pay"
    prefix = "/viettelpay"

    # -- the interface --------------------------------------------------------------------------

    def validate_account(self, account_number: str, holder_id_number: str) -> AccountCheck:
        """Ask whether the wallet of ``account_number`` (a mobile number) can be paid.

        No money moves; a wallet the provider refuses is ``AccountCheck(ok=False)``.
        """
        data = self._json(
            "POST",
            "/viettelpay/accounts/check",
            {"msisdn": account_number, "id_number": holder_id_number},
        )
        if data.get("ok") is True:
            return AccountCheck(ok=True, holder_name=str(data.get("holder_name", "")))
        code = str(data.get("failure_code", ""))
        return AccountCheck(ok=False, failure_code=code, failure_reason_vi=failure_reason_vi(code))

    def submit_batch(self, batch: BatchRequest) -> BatchAck:
        """POST the batch; Viettel Pay answers 202 with its batch id and pays the items, now or
        a little later (until then they are "pending").

        Resending the same ``batch_reference`` returns the original acknowledgement and pays
        nothing again. Control totals are sent as given and checked by the provider
        (``ProviderRejected`` with code ``CONTROL_MISMATCH``). With a ``callback_url`` Viettel
        Pay also POSTs the results there, signed, once they are decided.
        """
        payload: dict[str, Any] = {
            "batch_reference": batch.batch_reference,
            "control_count": batch.control_count,
            "control_amount": batch.control_amount,
        }
        if self.callback_url:
            payload["callback_url"] = self.callback_url
        payload["items"] = [
            {
                "reference": item.reference,
                "amount": item.amount,
                "msisdn": item.account_number,
                "payee_name": item.payee_name,
                "payee_id_number": item.payee_id_number,
            }
            for item in batch.items
        ]
        return self._ack(
            batch,
            self._json("POST", "/viettelpay/batches", payload, reference=batch.batch_reference),
        )

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """The result of every item of the batch. Read-only.

        ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if Viettel Pay never took the batch.
        """
        data = self._json(
            "GET",
            f"/viettelpay/batches/{quote(batch_reference, safe='')}",
            reference=batch_reference,
        )
        rows = data.get("items") if isinstance(data, dict) else None
        return BatchStatus(batch_reference=batch_reference, items=self._items(rows, "batch status"))

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """Viettel Pay's result for one item reference, ``None`` if it never received it."""
        return self._lookup("payments", reference)

    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """Verify the ``X-Signature`` HMAC of the body and parse {"items": [...]}. No I/O.

        Raises ``InvalidCallback`` on a missing or wrong signature or a malformed body.
        """
        return self._signed_callback_items(headers, body)

    @staticmethod
    def _item(data: dict[str, Any]) -> ItemResult:
        """An ItemResult from the provider's {reference, status, failure_code, paid_at}."""
        status = data["status"]
        if status not in ITEM_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        code = str(data.get("failure_code") or "")
        paid_at = parse_paid_at(data.get("paid_at"))
        return ItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at,
            amount=parse_amount(data.get("amount")),
        )
