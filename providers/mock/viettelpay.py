"""The mock Viettel Pay protocol, mounted by the mock server under ``/viettelpay/``.

JSON over HTTP. Every request carries ``X-Signature: hex(HMAC-SHA256(secret, message))`` where
the message is the request body, or the request path (with its query) when there is no body.
A bad signature is answered 401 ``BAD_SIGNATURE``.

    POST /viettelpay/batches            {batch_reference, control_count, control_amount,
                                         callback_url (optional),
                                         items: [{reference, amount, msisdn, payee_name,
                                                  payee_id_number}]}
                                        → 202 {provider_batch_id, accepted_count}
    GET  /viettelpay/batches/<ref>      → {batch_reference, provider_batch_id,
                                           items: [{reference, status, failure_code, paid_at}]}
    GET  /viettelpay/payments/<ref>     → {reference, status, failure_code, paid_at}
                                          or 404 UNKNOWN_PAYMENT if never received
    POST /viettelpay/accounts/check     {msisdn, id_number} → {ok, holder_name | failure_code}

Outcomes are decided from the msisdn so tests can choose them: a number ending in "01" is
UNREGISTERED, "02" NAME_ID_MISMATCH, "03" WALLET_LOCKED, "04" LIMIT_EXCEEDED, anything else is
paid, unless the configured random ``failure_rate`` fails it. A batch's items are decided and
written to the ledger ``result_delay_seconds`` after the batch was taken (a setting, 0 by
default: then inside the submit request, before it is answered; else by the server's worker
thread, or by the first status request after the delay). Until then the batch status and the
payment lookup report them "pending" (received, not decided). A batch reference sent again
gets the original answer; an item reference is paid at most once across all batches (the
ledger's UNIQUE(provider, reference)), a repeated one is answered with its original result.

Callbacks. A batch submitted with a ``callback_url`` has its results POSTed there once they are
decided, as a real e-wallet does: ``{"batch_reference": ..., "items": [...]}`` with the items of
the batch-status answer, ``Content-Type: application/json`` and ``X-Signature`` = hex(HMAC-SHA256
(secret, body)) with the same secret. The results go in chunks of ``callback_chunk`` items (500
by default), each sent ``callback_duplicates`` extra times (0 by default). With
``callback_out_of_order`` (false by default) the chunks (copies included) are sent in shuffled
order and then a stale "pending" notice for the same items follows the final results (in chunks
of ``callback_chunk`` items too, each as many times), so a receiver must ignore a status that
goes back. Callbacks are kept in the mock's SQLite file (``viettelpay_callbacks``)
and survive a restart; a connection error or an answer other than 2xx is retried after 1, 2, 4 …
seconds (at most 30 between two attempts), until 20 attempts have failed (``last_error`` says
why). A batch without a callback_url gets no callbacks: its results are only read by polling.

The settings are changed with ``POST /__mock__/config {"viettelpay": {"result_delay_seconds":
0.5, "callback_duplicates": 1, "callback_out_of_order": true, "callback_chunk": 100}}`` (and
``failure_rate``, ``seed``, ``outage``, ``delay_seconds`` like every provider).

This module deliberately does not import the application's adapter code: it plays the provider.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from providers.mock.base import BadRequest, Config, MockProtocol, Response, Setting, now_iso

if TYPE_CHECKING:
    import sqlite3

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
CALLBACK_TIMEOUT_SECONDS = 5.0
CALLBACK_MAX_ATTEMPTS = 20
CALLBACK_MAX_BACKOFF_SECONDS = 30.0


@dataclass
class ViettelPayConfig(Config):
    """Failure injection, the result delay and the callbacks' behaviour, set through
    ``POST /__mock__/config`` {"viettelpay": {...}}."""

    result_delay_seconds: float = 0.0
    callback_duplicates: int = 0
    callback_out_of_order: bool = False
    callback_chunk: int = 500


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A callback answered with a redirect is not delivered (urllib would turn the POST into a
    GET): the 3xx is an HTTPError like any other answer that is not 2xx."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy from the environment: the provider calls the URL it was given.
_callback_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def callback_backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: 1, 2, 4 … at most 30."""
    return min(CALLBACK_MAX_BACKOFF_SECONDS, 2.0 ** (attempts - 1))


