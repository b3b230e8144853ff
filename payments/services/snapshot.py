"""The point in the register's history a list reflects, and the decisions taken after it.

Generation reads the register in one consistent read (one transaction; REPEATABLE READ on
PostgreSQL, a WAL snapshot on SQLite) and stamps the list's ``snapshot_at`` just before it. A
change decided after that point is in neither the lines nor the read: the list is stale, and
closing refuses it, naming the change.

Time alone cannot say what the read saw: an approval stamps ``decided_at`` when its transaction
starts and commits a moment later, so a decision stamped just before the snapshot may still have
been invisible to it. The read therefore also records which approved changes of the last
``TROCAP_GENERATION_SNAPSHOT_MARGIN_SECONDS`` it saw (a handful); any other approved change
decided after ``snapshot_at`` minus that margin is stale. The margin only has to outlast one
approval's transaction.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from beneficiaries.models import CategoryCoefficient, ChangeRecord, ChangeStatus, StandardLevel
from org.roles import communes_q
from payments.models import PaymentList, PaymentPeriod


@contextlib.contextmanager
def register_snapshot() -> Iterator[None]:
    """One consistent read of the register: every query inside sees the same committed state.

    On PostgreSQL a REPEATABLE READ transaction (when not already inside one: the test suite's
    wrapping transaction, or a caller's, then decides); on SQLite a transaction, which reads one
    WAL snapshot. Writes belong outside it."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def margin() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TROCAP_GENERATION_SNAPSHOT_MARGIN_SECONDS)


def _approved_for(period: PaymentPeriod) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(
        communes_q(period.unit_id),
        status=ChangeStatus.APPROVED,
        effective_month__lte=period.month,
    )


def changes_seen(period: PaymentPeriod, snapshot_at: datetime.datetime) -> list[int]:
    """Inside the read: the approved changes of the margin before `snapshot_at` it sees."""
    return sorted(
        _approved_for(period)
        .filter(decided_at__gt=snapshot_at - margin())
        .values_list("id", flat=True)
    )


def changes_decided_since_generation(
    period: PaymentPeriod, payment_list: PaymentList
) -> QuerySet[ChangeRecord]:
    """Changes for the month approved after the point the list reflects: the list is stale.

    Lists generated before snapshots were recorded compare with their generation time."""
    changes = _approved_for(period)
    if payment_list.snapshot_at is None:
        return changes.filter(decided_at__gt=payment_list.generated_at)
    # Compared here rather than in SQL: a bulk approval can leave thousands of seen ids, more
    # than one query may carry; the stale ones are few.
    seen = set(payment_list.changes_seen or [])
    recent = changes.filter(decided_at__gt=payment_list.snapshot_at - margin())
    stale = [pk for pk in recent.values_list("id", flat=True) if pk not in seen]
    return changes.filter(pk__in=stale)


def policy_approved_since_generation(period: PaymentPeriod, payment_list: PaymentList) -> list[str]:
    """Standard levels and coefficient bands for the month approved after the list read the
    policy tables (org/review.py: a row counts once approved): the list priced people with
    the tables before them, so it is stale too. Their names, for the refusal."""
    since = payment_list.snapshot_at or payment_list.generated_at
    if since is None:
        return []
    month = period.month
    levels = StandardLevel.objects.filter(approved_at__gt=since, effective_month__lte=month).filter(
        Q(province__isnull=True) | Q(province__code=period.unit.province_code)
    )
    bands = CategoryCoefficient.objects.filter(approved_at__gt=since, valid_from__lte=month).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=month)
    )
    return [str(row) for row in [*levels, *bands.select_related("category")]]
