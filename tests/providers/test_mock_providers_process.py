"""run_mock_providers is a separate process with its own storage, reachable over HTTP."""

import sqlite3
import urllib.request

import pytest

from tests.providers.mockprocess import call, free_port, start_mock

pytestmark = pytest.mark.slow


def test_mock_providers_serve_health_and_a_ledger_that_survives_a_restart(tmp_path):
    port, db_path = free_port(), tmp_path / "mock.sqlite3"
    process = start_mock(port, db_path)
    try:
        health = call(f"http://127.0.0.1:{port}/__mock__/health")
        assert health == {"status": "ok", "providers": ["VIETTELPAY", "VIETINBANK", "VNPOST"]}
        assert call(f"http://127.0.0.1:{port}/__mock__/ledger") == {"count": 0, "entries": []}
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
    process = start_mock(port, db_path)
    try:
        ledger = call(f"http://127.0.0.1:{port}/__mock__/ledger?provider=VIETTELPAY")
        assert ledger["count"] == 1
        assert ledger["entries"][0]["amount"] == 750000
        assert call(f"http://127.0.0.1:{port}/__mock__/ledger?provider=VNPOST")["count"] == 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_pace_and_failures_are_set_at_start_from_the_environment(tmp_path):
    port = free_port()
    process = start_mock(
        port,
        tmp_path / "mock.sqlite3",
        MOCK_VIETTELPAY_DELAY="5",
        MOCK_VNPOST_WINDOW="20",
        MOCK_FAILURE_RATE="0.03",
    )
    try:
        config = call(f"http://127.0.0.1:{port}/__mock__/config")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert config["viettelpay"]["result_delay_seconds"] == 5
    assert config["vnpost"]["window_seconds"] == 20
    assert {c["failure_rate"] for c in config.values()} == {0.03}


def test_a_bad_setting_at_start_is_refused_with_a_message(tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "run_mock_providers",
            "--port",
            str(free_port()),
            "--db",
            str(tmp_path / "m.sqlite3"),
            "--failure-rate",
            "2",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "failure_rate" in result.stderr
