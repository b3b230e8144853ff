"""The mock Viettel Pay protocol, mounted by the mock server under ``/viettelpay/``.

JSON over HTTP. Every request carries ``X-Signature: hex(HMAC-SHA256(secret, message))`` where
the message is the request body, or the request path (with its query) when there is no body.
A bad signature is answered 401 ``BAD_SIGNATURE``.

    POST /viettelpay/batches            {batch_reference, control_count, control_amount,
                                         items: [{reference, amount, msisdn, payee_name,
                                                  payee_id_number}]}
                                        → 202 {provider_batch_id, accepted_count}
    GET  /viettelpay/batches/<ref>      → {batch_reference, items: [{reference, status,
                                                                     failure_code, paid_at}]}
    GET  /viettelpay/payments/<ref>     → {reference, status, failure_code, paid_at} or 404
    POST /viettelpay/accounts/check     {msisdn, id_number} → {ok, holder_name | failure_code}

Outcomes are decided from the msisdn so tests can choose them: a number ending in "01" is
UNREGISTERED, "02" NAME_ID_MISMATCH, "03" WALLET_LOCKED, "04" LIMIT_EXCEEDED, anything else is
paid, unless the configured random ``failure_rate`` fails it. Results are written to the ledger
when the batch is taken (synchronously). A batch reference sent again gets the original answer;
an item reference is paid at most once across all batches (the ledger's UNIQUE(provider,
reference)), a repeated one is answered with its original result.

This module deliberately does not import the application's adapter code: it plays the provider.
"""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from providers.mock.base import BadRequest, MockProtocol, Response

PROVIDER = "VIETTELPAY"
PREFIX = "/viettelpay/"
DEFAULT_SECRET = "mock-viettelpay-secret"
FAILURE_BY_SUFFIX = {
    "01": "UNREGISTERED",
    "02": "NAME_ID_MISMATCH",
    "03": "WALLET_LOCKED",
    "04": "LIMIT_EXCEEDED",
}
RANDOM_FAILURES = ("WALLET_LOCKED", "LIMIT_EXCEEDED")
ITEM_FIELDS = ("reference", "amount", "msisdn", "payee_name", "payee_id_number")


class ViettelPayMock(MockProtocol):
    prefix = PREFIX
    secret_env = "MOCK_VIETTELPAY_SECRET"
    default_secret = DEFAULT_SECRET

    def route(self, method: str, route: list[str], headers: Any, body: bytes) -> Response | None:
        if method == "POST" and route == ["batches"]:
            return self.submit_batch(self.json(body))
        if method == "POST" and route == ["accounts", "check"]:
            return self.check_account(self.json(body))
        if method == "GET" and len(route) == 2 and route[0] == "batches":
            return self.batch_status(unquote(route[1]))
        if method == "GET" and len(route) == 2 and route[0] == "payments":
            return self.payment(unquote(route[1]))
        return None

    # -- the protocol ----------------------------------------------------------------------------

    def decide(self, msisdn: str) -> str:
        """The failure code for an item ("" = paid): from the msisdn, then the random rate."""
        return self.decide_by_suffix(msisdn, FAILURE_BY_SUFFIX, RANDOM_FAILURES)

    def submit_batch(self, data: dict[str, Any]) -> Response:
        batch_reference = data.get("batch_reference")
        items = data.get("items")
        if not isinstance(batch_reference, str) or not batch_reference:
            raise BadRequest("BAD_REQUEST", "batch_reference is required")
        if not isinstance(items, list) or not items:
            raise BadRequest("BAD_REQUEST", "items must be a non-empty list")
        for item in items:
            if not isinstance(item, dict) or any(name not in item for name in ITEM_FIELDS):
                raise BadRequest("BAD_ITEM", f"every item needs {', '.join(ITEM_FIELDS)}")
            amount = item["amount"]
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise BadRequest("BAD_ITEM", f"{item['reference']}: amount must be positive")
        with self.store.lock, self.store.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            original = db.execute(
                "SELECT provider_batch_id, accepted_count FROM viettelpay_batches"
                " WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if original:
                return HTTPStatus.ACCEPTED, dict(original)
            # Checked after the replay lookup: a replayed batch gets its original answer.
            self.check_control_totals(data.get("control_count"), data.get("control_amount"), items)
            provider_batch_id = "VTP-" + uuid.uuid4().hex[:16].upper()
            db.execute(
                "INSERT INTO viettelpay_batches"
                " (batch_reference, provider_batch_id, accepted_count, control_count,"
                " control_amount) VALUES (?, ?, ?, ?, ?)",
                (
                    batch_reference,
                    provider_batch_id,
                    len(items),
                    data["control_count"],
                    data["control_amount"],
                ),
            )
            for position, item in enumerate(items):
                code = self.decide(str(item["msisdn"]))
                self.record(
                    db,
                    PROVIDER,
                    item["reference"],
                    str(item["msisdn"]),
                    item["amount"],
                    "failed" if code else "paid",
                    code,
                )
                db.execute(
                    "INSERT OR IGNORE INTO viettelpay_batch_items"
                    " (batch_reference, position, reference) VALUES (?, ?, ?)",
                    (batch_reference, position, item["reference"]),
                )
        return HTTPStatus.ACCEPTED, {
            "provider_batch_id": provider_batch_id,
            "accepted_count": len(items),
        }

    @staticmethod
    def item(row: Any) -> dict[str, Any]:
        return {
            "reference": row["reference"],
            "status": row["status"],
            "failure_code": row["reason"],
            "paid_at": row["created_at"] if row["status"] == "paid" else None,
        }

    def batch_status(self, batch_reference: str) -> Response:
        with self.store.connect() as db:
            batch = db.execute(
                "SELECT provider_batch_id FROM viettelpay_batches WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if batch is None:
                raise BadRequest(
                    "UNKNOWN_BATCH", f"No batch {batch_reference}", HTTPStatus.NOT_FOUND
                )
            rows = db.execute(
                "SELECT l.* FROM viettelpay_batch_items b JOIN ledger l"
                " ON l.provider = ? AND l.reference = b.reference"
                " WHERE b.batch_reference = ? ORDER BY b.position",
                (PROVIDER, batch_reference),
            ).fetchall()
        return HTTPStatus.OK, {
            "batch_reference": batch_reference,
            "provider_batch_id": batch["provider_batch_id"],
            "items": [self.item(row) for row in rows],
        }

    def payment(self, reference: str) -> Response:
        with self.store.connect() as db:
            row = db.execute(
                "SELECT * FROM ledger WHERE provider = ? AND reference = ?", (PROVIDER, reference)
            ).fetchone()
        if row is None:
            raise BadRequest("UNKNOWN_PAYMENT", f"No payment {reference}", HTTPStatus.NOT_FOUND)
        return HTTPStatus.OK, self.item(row)

    def check_account(self, data: dict[str, Any]) -> Response:
        msisdn, id_number = data.get("msisdn"), data.get("id_number")
        if not isinstance(msisdn, str) or not isinstance(id_number, str):
            raise BadRequest("BAD_REQUEST", "msisdn and id_number are required")
        code = FAILURE_BY_SUFFIX.get(msisdn[-2:], "")
        # A transaction limit says nothing about the wallet itself.
        if code and code != "LIMIT_EXCEEDED":
            return HTTPStatus.OK, {"ok": False, "failure_code": code}
        return HTTPStatus.OK, {"ok": True, "holder_name": f"CHU VI {msisdn[-4:]}"}
