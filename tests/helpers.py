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


def reconciled_with_a_discrepancy_per_line(period, status: str = "mismatched"):
    """A Reconciliation of `period` that found every line missing at its provider."""
    from django.utils import timezone

    from payments.models import Reconciliation, ReconciliationIssue

    lines = list(period.payment_list.lines.select_related("provider"))
    reconciliation = Reconciliation.objects.create(
        period=period, status=status, reconciled_at=timezone.now(), line_count=len(lines)
    )
    ReconciliationIssue.objects.bulk_create(
        ReconciliationIssue(
            reconciliation=reconciliation,
            provider=line.provider,
            line=line,
            reference=line.reference,
            kind="missing",
        )
        for line in lines
    )
    return reconciliation


def confirmed_post(client, url: str, data: dict | None = None, **kwargs):
    """POST to an action that asks for a confirmation first, as the officer does: open the
    confirmation page (GET, with `data` as the query), take its token, and post it back."""
    import re

    page = client.get(url, data or {})
    found = re.search(r'name="confirm" value="([0-9a-f]+)"', page.content.decode())
    token = found.group(1) if found else ""
    return client.post(url, {**(data or {}), "confirm": token}, **kwargs)


def checker_of(unit):
    """A second district officer of `unit` (created once, username duyet<code>): the one who
    closes a list another officer generated, since nobody closes a list they prepared."""
    from org.models import Role, User

    user, _ = User.objects.get_or_create(
        username=f"duyet{unit.code}",
        defaults={
            "role": Role.DISTRICT_OFFICER,
            "unit": unit,
            "first_name": "Kiểm",
            "last_name": "Tra",
        },
    )
    return user
