"""Helpers for tests that start other processes on the test database."""

from django.db import connection


def test_database_url() -> str:
    """A DATABASE_URL pointing a subprocess at the database this test uses."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{port}/{s['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name
