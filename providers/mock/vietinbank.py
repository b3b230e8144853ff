"""The mock VietinBank host-to-host bulk payment, mounted by the mock server under ``/vietinbank/``.

The bank takes a bulk-payment spreadsheet (.xlsx) and gives back a statement spreadsheet. Every
request carries ``X-Signature: hex(HMAC-SHA256(secret, message))`` where the message is the
request body (the file bytes for an upload), or the request path when there is no body. A bad
signature is answered 401 ``BAD_SIGNATURE``.

    POST /vietinbank/uploads            the .xlsx file; headers X-Batch-Reference, X-Signature
                                        → 202 {provider_batch_id, accepted_count}
    GET  /vietinbank/results/<ref>      → 200 the statement .xlsx (reference, status PAID/FAILED,
                                          failure_code, paid_at), or 404 UNKNOWN_BATCH (JSON)
    GET  /vietinbank/payments/<ref>     → {reference, status, failure_code, paid_at} or 404
    POST /vietinbank/accounts/check     {account_number, id_number}
                                        → {ok, account_name | failure_code}

The upload's sheet "Payments" has the header row ``reference, account_number, account_name,
amount, id_number`` and one row per item; its sheet "Control" holds ``batch_reference``,
``bank_bin``, ``count`` and ``sum`` (label in column A, value in column B). A count or sum that
does not match the rows is answered 400 ``CONTROL_MISMATCH``.

Outcomes are decided from the account number so tests can choose them: one ending in "91" is
ACCOUNT_CLOSED, "92" NAME_MISMATCH, anything else is paid, unless the configured random
``failure_rate`` fails it. Results are written to the ledger when the file is taken. A batch
reference sent again gets the original answer; an item reference is paid at most once across all
batches (the ledger's UNIQUE(provider, reference)).

This module deliberately does not import the application's adapter code: it plays the provider.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from openpyxl import Workbook, load_workbook

from providers.mock.base import BadRequest, MockProtocol, Response

if TYPE_CHECKING:
    pass

PROVIDER = "VIETINBANK"
PREFIX = "/vietinbank/"
BANK_BIN = "970415"
DEFAULT_SECRET = "mock-vietinbank-secret"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAILURE_BY_SUFFIX = {"91": "ACCOUNT_CLOSED", "92": "NAME_MISMATCH"}
RANDOM_FAILURES = ("ACCOUNT_CLOSED", "NAME_MISMATCH")
PAYMENT_COLUMNS = ("reference", "account_number", "account_name", "amount", "id_number")
STATEMENT_COLUMNS = ("reference", "status", "failure_code", "paid_at", "amount")


@dataclass(frozen=True)
class FileAnswer:
    """A non-JSON answer: the server sends ``body`` as is with ``content_type``."""

    body: bytes
    content_type: str
    filename: str


class VietinBankMock(MockProtocol):
    prefix = PREFIX
    provider = PROVIDER
    secret_env = "MOCK_VIETINBANK_SECRET"
    default_secret = DEFAULT_SECRET

    def route(self, method: str, route: list[str], headers: Any, body: bytes) -> Response | None:
        if method == "POST" and route == ["uploads"]:
            return self.upload(headers.get("X-Batch-Reference") or "", body)
        if method == "POST" and route == ["accounts", "check"]:
            return self.check_account(self.json(body))
        if method == "GET" and len(route) == 2 and route[0] == "results":
            return self.results(unquote(route[1]))
        if method == "GET" and len(route) == 2 and route[0] == "payments":
            return self.payment(unquote(route[1]))
        return None

    # -- the file ------------------------------------------------------------------------------

    @staticmethod
    def read_file(body: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The item rows and the control values of an uploaded workbook, or BadRequest."""
        try:
            workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise BadRequest("BAD_FILE", "The body is not an .xlsx workbook") from exc
        try:
            if "Payments" not in workbook.sheetnames or "Control" not in workbook.sheetnames:
                raise BadRequest("BAD_FILE", 'The workbook needs sheets "Payments" and "Control"')
            rows = list(workbook["Payments"].iter_rows(values_only=True))
            control = {
                str(row[0]): row[1]
                for row in workbook["Control"].iter_rows(values_only=True)
                if row and row[0] is not None and len(row) > 1
            }
        finally:
            workbook.close()
        if not rows or tuple(rows[0][: len(PAYMENT_COLUMNS)]) != PAYMENT_COLUMNS:
            raise BadRequest("BAD_FILE", f"The header row must be {', '.join(PAYMENT_COLUMNS)}")
        items = []
        for number, row in enumerate(rows[1:], start=2):
            if all(value is None for value in row):
                continue
            item = dict(zip(PAYMENT_COLUMNS, row, strict=False))
            amount = item.get("amount")
            if not isinstance(item.get("reference"), str) or not item["reference"]:
                raise BadRequest("BAD_ITEM", f"row {number}: reference is required")
            if not isinstance(item.get("account_number"), str) or not item["account_number"]:
                raise BadRequest("BAD_ITEM", f"row {number}: account_number must be text")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise BadRequest("BAD_ITEM", f"row {number}: amount must be positive")
            items.append(item)
        if not items:
            raise BadRequest("BAD_FILE", "The file has no payment rows")
        return items, control

    @staticmethod
    def workbook_bytes(title: str, header: tuple[str, ...], rows: list[tuple]) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    # -- the protocol ----------------------------------------------------------------------------

    def decide(self, account_number: str) -> str:
        """The failure code for an item ("" = paid): from the account, then the random rate."""
        return self.decide_by_suffix(account_number, FAILURE_BY_SUFFIX, RANDOM_FAILURES)

    def upload(self, batch_reference: str, body: bytes) -> Response:
        if not batch_reference:
            raise BadRequest("BAD_REQUEST", "The X-Batch-Reference header is required")
        return self.log_submission(batch_reference, lambda: self.take_file(batch_reference, body))

    def take_file(self, batch_reference: str, body: bytes) -> tuple[Response, bool]:
        """Take an uploaded file (or answer a replay with its original answer); the answer and
        whether it was a replay."""
        items, control = self.read_file(body)
        if str(control.get("batch_reference", batch_reference)) != batch_reference:
            raise BadRequest("BAD_FILE", "The file is for another batch reference")
        if str(control.get("bank_bin", BANK_BIN)) != BANK_BIN:
            raise BadRequest("BAD_FILE", f"The file is not for bank {BANK_BIN}")
        with self.store.lock, self.store.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            original = db.execute(
                "SELECT provider_batch_id, accepted_count FROM vietinbank_batches"
                " WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if original:
                return (HTTPStatus.ACCEPTED, dict(original)), True
            # Checked after the replay lookup: a replayed batch gets its original answer.
            self.check_control_totals(control.get("count"), control.get("sum"), items)
            provider_batch_id = "VTB-" + uuid.uuid4().hex[:16].upper()
            db.execute(
                "INSERT INTO vietinbank_batches"
                " (batch_reference, provider_batch_id, accepted_count, control_count,"
                " control_amount) VALUES (?, ?, ?, ?, ?)",
                (batch_reference, provider_batch_id, len(items), control["count"], control["sum"]),
            )
            for position, item in enumerate(items):
                code = self.decide(item["account_number"])
                # UNIQUE(provider, reference): a reference already in the ledger keeps its
                # original result and is not paid again.
                self.record(
                    db,
                    PROVIDER,
                    item["reference"],
                    item["account_number"],
                    item["amount"],
                    "failed" if code else "paid",
                    code,
                )
                db.execute(
                    "INSERT OR IGNORE INTO vietinbank_batch_items"
                    " (batch_reference, position, reference) VALUES (?, ?, ?)",
                    (batch_reference, position, item["reference"]),
                )
        return (
            HTTPStatus.ACCEPTED,
            {"provider_batch_id": provider_batch_id, "accepted_count": len(items)},
        ), False

    @staticmethod
    def item(row: Any) -> dict[str, Any]:
        paid = row["status"] == "paid"
        return {
            "reference": row["reference"],
            "status": "PAID" if paid else "FAILED",
            "failure_code": row["reason"],
            "paid_at": row["created_at"] if paid else None,
            "amount": row["amount"],
        }

    def results(self, batch_reference: str) -> Response:
        with self.store.connect() as db:
            batch = db.execute(
                "SELECT provider_batch_id FROM vietinbank_batches WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if batch is None:
                raise BadRequest(
                    "UNKNOWN_BATCH", f"No batch {batch_reference}", HTTPStatus.NOT_FOUND
                )
            rows = db.execute(
                "SELECT l.* FROM vietinbank_batch_items b JOIN ledger l"
                " ON l.provider = ? AND l.reference = b.reference"
                " WHERE b.batch_reference = ? ORDER BY b.position",
                (PROVIDER, batch_reference),
            ).fetchall()
        statement = [
            tuple(self.item(row)[column] or "" for column in STATEMENT_COLUMNS) for row in rows
        ]
        return HTTPStatus.OK, FileAnswer(
            body=self.workbook_bytes("Statement", STATEMENT_COLUMNS, statement),
            content_type=XLSX,
            filename=f"{batch['provider_batch_id']}.xlsx",
        )

    def payment(self, reference: str) -> Response:
        with self.store.connect() as db:
            row = db.execute(
                "SELECT * FROM ledger WHERE provider = ? AND reference = ?", (PROVIDER, reference)
            ).fetchone()
        if row is None:
            raise BadRequest("UNKNOWN_PAYMENT", f"No payment {reference}", HTTPStatus.NOT_FOUND)
        return HTTPStatus.OK, self.item(row)

    def check_account(self, data: dict[str, Any]) -> Response:
        account, id_number = data.get("account_number"), data.get("id_number")
        if not isinstance(account, str) or not isinstance(id_number, str):
            raise BadRequest("BAD_REQUEST", "account_number and id_number are required")
        code = FAILURE_BY_SUFFIX.get(account[-2:], "")
        if code:
            return HTTPStatus.OK, {"ok": False, "failure_code": code}
        return HTTPStatus.OK, {"ok": True, "account_name": f"CHU TAI KHOAN {account[-4:]}"}
