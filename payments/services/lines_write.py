"""Writing a generated list's lines in bulk: COPY on PostgreSQL, bulk_create elsewhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.db import connection

from payments.models import Channel, LineStatus, PaymentLine

BATCH_SIZE = 2000

LINE_COLUMNS = (
    "payment_list_id", "line_no", "reference", "beneficiary_id", "commune_id",
    "beneficiary_id_number", "full_name", "categories", "coefficient", "amount_regular",
    "amount_care", "amount_arrears", "arrears_months", "amount_funeral", "amount_carried_over",
    "amount_total", "payee_name", "payee_id_number", "payee_is_recipient", "payee_phone",
    "explanation", "channel", "provider_id", "account_id", "account_number", "status",
    "failure_code", "failure_reason", "cannot_compute", "cannot_compute_reason", "line_kind",
    "care_arrangement_id",
)  # fmt: skip

NULLABLE_COLUMNS = frozenset({"account_id", "care_arrangement_id"})


def line_tail(
    payee, explanation: str, account, cash_provider_id: int, problems, kind: str, arrangement_id
) -> tuple:
    """The columns of a line from `payee_name` to the end (LINE_COLUMNS' order), the same for
    every kind of line: who is paid, how the amount was computed, the channel (the account, or
    cash through VNPost), pending, whether it can be computed, the kind and the arrangement."""
    return (
        payee.name,
        payee.id_number,
        payee.is_recipient,
        payee.phone,
        explanation,
        Channel.ACCOUNT if account else Channel.CASH,
        account.provider_id if account else cash_provider_id,
        account.id if account else None,
        account.account_number if account else "",
        LineStatus.PENDING,
        "",  # failure_code
        "",  # failure_reason
        bool(problems),
        "; ".join(dict.fromkeys(problems))[:255] if problems else "",
        kind,
        arrangement_id,
    )


def write_lines(lines: list[tuple], report: Callable[[int, int], None]) -> None:
    """Write the lines in batches: COPY on PostgreSQL (a province in a few seconds), bulk_create
    elsewhere. Lines carry no history rows when written: a draft is derived data."""
    total = len(lines)
    copy = connection.vendor == "postgresql"
    # CSV through the C writer; only the foreign keys in NULLABLE_COLUMNS may be NULL, so every
    # other column reads an empty field as an empty string, never as NULL.
    not_null = ", ".join(c for c in LINE_COLUMNS if c not in NULLABLE_COLUMNS)
    copy_sql = (
        f"COPY {PaymentLine._meta.db_table} ({', '.join(LINE_COLUMNS)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
    )
    size = BATCH_SIZE * 5 if copy else BATCH_SIZE
    for start in range(0, total, size):
        chunk = lines[start : start + size]
        if copy:
            buffer = io.StringIO()
            csv.writer(buffer).writerows(chunk)
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(copy_sql, buffer)
        else:
            PaymentLine.objects.bulk_create(
                [PaymentLine(**dict(zip(LINE_COLUMNS, row, strict=True))) for row in chunk]
            )
        report(min(start + len(chunk), total), total)
