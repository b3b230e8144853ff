"""The mock payment providers: a separate HTTP process with its own storage.

It stands in for Viettel Pay, VietinBank and VNPost the way a real provider would: it keeps its
own ledger in its own SQLite file (it survives our crashes), and it answers over HTTP only.
This module is the process, the storage and the inspection endpoints; each provider's protocol
lives in its own module, mounted under a prefix (``/viettelpay/``: ``providers.mock.viettelpay``,
``/vietinbank/``: ``providers.mock.vietinbank``, ``/vnpost/``: ``providers.mock.vnpost``).

    GET  /__mock__/health   liveness and the providers served
    GET  /__mock__/ledger   every payment the mock has made (?provider=CODE)
    GET  /__mock__/config   the failure-injection settings per provider
    POST /__mock__/config   change them: {"viettelpay": {"failure_rate": 0.1, "seed": 1,
                            "outage": false, "delay_seconds": 0}, "vietinbank": {...},
                            "vnpost": {..., "window_seconds": 2}}
    POST /__mock__/reset    empty the ledger and the batches, default settings (tests only)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from providers.mock.base import BadRequest
from providers.mock.vietinbank import PREFIX as VIETINBANK_PREFIX
from providers.mock.vietinbank import FileAnswer, VietinBankMock
from providers.mock.viettelpay import PREFIX as VIETTELPAY_PREFIX
from providers.mock.viettelpay import ViettelPayMock
from providers.mock.vnpost import PREFIX as VNPOST_PREFIX
from providers.mock.vnpost import VNPostMock

PROVIDERS = ("VIETTELPAY", "VIETINBANK", "VNPOST")

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
CREATE TABLE IF NOT EXISTS viettelpay_batches (
    batch_reference TEXT PRIMARY KEY,
    provider_batch_id TEXT NOT NULL UNIQUE,
    accepted_count INTEGER NOT NULL,
    control_count INTEGER NOT NULL,
    control_amount INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS viettelpay_batch_items (
    batch_reference TEXT NOT NULL REFERENCES viettelpay_batches (batch_reference),
    position INTEGER NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (batch_reference, reference)
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


class MockStore:
    """The mock's own storage: one SQLite file, independent of the application's database."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        with self.connect() as db:
            db.executescript(SCHEMA)

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

    def reset(self) -> None:
        with self.lock, self.connect() as db:
            for table in (
                "viettelpay_batch_items",
                "viettelpay_batches",
                "vietinbank_batch_items",
                "vietinbank_batches",
                "vnpost_list_items",
                "vnpost_lists",
                "vnpost_payments",
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
        if url.path == "/__mock__/ledger":
            provider = parse_qs(url.query).get("provider", [None])[0]
            entries = self.server.store.ledger(provider)
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
        if url.path == "/__mock__/config":
            try:
                changes = json.loads(self.read_body() or b"{}")
                mocks = self.server.mocks
                expected = "expected {" + ", ".join(f'"{name}": {{...}}' for name in mocks) + "}"
                if not isinstance(changes, dict) or set(changes) - set(mocks):
                    raise BadRequest("BAD_CONFIG", expected)
                if not all(isinstance(values, dict) for values in changes.values()):
                    raise BadRequest("BAD_CONFIG", expected)
                for name, values in changes.items():
                    mocks[name].configure(values)
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
        self.mocks = {
            "viettelpay": self.viettelpay,
            "vietinbank": self.vietinbank,
            "vnpost": self.vnpost,
        }
        self.mounts = {
            VIETTELPAY_PREFIX: self.viettelpay,
            VIETINBANK_PREFIX: self.vietinbank,
            VNPOST_PREFIX: self.vnpost,
        }

    def config(self) -> dict:
        return {name: mock.config.as_dict() for name, mock in self.mocks.items()}


def serve(*, host: str, port: int, db_path: Path, verbose: bool = False) -> MockServer:
    return MockServer((host, port), MockStore(db_path), verbose=verbose)
