"""The mock payment providers: a separate HTTP process with its own storage.

It stands in for Viettel Pay, VietinBank and VNPost the way a real provider would: it keeps its
own ledger in its own SQLite file (it survives our crashes), and it answers over HTTP only.
This module is the process, the storage and the inspection endpoints; each provider's protocol
lives in its own module, mounted under a prefix (``/viettelpay/``: ``providers.mock.viettelpay``,
``/vietinbank/``: ``providers.mock.vietinbank``, ``/vnpost/``: ``providers.mock.vnpost``), and
the national population database's verification service beside them (``/population/``:
``providers.mock.population``).

    GET  /__mock__/health       liveness and the providers served
    GET  /__mock__/ledger       every payment the mock has made (?provider=CODE)
    GET  /__mock__/submissions  every submit request a provider answered (?provider=CODE)
                                → {count, entries: [{id, provider, batch_reference,
                                   received_at, replay (0/1), outcome}]}; outcome is
                                "accepted", "replay" (the batch was already taken: answered
                                with the original acknowledgement) or the refusal's error code
    GET  /__mock__/callbacks    Viettel Pay's callbacks, queued or delivered
                                → {count, entries: [{id, batch_reference, attempts,
                                   delivered_at, last_error}]}
    GET  /__mock__/config       the settings per provider
    POST /__mock__/config       change them: {"viettelpay": {"failure_rate": 0.1, "seed": 1,
                                "outage": false, "delay_seconds": 0, "result_delay_seconds": 0,
                                "callback_duplicates": 0, "callback_out_of_order": false,
                                "callback_chunk": 500}, "vietinbank": {...},
                                "vnpost": {..., "window_seconds": 2}}; all or nothing: a bad
                                value is answered 400 BAD_CONFIG and changes no setting
    POST /__mock__/population   add citizens the population service knows:
                                {"people": [{id_number, full_name, date_of_birth, sex,
                                date_of_death}]}
    POST /__mock__/reset        empty the ledger, the batches, the submissions log and the
                                callbacks; default settings (tests only)

A worker thread of the server does each provider's background work every ``TICK_SECONDS``:
Viettel Pay decides the batches whose ``result_delay_seconds`` is over and delivers its queued
callbacks (see ``providers.mock.viettelpay``). It stops when the server is closed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import traceback
from contextlib import closing
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from providers.mock.base import BadRequest
from providers.mock.population import PREFIX as POPULATION_PREFIX
from providers.mock.population import PopulationMock
from providers.mock.vietinbank import PREFIX as VIETINBANK_PREFIX
from providers.mock.vietinbank import FileAnswer, VietinBankMock
from providers.mock.viettelpay import CALLBACK_TIMEOUT_SECONDS, ViettelPayMock
from providers.mock.viettelpay import PREFIX as VIETTELPAY_PREFIX
from providers.mock.vnpost import PREFIX as VNPOST_PREFIX
from providers.mock.vnpost import VNPostMock

PROVIDERS = ("VIETTELPAY", "VIETINBANK", "VNPOST")
# How often the worker thread decides delayed batches and delivers callbacks.
TICK_SECONDS = 0.2

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (provider, reference)
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    batch_reference TEXT NOT NULL,
    received_at TEXT NOT NULL,
    replay INTEGER NOT NULL,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS viettelpay_batches (
    batch_reference TEXT PRIMARY KEY,
    provider_batch_id TEXT NOT NULL UNIQUE,
    accepted_count INTEGER NOT NULL,
    control_count INTEGER NOT NULL,
    control_amount INTEGER NOT NULL,
    callback_url TEXT NOT NULL DEFAULT '',
    decide_at REAL NOT NULL,
    decided INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS viettelpay_batch_items (
    batch_reference TEXT NOT NULL REFERENCES viettelpay_batches (batch_reference),
    position INTEGER NOT NULL,
    reference TEXT NOT NULL,
    msisdn TEXT NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (batch_reference, reference)
);
CREATE TABLE IF NOT EXISTS viettelpay_callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_reference TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    delivered_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS vietinbank_batches (
    batch_reference TEXT PRIMARY KEY,
    provider_batch_id TEXT NOT NULL UNIQUE,
    accepted_count INTEGER NOT NULL,
    control_count INTEGER NOT NULL,
    control_amount INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS vietinbank_batch_items (
    batch_reference TEXT NOT NULL REFERENCES vietinbank_batches (batch_reference),
    position INTEGER NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (batch_reference, reference)
);
CREATE TABLE IF NOT EXISTS vnpost_lists (
    batch_reference TEXT PRIMARY KEY,
    provider_batch_id TEXT NOT NULL UNIQUE,
    accepted_count INTEGER NOT NULL,
    control_count INTEGER NOT NULL,
    control_amount INTEGER NOT NULL,
    window_ends_at REAL NOT NULL,
    settled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS vnpost_list_items (
    batch_reference TEXT NOT NULL REFERENCES vnpost_lists (batch_reference),
    position INTEGER NOT NULL,
    reference TEXT NOT NULL,
    amount INTEGER NOT NULL,
    payee_name TEXT NOT NULL,
    payee_id_number TEXT NOT NULL,
    commune_code TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_reference, reference)
);
CREATE TABLE IF NOT EXISTS vnpost_payments (
    reference TEXT PRIMARY KEY,
    channel TEXT NOT NULL DEFAULT ''
);
"""

