"""Starting the mock-providers process from Python (tests, the bench) and talking to its
inspection endpoints: a free port, a JSON call, and a start that waits for the health check."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, payload: dict | None = None, *, timeout: float = 5) -> dict:
    """GET (or POST a JSON payload) and decode the JSON answer."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def start_mock(port: int, db_path: Path, *, log=subprocess.PIPE, **env: str) -> subprocess.Popen:
    """Start `run_mock_providers` on `port` with its ledger in `db_path` and wait until it
    answers its health check; RuntimeError (with its output when piped) if it does not."""
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
        cwd=BASE_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(200):
        try:
            call(f"http://127.0.0.1:{port}/__mock__/health")
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    output = process.stdout.read().decode() if log == subprocess.PIPE else ""
    raise RuntimeError("the mock providers did not start: " + output)
