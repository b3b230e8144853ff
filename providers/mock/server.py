"""The mock payment providers: a separate HTTP process with its own storage.

It stands in for Viettel Pay, VietinBank and VNPost the way a real provider would: it keeps its
own ledger in its own SQLite file (it survives our crashes), and it answers over HTTP only.
The provider protocols (batches, files, callbacks, failure injection) are added by the
providers capability; this module is the process, the storage and the inspection endpoints:

    GET  /__mock__/health   liveness and the providers served
    GET  /__mock__/ledger   every payment the mock has made (?provider=CODE)
    POST /__mock__/reset    empty the ledger (tests only)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

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

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/__mock__/health":
            return self.send_json(HTTPStatus.OK, {"status": "ok", "providers": list(PROVIDERS)})
        if url.path == "/__mock__/ledger":
            provider = parse_qs(url.query).get("provider", [None])[0]
            entries = self.server.store.ledger(provider)
            return self.send_json(HTTPStatus.OK, {"count": len(entries), "entries": entries})
        return self.send_json(HTTPStatus.NOT_FOUND, {"error": "not_found", "path": url.path})

    def do_POST(self):
        url = urlparse(self.path)
        if url.path == "/__mock__/reset":
            self.server.store.reset()
            return self.send_json(HTTPStatus.OK, {"status": "reset"})
        return self.send_json(HTTPStatus.NOT_FOUND, {"error": "not_found", "path": url.path})


class MockServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: MockStore, verbose: bool = False):
        super().__init__(address, MockHandler)
        self.store = store
        self.verbose = verbose


def serve(*, host: str, port: int, db_path: Path, verbose: bool = False) -> MockServer:
    return MockServer((host, port), MockStore(db_path), verbose=verbose)
