"""The mock payment providers: a separate HTTP process with its own storage.

It stands in for Viettel Pay, VietinBank and VNPost the way a real provider would: it keeps its
own ledger in its own SQLite file (it survives our crashes), and it answers over HTTP only.
This module is the process, the storage and the inspection endpoints; each provider's protocol
lives in its own module, mounted under a prefix (``/viettelpay/``: ``providers.mock.viettelpay``).

    GET  /__mock__/health   liveness and the providers served
    GET  /__mock__/ledger   every payment the mock has made (?provider=CODE)
    GET  /__mock__/config   the failure-injection settings per provider
    POST /__mock__/config   change them: {"viettelpay": {"failure_rate": 0.1, "seed": 1,
                            "outage": false, "delay_seconds": 0}}
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

from providers.mock.viettelpay import PREFIX as VIETTELPAY_PREFIX
from providers.mock.viettelpay import BadRequest, ViettelPayMock

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
            db.execute("DELETE FROM viettelpay_batch_items")
            db.execute("DELETE FROM viettelpay_batches")
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

    def provider(self, method: str) -> bool:
        """Hand a request under a provider's prefix to its protocol; False if none matches."""
        if not self.path.startswith(VIETTELPAY_PREFIX):
            return False
        body = self.read_body() if method == "POST" else b""
        status, payload = self.server.viettelpay.handle(method, self.path, self.headers, body)
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
            self.server.viettelpay.reset()
            return self.send_json(HTTPStatus.OK, {"status": "reset"})
        if url.path == "/__mock__/config":
            try:
                changes = json.loads(self.read_body() or b"{}")
                if not isinstance(changes, dict) or set(changes) - {"viettelpay"}:
                    raise BadRequest("BAD_CONFIG", 'expected {"viettelpay": {...}}')
                if "viettelpay" in changes:
                    if not isinstance(changes["viettelpay"], dict):
                        raise BadRequest("BAD_CONFIG", 'expected {"viettelpay": {...}}')
                    self.server.viettelpay.configure(changes["viettelpay"])
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

    def config(self) -> dict:
        return {"viettelpay": self.viettelpay.config.as_dict()}


def serve(*, host: str, port: int, db_path: Path, verbose: bool = False) -> MockServer:
    return MockServer((host, port), MockStore(db_path), verbose=verbose)