# Created after the check of an existing file's columns (see MockStore).
INDEXES = """
CREATE INDEX IF NOT EXISTS viettelpay_batch_items_reference
    ON viettelpay_batch_items (reference);
CREATE INDEX IF NOT EXISTS viettelpay_batches_undecided
    ON viettelpay_batches (decide_at) WHERE decided = 0;
CREATE INDEX IF NOT EXISTS viettelpay_callbacks_due
    ON viettelpay_callbacks (next_attempt_at) WHERE delivered_at IS NULL;
"""


class OutdatedMockStore(Exception):
    """The SQLite file was made by an older mock whose tables lack columns this one needs."""


class MockStore:
    """The mock's own storage: one SQLite file, independent of the application's database."""

    # Columns added since the first version of the file; a file without them is refused.
    REQUIRED_COLUMNS = {
        "viettelpay_batches": ("callback_url", "decide_at", "decided"),
        "viettelpay_batch_items": ("msisdn", "amount"),
    }

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        with closing(self.connect()) as db, db:
            db.executescript(SCHEMA)
            for table, columns in self.REQUIRED_COLUMNS.items():
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if missing := [column for column in columns if column not in present]:
                    raise OutdatedMockStore(
                        f"{self.path} was made by an older mock ({table} lacks {missing}):"
                        " move it away and the mock starts a fresh one."
                    )
            db.executescript(INDEXES)

    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def ledger(self, provider: str | None = None) -> list[dict]:
        query, args = "SELECT * FROM ledger", ()
        if provider:
            query, args = query + " WHERE provider = ?", (provider,)
        with self.connect() as db:
            return [dict(row) for row in db.execute(query + " ORDER BY id", args)]

    def record_submission(
        self, provider: str, batch_reference: str, received_at: str, outcome: str
    ) -> None:
        """Add one submit request to the submissions log (see MockProtocol.log_submission)."""
        with closing(self.connect()) as db, db:
            db.execute(
                "INSERT INTO submissions (provider, batch_reference, received_at, replay, outcome)"
                " VALUES (?, ?, ?, ?, ?)",
                (provider, batch_reference, received_at, int(outcome == "replay"), outcome),
            )

    def submissions(self, provider: str | None = None) -> list[dict]:
        query, args = "SELECT * FROM submissions", ()
        if provider:
            query, args = query + " WHERE provider = ?", (provider,)
        with closing(self.connect()) as db:
            return [dict(row) for row in db.execute(query + " ORDER BY id", args)]

    def callbacks(self) -> list[dict]:
        with closing(self.connect()) as db:
            return [
                dict(row)
                for row in db.execute(
                    "SELECT id, batch_reference, attempts, delivered_at, last_error"
                    " FROM viettelpay_callbacks ORDER BY id"
                )
            ]

    def reset(self) -> None:
        with self.lock, self.connect() as db:
            for table in (
                "submissions",
                "viettelpay_callbacks",
                "viettelpay_batch_items",
                "viettelpay_batches",
                "vietinbank_batch_items",
                "vietinbank_batches",
                "vnpost_list_items",
                "vnpost_lists",
                "vnpost_payments",
                "population_people",
            ):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM ledger")


