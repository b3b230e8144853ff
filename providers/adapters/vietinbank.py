"""VietinBank (bank BIN 970415): host-to-host bulk payment as a spreadsheet.

A batch goes up as an .xlsx file (sheet "Payments": one row per item; sheet "Control": the batch
reference, the bank BIN, the count and the sum the bank checks), and the results come back as an
.xlsx statement to download. Every request is signed: ``X-Signature: hex(HMAC-SHA256(secret,
message))``, the message being the body (the file bytes for an upload), or the request path when
there is no body. VietinBank sends no callbacks. The protocol is the one
``providers.mock.vietinbank`` serves.
"""

from __future__ import annotations

import io
import zipfile
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
    ProviderUnavailable,
    failure_reason_vi,
)
from providers.adapters.http import HttpAdapter, parse_amount, parse_paid_at

BANK_BIN = "970415"
BATCH_REFERENCE_HEADER = "X-Batch-Reference"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYMENT_COLUMNS = ("reference", "account_number", "account_name", "amount", "id_number")
STATEMENT_COLUMNS = ("reference", "status", "failure_code", "paid_at", "amount")
STATUSES = {"PAID": "paid", "FAILED": "failed"}


class VietinBankAdapter(HttpAdapter):
    """Talks to VietinBank (or its mock) over HTTP; see ``PaymentAdapter`` for the contract."""

    code = "VIETINBANK"
    label = "VietinBank"
    prefix = "/vietinbank"
    accept = f"application/json, {XLSX}"

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
            reference=batch.batch_reference,
        )
        return self._ack(batch, data)

    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """Download the batch's result statement (.xlsx) and read every item's result.

        Read-only. ``ProviderRejected`` (code ``UNKNOWN_BATCH``) if the bank never took it.
        """
        raw = self._send(
            "GET",
            f"/vietinbank/results/{quote(batch_reference, safe='')}",
            reference=batch_reference,
        )
        try:
            rows = self.statement_rows(raw)
        except ValueError as exc:
            raise ProviderUnavailable(f"VietinBank: unreadable statement: {exc}") from exc
        return BatchStatus(batch_reference=batch_reference, items=self._items(rows, "statement"))

    def lookup_payment(self, reference: str) -> ItemResult | None:
        """VietinBank's result for one item reference, ``None`` if it never received it."""
        return self._lookup("payments", reference)

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

    @staticmethod
    def _item(data: dict[str, Any]) -> ItemResult:
        """An ItemResult from the bank's {reference, status PAID/FAILED, failure_code, paid_at}."""
        status = STATUSES.get(str(data["status"]).upper())
        if status is None:
            raise ValueError(f"unknown status {data['status']!r}")
        code = str(data.get("failure_code") or "")
        paid_at = parse_paid_at(data.get("paid_at"))
        return ItemResult(
            reference=str(data["reference"]),
            status=status,
            failure_code=code,
            failure_reason_vi=failure_reason_vi(code),
            paid_at=paid_at if status == "paid" else None,
            amount=parse_amount(data.get("amount")),
        )
