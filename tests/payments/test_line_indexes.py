"""payments_paymentline keeps only the indexes a query needs (issue 19): every one is written
for each of the millions of lines a national generation makes."""

import datetime

import pytest
from django.db import connection

from payments.models import LineStatus, PaymentLine

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, PaymentLine._meta.db_table)
    return {name: c for name, c in found.items() if c["index"] or c["unique"]}


def test_no_index_nothing_queries():
    by_columns = {}
    for name, c in _indexes().items():
        by_columns.setdefault(tuple(c["columns"]), []).append(name)
    # A lone payment_list index duplicated the three that start with the list; nothing looks
    # lines up by provider, account or commune alone.
    for column in ("payment_list_id", "provider_id", "account_id"):
        assert (column,) not in by_columns, by_columns
    assert by_columns[("commune_id",)] == ["line_open_carry"]
    assert by_columns[("batch_id",)] == ["line_batch"]
    assert by_columns[("carried_over_to_id",)] == ["line_carried_over_to"]
    assert not [n for n in _indexes() if n.endswith("_like")]  # reference LIKE: unused


def test_the_indexes_the_queries_need_are_there():
    indexes = _indexes()
    columns = {tuple(c["columns"]): c for c in indexes.values()}
    assert columns[("reference",)]["unique"]
    assert columns[("payment_list_id", "line_no")]["unique"]
    assert columns[("payment_list_id", "beneficiary_id")]["unique"]
    assert ("payment_list_id", "commune_id") in columns
    assert ("beneficiary_id",) in columns


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partial indexes: PostgreSQL plans")
def test_partial_indexes_serve_their_queries():
    carry = PaymentLine.objects.filter(
        commune_id__in=[1, 2],
        status__in=[LineStatus.FAILED, LineStatus.UNPAID],
        carried_over_to__isnull=True,
        payment_list__closed_at__isnull=False,
        payment_list__period__month__lt=datetime.date(2027, 1, 1),
    ).only("id")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            assert "line_open_carry" in carry.explain()
            assert "line_batch" in PaymentLine.objects.filter(batch_id=1).explain()
            cursor.execute(
                "EXPLAIN SELECT 1 FROM ONLY payments_paymentline x "
                "WHERE carried_over_to_id = 1 FOR KEY SHARE OF x"
            )
            assert "line_carried_over_to" in "\n".join(r[0] for r in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")