class MockHandler(BaseHTTPRequestHandler):
    server: MockServer
    server_version = "TrocapMockProviders/1.0"

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def send_json(self, status: int, payload) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_file(self, status: int, answer: FileAnswer) -> None:
        self.send_response(status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Disposition", f'attachment; filename="{answer.filename}"')
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def provider(self, method: str) -> bool:
        """Hand a request under a provider's prefix to its protocol; False if none matches."""
        mock = next(
            (mock for prefix, mock in self.server.mounts.items() if self.path.startswith(prefix)),
            None,
        )
        if mock is None:
            return False
        body = self.read_body() if method == "POST" else b""
        status, payload = mock.handle(method, self.path, self.headers, body)
        if isinstance(payload, FileAnswer):
            self.send_file(status, payload)
        else:
            self.send_json(status, payload)
        return True

    def do_GET(self):
        if self.provider("GET"):
            return None
        url = urlparse(self.path)
        if url.path == "/__mock__/config":
            return self.send_json(HTTPStatus.OK, self.server.config())
        if url.path == "/__mock__/health":
            return self.send_json(HTTPStatus.OK, {"status": "ok", "providers": list(PROVIDERS)})
        provider = parse_qs(url.query).get("provider", [None])[0]
        listings = {
            "/__mock__/ledger": lambda: self.server.store.ledger(provider),
            "/__mock__/submissions": lambda: self.server.store.submissions(provider),
            "/__mock__/callbacks": self.server.store.callbacks,
        }
        if url.path in listings:
            entries = listings[url.path]()
            return self.send_json(HTTPStatus.OK, {"count": len(entries), "entries": entries})
        return self.send_json(HTTPStatus.NOT_FOUND, {"error": "not_found", "path": url.path})

    def do_POST(self):
        if self.provider("POST"):
            return None
        url = urlparse(self.path)
        if url.path == "/__mock__/reset":
            self.server.store.reset()
            for mock in self.server.mocks.values():
                mock.reset()
            return self.send_json(HTTPStatus.OK, {"status": "reset"})
        if url.path == "/__mock__/population":
            try:
                count = self.server.population.load(json.loads(self.read_body() or b"{}"))
            except ValueError:
                return self.send_json(HTTPStatus.BAD_REQUEST, {"code": "BAD_JSON"})
            except BadRequest as exc:
                return self.send_json(*exc.response())
            return self.send_json(HTTPStatus.OK, {"loaded": count})
        if url.path == "/__mock__/config":
            try:
                changes = json.loads(self.read_body() or b"{}")
                mocks = self.server.mocks
                expected = "expected {" + ", ".join(f'"{name}": {{...}}' for name in mocks) + "}"
                if not isinstance(changes, dict) or set(changes) - set(mocks):
                    raise BadRequest("BAD_CONFIG", expected)
                if not all(isinstance(values, dict) for values in changes.values()):
                    raise BadRequest("BAD_CONFIG", expected)
                # Every value is checked before any is applied: all or nothing.
                parsed = {name: mocks[name].parse_settings(changes[name]) for name in changes}
                for name, values in parsed.items():
                    mocks[name].apply_settings(values)
            except (ValueError, TypeError) as exc:
                return self.send_json(
                    HTTPStatus.BAD_REQUEST, {"code": "BAD_CONFIG", "message": str(exc)}
                )
            except BadRequest as exc:
                return self.send_json(*exc.response())
            return self.send_json(HTTPStatus.OK, self.server.config())
        return self.send_json(HTTPStatus.NOT_FOUND, {"error": "not_found", "path": url.path})


class MockServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: MockStore, verbose: bool = False):
        super().__init__(address, MockHandler)
        self.store = store
        self.verbose = verbose
        self.viettelpay = ViettelPayMock(store)
        self.vietinbank = VietinBankMock(store)
        self.vnpost = VNPostMock(store)
        self.population = PopulationMock(store)
        self.mocks = {
            "viettelpay": self.viettelpay,
            "vietinbank": self.vietinbank,
            "vnpost": self.vnpost,
            "population": self.population,
        }
        self.mounts = {
            VIETTELPAY_PREFIX: self.viettelpay,
            VIETINBANK_PREFIX: self.vietinbank,
            VNPOST_PREFIX: self.vnpost,
            POPULATION_PREFIX: self.population,
        }
        self.stopping = threading.Event()
        self.worker = threading.Thread(target=self.work, name="mock-providers-worker", daemon=True)
        self.worker.start()

    def config(self) -> dict:
        return {name: mock.config.as_dict() for name, mock in self.mocks.items()}

    def work(self) -> None:
        """The worker thread: every TICK_SECONDS each provider's background work (decisions
        that are due, callbacks to deliver) until the server is closed. An error is printed
        and the next tick tries again: the thread never dies of it."""
        while not self.stopping.wait(TICK_SECONDS):
            for mock in self.mocks.values():
                try:
                    mock.tick(self.stopping)
                except Exception:
                    traceback.print_exc()

    def server_close(self) -> None:
        """Stop the worker thread (it finishes the callback it is sending), then the socket."""
        self.stopping.set()
        if self.worker.is_alive() and self.worker is not threading.current_thread():
            self.worker.join(timeout=CALLBACK_TIMEOUT_SECONDS + 1)
        super().server_close()


def serve(*, host: str, port: int, db_path: Path, verbose: bool = False) -> MockServer:
    return MockServer((host, port), MockStore(db_path), verbose=verbose)
