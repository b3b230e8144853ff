"""The embedded SQLite database is shared by the web process and the worker building the demo's
history behind `make run`: WAL lets the pages read while the worker writes, and the busy timeout
makes a write wait for the worker's transaction instead of failing with "database is locked"."""

import sqlite3
import threading
import time

import pytest
from django.db import connection

from org.models import AdministrativeUnit

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded SQLite default only"),
]


def test_sqlite_is_in_wal_mode_with_a_busy_timeout():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 30_000


def test_pages_read_and_write_while_another_process_holds_a_write_transaction():
    connection.ensure_connection()
    worker = sqlite3.connect(
        connection.settings_dict["NAME"], timeout=5, isolation_level=None, check_same_thread=False
    )
    worker.execute("BEGIN IMMEDIATE")
    worker.execute("UPDATE org_administrativeunit SET name = name")
    try:
        # A read does not wait for the writer.
        started = time.monotonic()
        assert AdministrativeUnit.objects.count() >= 0
        assert time.monotonic() - started < 1
        # A write waits for the writer's commit (here 1 s later) rather than failing.
        threading.Timer(1.0, lambda: worker.execute("COMMIT")).start()
        started = time.monotonic()
        AdministrativeUnit.objects.filter(pk=-1).update(name="x")
        assert time.monotonic() - started >= 0.5
    finally:
        time.sleep(1.2)
        worker.close()