def pending(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "status": "pending", "failure_code": "", "paid_at": None}


class ViettelPayMock(MockProtocol):
    prefix = PREFIX
    provider = PROVIDER
    secret_env = "MOCK_VIETTELPAY_SECRET"
    default_secret = DEFAULT_SECRET
    config_class = ViettelPayConfig
    extra_settings = {
        "result_delay_seconds": Setting(float),
        "callback_duplicates": Setting(int),
        "callback_out_of_order": Setting(bool),
        "callback_chunk": Setting(int, minimum=1),
    }

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
        if not isinstance(batch_reference, str) or not batch_reference:
            raise BadRequest("BAD_REQUEST", "batch_reference is required")
        return self.log_submission(batch_reference, lambda: self.take_batch(batch_reference, data))

    def take_batch(self, batch_reference: str, data: dict[str, Any]) -> tuple[Response, bool]:
        """Take a batch (or answer a replay with its original answer); the answer and whether
        it was a replay. Its items are decided now if there is no result delay."""
        items = data.get("items")
        callback_url = data.get("callback_url") or ""
        if not isinstance(items, list) or not items:
            raise BadRequest("BAD_REQUEST", "items must be a non-empty list")
        if not isinstance(callback_url, str) or (
            callback_url and not callback_url.startswith(("http://", "https://"))
        ):
            raise BadRequest("BAD_REQUEST", "callback_url must be an http(s) URL")
        for item in items:
            if not isinstance(item, dict) or any(name not in item for name in ITEM_FIELDS):
                raise BadRequest("BAD_ITEM", f"every item needs {', '.join(ITEM_FIELDS)}")
            amount = item["amount"]
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise BadRequest("BAD_ITEM", f"{item['reference']}: amount must be positive")
        delay = self.config.result_delay_seconds
        with self.store.lock, closing(self.store.connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")
            original = db.execute(
                "SELECT provider_batch_id, accepted_count FROM viettelpay_batches"
                " WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if original:
                return (HTTPStatus.ACCEPTED, dict(original)), True
            # Checked after the replay lookup: a replayed batch gets its original answer.
            self.check_control_totals(data.get("control_count"), data.get("control_amount"), items)
            provider_batch_id = "VTP-" + uuid.uuid4().hex[:16].upper()
            db.execute(
                "INSERT INTO viettelpay_batches"
                " (batch_reference, provider_batch_id, accepted_count, control_count,"
                " control_amount, callback_url, decide_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_reference,
                    provider_batch_id,
                    len(items),
                    data["control_count"],
                    data["control_amount"],
                    callback_url,
                    time.time() + delay,
                ),
            )
            for position, item in enumerate(items):
                # A reference twice in one batch is taken once (its first line).
                db.execute(
                    "INSERT OR IGNORE INTO viettelpay_batch_items"
                    " (batch_reference, position, reference, msisdn, amount)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        batch_reference,
                        position,
                        str(item["reference"]),
                        str(item["msisdn"]),
                        item["amount"],
                    ),
                )
            if not delay:
                self.decide_batch(db, batch_reference)
        return (
            HTTPStatus.ACCEPTED,
            {"provider_batch_id": provider_batch_id, "accepted_count": len(items)},
        ), False

    def decide_batch(self, db: sqlite3.Connection, batch_reference: str) -> None:
        """Decide every item of the batch and write it to the ledger, then queue the batch's
        callbacks (if it has a callback_url). The caller holds ``store.lock`` in a transaction.
        UNIQUE(provider, reference): a reference already in the ledger keeps its original
        result and is not paid again."""
        items = db.execute(
            "SELECT reference, msisdn, amount FROM viettelpay_batch_items"
            " WHERE batch_reference = ? ORDER BY position",
            (batch_reference,),
        ).fetchall()
        for item in items:
            code = self.decide(item["msisdn"])
            self.record(
                db,
                PROVIDER,
                item["reference"],
                item["msisdn"],
                item["amount"],
                "failed" if code else "paid",
                code,
            )
        db.execute(
            "UPDATE viettelpay_batches SET decided = 1 WHERE batch_reference = ?",
            (batch_reference,),
        )
        url = db.execute(
            "SELECT callback_url FROM viettelpay_batches WHERE batch_reference = ?",
            (batch_reference,),
        ).fetchone()["callback_url"]
        if url:
            self.queue_callbacks(db, batch_reference, url)

    def decide_due(self, db: sqlite3.Connection) -> None:
        """Decide the batches whose result delay is over (the caller holds ``store.lock``)."""
        due = db.execute(
            "SELECT batch_reference FROM viettelpay_batches"
            " WHERE decided = 0 AND decide_at <= ? ORDER BY decide_at, rowid",
            (time.time(),),
        ).fetchall()
        for batch in due:
            self.decide_batch(db, batch["batch_reference"])

    def decided(self) -> sqlite3.Connection:
        """A connection after deciding what is due (the caller holds ``store.lock``)."""
        db = self.store.connect()
        with db:
            db.execute("BEGIN IMMEDIATE")
            self.decide_due(db)
        return db

    # -- callbacks -------------------------------------------------------------------------------

    def queue_callbacks(self, db: sqlite3.Connection, batch_reference: str, url: str) -> None:
        """Queue the batch's results for ``url`` as the settings say: chunks, duplicates, and
        out of order (shuffled chunks, then a stale "pending" notice)."""
        config = self.config
        items = self.batch_items(db, batch_reference)
        size = config.callback_chunk
        chunks = [items[start : start + size] for start in range(0, len(items), size)]
        copies = 1 + config.callback_duplicates
        bodies = [chunk for chunk in chunks for _ in range(copies)]
        if config.callback_out_of_order:
            config.rng.shuffle(bodies)
            bodies += [[pending(item) for item in chunk] for chunk in chunks for _ in range(copies)]
        now = time.time()
        for chunk in bodies:
            body = json.dumps({"batch_reference": batch_reference, "items": chunk})
            db.execute(
                "INSERT INTO viettelpay_callbacks (batch_reference, url, body, next_attempt_at)"
                " VALUES (?, ?, ?, ?)",
                (batch_reference, url, body, now),
            )

    def post_callback(self, url: str, body: bytes) -> str:
        """POST one signed callback; "" if answered 2xx, else what went wrong."""
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Signature": hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest(),
            },
        )
        try:
            with _callback_opener.open(request, timeout=CALLBACK_TIMEOUT_SECONDS) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code} {exc.reason}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return f"{exc.__class__.__name__}: {exc}"
        return ""

    def deliver_callbacks(self, stopping: threading.Event, budget: float = 1.0) -> None:
        """Send the callbacks that are due, oldest first, one at a time (each is read again
        just before it is sent, so a reset in between sends nothing stale), for at most about
        ``budget`` seconds: the rest go on the next tick, after the due decisions."""
        deadline = time.monotonic() + budget
        while not stopping.is_set() and time.monotonic() < deadline:
            with closing(self.store.connect()) as db:
                callback = db.execute(
                    "SELECT id, url, body, attempts FROM viettelpay_callbacks"
                    " WHERE delivered_at IS NULL AND attempts < ? AND next_attempt_at <= ?"
                    " ORDER BY next_attempt_at, id LIMIT 1",
                    (CALLBACK_MAX_ATTEMPTS, time.time()),
                ).fetchone()
            if callback is None:
                return
            error = self.post_callback(callback["url"], callback["body"].encode())
            attempts = callback["attempts"] + 1
            with closing(self.store.connect()) as db, db:
                if not error:
                    db.execute(
                        "UPDATE viettelpay_callbacks SET attempts = ?, delivered_at = ?"
                        " WHERE id = ?",
                        (attempts, now_iso(), callback["id"]),
                    )
                    continue
                if attempts >= CALLBACK_MAX_ATTEMPTS:
                    error = f"gave up after {attempts} attempts: {error}"
                db.execute(
                    "UPDATE viettelpay_callbacks SET attempts = ?, next_attempt_at = ?,"
                    " last_error = ? WHERE id = ?",
                    (attempts, time.time() + callback_backoff(attempts), error, callback["id"]),
                )

    def tick(self, stopping: threading.Event) -> None:
        """The worker thread's turn: decide the batches that are due, deliver callbacks."""
        with closing(self.store.connect()) as db:
            due = db.execute(
                "SELECT 1 FROM viettelpay_batches WHERE decided = 0 AND decide_at <= ? LIMIT 1",
                (time.time(),),
            ).fetchone()
        if due:  # the write lock only when there is something to decide
            with self.store.lock:
                self.decided().close()
        self.deliver_callbacks(stopping)

    # -- reading results -------------------------------------------------------------------------

    @staticmethod
    def item(row: Any) -> dict[str, Any]:
        """An item's answer from its ledger row; "pending" while it has none (not decided)."""
        if row["status"] is None:
            return pending({"reference": row["reference"]})
        return {
            "reference": row["reference"],
            "status": row["status"],
            "failure_code": row["reason"],
            "paid_at": row["created_at"] if row["status"] == "paid" else None,
            "amount": row["amount"],
        }

    def batch_items(self, db: sqlite3.Connection, batch_reference: str) -> list[dict[str, Any]]:
        """The answer for every item of a batch, in the batch's order."""
        rows = db.execute(
            "SELECT b.reference, l.status, l.reason, l.created_at, l.amount"
            " FROM viettelpay_batch_items b"
            " LEFT JOIN ledger l ON l.provider = ? AND l.reference = b.reference"
            " WHERE b.batch_reference = ? ORDER BY b.position",
            (PROVIDER, batch_reference),
        ).fetchall()
        return [self.item(row) for row in rows]

    def batch_status(self, batch_reference: str) -> Response:
        with self.store.lock, closing(self.decided()) as db:
            batch = db.execute(
                "SELECT provider_batch_id FROM viettelpay_batches WHERE batch_reference = ?",
                (batch_reference,),
            ).fetchone()
            if batch is None:
                raise BadRequest(
                    "UNKNOWN_BATCH", f"No batch {batch_reference}", HTTPStatus.NOT_FOUND
                )
            items = self.batch_items(db, batch_reference)
        return HTTPStatus.OK, {
            "batch_reference": batch_reference,
            "provider_batch_id": batch["provider_batch_id"],
            "items": items,
        }

    def payment(self, reference: str) -> Response:
        """An item's result; "pending" if it was received but not decided yet, 404 only if
        no batch ever carried it."""
        with self.store.lock, closing(self.decided()) as db:
            row = db.execute(
                "SELECT reference, status, reason, created_at, amount FROM ledger"
                " WHERE provider = ? AND reference = ?",
                (PROVIDER, reference),
            ).fetchone()
            received = (
                row is not None
                or db.execute(
                    "SELECT 1 FROM viettelpay_batch_items WHERE reference = ? LIMIT 1", (reference,)
                ).fetchone()
            )
        if not received:
            raise BadRequest("UNKNOWN_PAYMENT", f"No payment {reference}", HTTPStatus.NOT_FOUND)
        return HTTPStatus.OK, pending({"reference": reference}) if row is None else self.item(row)

    def check_account(self, data: dict[str, Any]) -> Response:
        msisdn, id_number = data.get("msisdn"), data.get("id_number")
        if not isinstance(msisdn, str) or not isinstance(id_number, str):
            raise BadRequest("BAD_REQUEST", "msisdn and id_number are required")
        code = FAILURE_BY_SUFFIX.get(msisdn[-2:], "")
        # A transaction limit says nothing about the wallet itself.
        if code and code != "LIMIT_EXCEEDED":
            return HTTPStatus.OK, {"ok": False, "failure_code": code}
        return HTTPStatus.OK, {"ok": True, "holder_name": f"CHU VI {msisdn[-4:]}"}
