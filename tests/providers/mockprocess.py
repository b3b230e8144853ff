"""Running the real mock-providers process for a test: its own port, its own database file."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, payload: dict | None = None) -> dict:
    """GET (or POST a JSON payload) and decode the JSON answer."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def start_mock(port: int, db_path: Path, **env: str) -> subprocess.Popen:
    """Start `run_mock_providers` and wait until it answers its health check."""
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
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            call(f"http://127.0.0.1:{port}/__mock__/health")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("mock providers did not start: " + process.stdout.read().decode())


@contextlib.contextmanager
def running_mock(folder: Path, **env: str):
    """The URL of a mock-providers process that lives for the `with` block."""
    port = free_port()
    process = start_mock(port, Path(folder) / "mock.sqlite3", **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
