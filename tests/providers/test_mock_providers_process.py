"""run_mock_providers is a separate process with its own storage, reachable over HTTP."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def start(port: int, db_path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_mock_providers",
            "--port",
            str(port),
            "--db",
            str(db_path),
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            get(f"http://127.0.0.1:{port}/__mock__/health")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("mock providers did not start: " + process.stdout.read().decode())


def test_mock_providers_serve_health_and_a_ledger_that_survives_a_restart(tmp_path):
    port, db_path = free_port(), tmp_path / "mock.sqlite3"
    process = start(port, db_path)
    try:
        health = get(f"http://127.0.0.1:{port}/__mock__/health")
        assert health == {"status": "ok", "providers": ["VIETTELPAY", "VIETINBANK", "VNPOST"]}
        assert get(f"http://127.0.0.1:{port}/__mock__/ledger") == {"count": 0, "entries": []}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/nowhere", timeout=5) as _:
            pass
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)

    # The ledger is the mock's own file: write to it as the mock would, restart, read it back.
    with sqlite3.connect(db_path) as db:
        db.execute(
            "INSERT INTO ledger (provider, reference, account, amount, status)"
            " VALUES (?, ?, ?, ?, ?)",
            ("VIETTELPAY", "TC-2026-11-000001", "0981234567", 750000, "paid"),
        )
    process = start(port, db_path)
    try:
        ledger = get(f"http://127.0.0.1:{port}/__mock__/ledger?provider=VIETTELPAY")
        assert ledger["count"] == 1
        assert ledger["entries"][0]["amount"] == 750000
        assert get(f"http://127.0.0.1:{port}/__mock__/ledger?provider=VNPOST")["count"] == 0
    finally:
        process.terminate()
        process.wait(timeout=10)
