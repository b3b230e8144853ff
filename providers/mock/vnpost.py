"""The mock VNPost cash payment, mounted by the mock server under ``/vnpost/``.

The post office takes a cash list (one line per payee, paid at the commune's post office or at
home) and reports the results once the payment window is over. JSON over HTTP, signed like Viettel
Pay: ``X-Signature: hex(HMAC-SHA256(secret, message))`` where the message is the request body, or
the request path when there is no body. A bad signature is answered 401 ``BAD_SIGNATURE``.

    POST /vnpost/lists                  {batch_reference, control_count, control_amount,
                                         items: [{reference, amount, payee_name, payee_id_number,
                                                  commune_code (optional)}]}
                                        → 202 {provider_batch_id, accepted_count, window_ends_at}
    GET  /vnpost/lists/<ref>            → {batch_reference, provider_batch_id, window_ends_at,
                                           items: [{reference, status, failure_code, paid_at,
                                                    channel}]}
    GET  /vnpost/payments/<ref>         → {reference, status, failure_code, paid_at, channel}
                                          or 404 UNKNOWN_PAYMENT

Until the list's payment window (``window_seconds`` of the config when the list was taken) is
over, its items are "pending". Then each item is decided from the payee's ID number so tests can
choose: one ending in "7" is "unpaid" NOT_COLLECTED, "8" is paid at home (channel "home"),
anything else is paid at the post office (channel "point"), unless the configured random
``failure_rate`` leaves it uncollected (with ``by_number`` off, only the random rate does).
Results are written to the ledger when they are decided (on the first request after the
window). A list reference sent again gets the original answer;
an item reference is paid at most once across all lists (the ledger's UNIQUE(provider,
reference)): a repeated one keeps its original result. A cash list never has "failed" items.

This module deliberately does not import the application's adapter code: it plays the provider.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from providers.mock.base import BadRequest, Config, MockProtocol, Response, Setting

if TYPE_CHECKING:
    import sqlite3


PROVIDER = "VNPOST"
PREFIX = "/vnpost/"
DEFAULT_SECRET = "mock-vnpost-secret"
DEFAULT_WINDOW_SECONDS = 2.0
ITEM_FIELDS = ("reference", "amount", "payee_name", "payee_id_number")


@dataclass
class VNPostConfig(Config):
    """Failure injection and the payment window, set through ``POST /__mock__/config``
    {"vnpost": {...}}."""

    window_seconds: float = DEFAULT_WINDOW_SECONDS


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


class VNPostMock(MockProtocol):
    prefix = PREFIX
    provider = PROVIDER
    secret_env = "MOCK_VNPOST_SECRET"
    default_secret = DEFAULT_SECRET
    config_class = VNPostConfig
    extra_settings = {"window_seconds": Setting(float)}

    def route(self, method: str, route: list[str], headers: Any, body: bytes) -> Response | None:
        if method == "POST" and route == ["lists"]:
            return self.submit_list(self.json(body))
        if method == "GET" and len(route) == 2 and route[0] == "lists":
            return self.list_status(unquote(route[1]))
        if method == "GET" and len(route) == 2 and route[0] == "payments":
            return self.payment(unquote(route[1]))
        return None

    # -- the protocol ----------------------------------------------------------------------------

    def decide(self, payee_id_number: str) -> tuple[str, str, str]:
        """(status, failure code, channel) of an item once the window is over."""
        last = payee_id_number[-1:] if self.config.by_number else ""
        if last == "7":
            return "unpaid", "NOT_COLLECTED", ""
        if self.randomly_fails():
            return "unpaid", "NOT_COLLECTED", ""
        return "paid", "", "home" if last == "8" else "point"

    def submit_list(self, data: dict[str, Any]) -> Response:
        batch_reference = data.get("batch_reference")
        if not isinstance(batch_reference, str) or not batch_reference:
            raise BadRequest("BAD_REQUEST", "batch_reference is required")
        return self.log_submission(batch_reference, lambda: self.take_list(batch_reference, data))

    def take_list(self, batch_reference: str, data: dict[str, Any]) -> tuple[Response, bool]:
        """Take a list (or answer a replay with its original answer); the answer and whether
        it was a replay."""
        items = data.get("items")
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
                "SELECT provider_batch_id, accepted_count, window_ends_at FROM vnpost_lists"
                " WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if original:
                return (
                    HTTPStatus.ACCEPTED,
                    {**dict(original), "window_ends_at": iso(original["window_ends_at"])},
                ), True
            # Checked after the replay lookup: a replayed list gets its original answer.
            self.check_control_totals(data.get("control_count"), data.get("control_amount"), items)
            provider_batch_id = "VNP-" + uuid.uuid4().hex[:16].upper()
            window_ends_at = time.time() + self.config.window_seconds
            db.execute(
                "INSERT INTO vnpost_lists (batch_reference, provider_batch_id, accepted_count,"
                " control_count, control_amount, window_ends_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    batch_reference,
                    provider_batch_id,
                    len(items),
                    data["control_count"],
                    data["control_amount"],
                    window_ends_at,
                ),
            )
            for position, item in enumerate(items):
                db.execute(
                    "INSERT OR IGNORE INTO vnpost_list_items (batch_reference, position,"
                    " reference, amount, payee_name, payee_id_number, commune_code)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        batch_reference,
                        position,
                        str(item["reference"]),
                        item["amount"],
                        str(item["payee_name"]),
                        str(item["payee_id_number"]),
                        str(item.get("commune_code") or ""),
                    ),
                )
        return (
            HTTPStatus.ACCEPTED,
            {
                "provider_batch_id": provider_batch_id,
                "accepted_count": len(items),
                "window_ends_at": iso(window_ends_at),
            },
        ), False

    def settle(self, db: sqlite3.Connection) -> None:
        """Decide the items of every list whose window is over and write them to the ledger."""
        due = db.execute(
            "SELECT batch_reference FROM vnpost_lists WHERE settled = 0 AND window_ends_at <= ?",
            (time.time(),),
        ).fetchall()
        for batch in due:
            items = db.execute(
                "SELECT * FROM vnpost_list_items WHERE batch_reference = ? ORDER BY position",
                (batch["batch_reference"],),
            ).fetchall()
            for item in items:
                status, code, channel = self.decide(item["payee_id_number"])
                # UNIQUE(provider, reference): a reference already decided in another list
                # keeps its original result and is not paid again.
                inserted = self.record(
                    db, PROVIDER, item["reference"], "", item["amount"], status, code
                )
                if inserted:
                    db.execute(
                        "INSERT OR REPLACE INTO vnpost_payments (reference, channel) VALUES (?, ?)",
                        (item["reference"], channel),
                    )
            db.execute(
                "UPDATE vnpost_lists SET settled = 1 WHERE batch_reference = ?",
                (batch["batch_reference"],),
            )

    def settled(self) -> sqlite3.Connection:
        """A connection after deciding what is due (the caller holds ``store.lock``)."""
        db = self.store.connect()
        with db:
            db.execute("BEGIN IMMEDIATE")
            self.settle(db)
        return db

    @staticmethod
    def item(reference: str, row: Any) -> dict[str, Any]:
        """An item's answer from its ledger row (joined with its channel), pending without."""
        if row is None or row["status"] is None:
            return {
                "reference": reference,
                "status": "pending",
                "failure_code": "",
                "paid_at": None,
                "channel": "",
            }
        return {
            "reference": reference,
            "status": row["status"],
            "failure_code": row["reason"],
            "paid_at": row["created_at"] if row["status"] == "paid" else None,
            "channel": row["channel"] or "",
            "amount": row["amount"],
        }

    def list_status(self, batch_reference: str) -> Response:
        with self.store.lock:
            db = self.settled()
            try:
                batch = db.execute(
                    "SELECT provider_batch_id, window_ends_at FROM vnpost_lists"
                    " WHERE batch_reference = ?",
                    (batch_reference,),
                ).fetchone()
                if batch is None:
                    raise BadRequest(
                        "UNKNOWN_BATCH", f"No list {batch_reference}", HTTPStatus.NOT_FOUND
                    )
                rows = db.execute(
                    "SELECT i.reference, l.status, l.reason, l.created_at, l.amount, p.channel"
                    " FROM vnpost_list_items i"
                    " LEFT JOIN ledger l ON l.provider = ? AND l.reference = i.reference"
                    " LEFT JOIN vnpost_payments p ON p.reference = i.reference"
                    " WHERE i.batch_reference = ? ORDER BY i.position",
                    (PROVIDER, batch_reference),
                ).fetchall()
            finally:
                db.close()
        return HTTPStatus.OK, {
            "batch_reference": batch_reference,
            "provider_batch_id": batch["provider_batch_id"],
            "window_ends_at": iso(batch["window_ends_at"]),
            "items": [self.item(row["reference"], row) for row in rows],
        }

    def payment(self, reference: str) -> Response:
        with self.store.lock:
            db = self.settled()
            try:
                row = db.execute(
                    "SELECT l.status, l.reason, l.created_at, l.amount, p.channel FROM ledger l"
                    " LEFT JOIN vnpost_payments p ON p.reference = l.reference"
                    " WHERE l.provider = ? AND l.reference = ?",
                    (PROVIDER, reference),
                ).fetchone()
                listed = (
                    row is not None
                    or db.execute(
                        "SELECT 1 FROM vnpost_list_items WHERE reference = ? LIMIT 1", (reference,)
                    ).fetchone()
                )
            finally:
                db.close()
        if not listed:
            raise BadRequest("UNKNOWN_PAYMENT", f"No payment {reference}", HTTPStatus.NOT_FOUND)
        return HTTPStatus.OK, self.item(reference, row)
