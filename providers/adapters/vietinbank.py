"""VietinBank (bank BIN 970415): host-to-host bulk payment as a spreadsheet.

A batch goes up as an .xlsx file (sheet "Payments": one row per item; sheet "Control": the batch
reference, the bank BIN, the count and the sum the bank checks), and the results come back as an
.xlsx statement to download. Every request is signed: ``X-Signature: hex(HMAC-SHA256(secret,
message))``, the message being the body (the file bytes for an upload), or the request path when
there is no body. VietinBank sends no callbacks. The protocol is the one
``providers.mock.vietinbank`` serves.
"""

from __future__ import annotations

import http.client
import io
import json
import urllib.error
import urllib.request
import zipfile
from datetime import datetime
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook, load_workbook

from providers.adapters.base import (
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
)

BANK_BIN = "970415"
SIGNATURE_HEADER = "X-Signature"
BATCH_REFERENCE_HEADER = "X-Batch-Reference"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYMENT_COLUMNS = ("reference", "account_number", "account_name", "amount", "id_number")
STATEMENT_COLUMNS = ("reference", "status", "failure_code", "paid_at")
STATUSES = {"PAID": "paid", "FAILED": "failed"}


class VietinBankAdapter(PaymentAdapter):
    """Talks to VietinBank (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VIETINBANK"

    # -- the interface --------------------------------------------------------------------------

    def validate_account(self, account_number: str, holder_id_number: str) -> AccountCheck:
        """Ask whether the bank account can receive payments, and in whose name.

        No money moves; an account the bank refuses (closed, name mismatch) is
        ``AccountCheck(ok=False)``.
        """
        data = self._json(
            "POST",
            "/vietinbank/accounts/check",
            {"account_number": account_number, "id_number": holder_id_number},
        )
        if data.get("ok") is True:
            return AccountCheck(ok=True, holder_name=str(data.get("account_name", "")))
        code = str(data.get("failure_code", ""))
        return AccountCheck(ok=False, failure_code=code, failure_reason_vi=failure_reason_vi(code))

    def submit_batch(self, batch: BatchRequest) -> BatchAck:
        """Upload the batch as a bulk-payment .xlsx; the bank answers 202 with its batch id.

        Uploading the same ``batch_reference`` again returns the original acknowledgement and
        pays nothing again. The control totals are written into the file as given and checked by
        the bank (``ProviderRejected`` with code ``CONTROL_MISMATCH``).
        """
        data = self._json(
            "POST",
            "/vietinbank/uploads",
            body=self.payment_file(batch),
            content_type=XLSX,
            headers={BATCH_REFERENCE_HEADER: batch.batch_reference},
        )
        try:
            return BatchAck(
                batch_reference=batch.batch_reference,
                provider_batch_id=str(data["provider_batch_id"]),
                accepted_count=int(data.get("accepted_count", len(batch.items))),
            )
        except (KeyError, TypeError, ValueError) as exc:
            # The bank may have taken the file: the caller must look it up, not give up.
            raise ProviderUnavailable(f"VietinBank: unreadable acknowledgement: {data}") from exc

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """Download the batch's result statement (.xlsx) and read every item's result.

        Read-only. ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if the bank never took it.
        """
        raw = self._request("GET", f"/vietinbank/results/{quote(batch_reference, safe='')}")
        try:
            items = tuple(self._item(row) for row in self.statement_rows(raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"VietinBank: unreadable statement: {exc}") from exc
        return BatchStatus(batch_reference=batch_reference, items=items)

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """VietinBank's result for one item reference, ``None`` if it never received it."""
        try:
            data = self._json("GET", f"/vietinbank/payments/{quote(reference, safe='')}")
        except ProviderRejected as exc:
            # Only the bank's own "no such payment" means None; a wrong URL must not.
            if exc.http_status == 404 and exc.code == "UNKNOWN_PAYMENT":
                return None
            raise
        try:
            return self._item(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(f"VietinBank: unreadable payment: {data}") from exc

    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """VietinBank sends no callbacks (results come as a statement file): always raises
        ``InvalidCallback``."""
        raise InvalidCallback("VietinBank sends no callbacks", code="NO_CALLBACKS")

    # -- the files ------------------------------------------------------------------------------

    @staticmethod
    def payment_file(batch: BatchRequest) -> bytes:
        """The bulk-payment workbook of a batch, as bytes (built in memory)."""
        workbook = Workbook()
        payments = workbook.active
        payments.title = "Payments"
        payments.append(PAYMENT_COLUMNS)
        for item in batch.items:
            payments.append(
                (
                    item.reference,
                    item.account_number,
                    item.payee_name,
                    item.amount,
                    item.payee_id_number,
                )
            )
        # Account and ID numbers are text: keep their leading zeros.
        for column in ("B", "E"):
            for cell in payments[column]:
                cell.number_format = "@"
        control = workbook.create_sheet("Control")
        control.append(("batch_reference", batch.batch_reference))
        control.append(("bank_bin", BANK_BIN))
        control.append(("count", batch.control_count))
        control.append(("sum", batch.control_amount))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def statement_rows(raw: bytes) -> list[dict[str, Any]]:
        """The rows of a result statement as dicts keyed by ``STATEMENT_COLUMNS``."""
        try:
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise ValueError("the statement is not an .xlsx workbook") from exc
        try:
            rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
        if not rows or tuple(rows[0][: len(STATEMENT_COLUMNS)]) != STATEMENT_COLUMNS:
            raise ValueError(f"the statement's header is not {', '.join(STATEMENT_COLUMNS)}")
        return [
            dict(zip(STATEMENT_COLUMNS, row, strict=False))
            for row in rows[1:]
            if any(value not in (None, "") for value in row)
        ]

    # -- HTTP -----------------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one signed request and return the decoded JSON answer, or raise."""
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        raw = self._request(method, path, body, content_type=content_type, headers=headers)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"VietinBank {method} {path}: answer is not JSON") from exc

    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """Send one signed request and return the raw answer, or raise."""
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={
                "Content-Type": content_type,
                "Accept": f"application/json, {XLSX}",
                SIGNATURE_HEADER: sign(self.secret, body or path.encode()),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = self._error_detail(exc)
            code = str(detail.get("code", ""))
            message = (
                f"VietinBank {method} {path}: HTTP {exc.code} {code} {detail.get('message', '')}"
            )
            if exc.code >= 500:
                raise ProviderUnavailable(message, code=code, http_status=exc.code) from exc
            raise ProviderRejected(message, code=code, http_status=exc.code) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Connection refused, DNS, reset, a cut-off answer, and timeouts (TimeoutError is
            # an OSError): the outcome is unknown, so the caller looks up before resending.
            raise ProviderUnavailable(f"VietinBank {method} {path}: {exc}") from exc

    @staticmethod
    def _error_detail(exc: urllib.error.HTTPError) -> dict[str, Any]:
        try:
            detail = json.loads(exc.read())
        except (ValueError, OSError):
            return {}
        return detail if isinstance(detail, dict) else {}

    @staticmethod
    def _item(data: dict[str, Any]) -> ItemResult:
        """An ItemResult from the bank's {reference, status PAID/FAILED, failure_code, paid_at}."""
        status = STATUSES.get(str(data["status"]).upper())
        if status is None:
            raise ValueError(f"unknown status {data['status']!r}")
        code = str(data.get("failure_code") or "")
        paid_at = datetime.fromisoformat(str(data["paid_at"])) if data.get("paid_at") else None
        if paid_at is not None and paid_at.tzinfo is None:
            raise ValueError(f"paid_at without a time zone: {data['paid_at']!r}")
        return ItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at if status == "paid" else None,
        )
