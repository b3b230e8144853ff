"""Export of the register to .xlsx, in the columns of the import contract (it reads back in).

Written by xlsxwriter's constant-memory mode from the queryset's iterator: rows go to disk as
they are written, so memory stays bounded by one chunk of beneficiaries, whatever the size of
the register. A register above TROCAP_EXPORT_INLINE_MAX_ROWS rows is an export job written by a
worker (`register_export_kind`, org.exports); smaller ones are written in the request."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from beneficiaries.models import Beneficiary
from beneficiaries.resources import RegistrationResource
from beneficiaries.services.import_file import COLUMNS, LABELS
from org.downloads import cell_text
from org.privacy import Identifiers

EXTRA = ["status"]
CHUNK = 2000  # beneficiaries read (with their prefetches) at a time
PROGRESS_EVERY = 1000


def register_rows(queryset: QuerySet[Beneficiary], identifiers: Identifiers) -> Iterator[list]:
    """One row per beneficiary: the contract's columns as the import resource dehydrates them
    (`RegistrationResource`, the same fields the import reads), then the status; ID, phone and
    account numbers as `identifiers` shows them. Few queries (the queryset prefetches)."""
    resource = RegistrationResource(
        user=None, communes={}, today=timezone.localdate(), identifiers=identifiers
    )
    # iterator() with a chunk size still runs the prefetches, one batch per chunk.
    for b in queryset.iterator(chunk_size=CHUNK):
        yield [*resource.export_resource(b), b.get_status_display()]


def _write_cell(ws, row: int, col: int, value, date_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        ws.write_string(row, col, cell_text(value))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, datetime.date):
        ws.write_datetime(row, col, value, date_format)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value))
    else:
        ws.write_string(row, col, cell_text(str(value)))


def register_xlsx_write(
    queryset: QuerySet[Beneficiary],
    output: str | Path | BinaryIO,
    identifiers: Identifiers,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the register's workbook to `output` (a path or a binary file): a sheet `doi_tuong`
    (a bold header of the contract's columns, one row per beneficiary) and a sheet `ten_cot`
    naming each column in Vietnamese. `progress(done, total)` every PROGRESS_EVERY rows.
    Reads the database, writes only `output`. Returns the number of data rows."""
    total = queryset.count() if progress is not None else 0
    if progress is not None:
        progress(0, total)
    workbook = xlsxwriter.Workbook(
        str(output) if isinstance(output, Path) else output,
        {"constant_memory": True, "tmpdir": None, "strings_to_numbers": False},
    )
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("doi_tuong")
    columns = [*COLUMNS, *EXTRA]
    sheet.write_row(0, 0, columns, bold)
    count = 0
    for count, row in enumerate(register_rows(queryset, identifiers), start=1):
        for col, value in enumerate(row):
            _write_cell(sheet, count, col, value, date_format)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, max(total, count))
    labels_sheet = workbook.add_worksheet("ten_cot")
    labels_sheet.write_row(0, 0, ["Cột", "Tên tiếng Việt"])
    for r, column in enumerate(columns, start=1):
        labels_sheet.write_row(r, 0, [column, LABELS.get(column, "Trạng thái")])
    workbook.close()
    if progress is not None:
        progress(count, count)
    return count


def register_workbook(
    queryset: QuerySet[Beneficiary], identifiers: Identifiers
) -> tuple[bytes, int]:
    """The workbook in memory and its number of data rows (a register small enough to export
    inside a request)."""
    out = io.BytesIO()
    count = register_xlsx_write(queryset, out, identifiers)
    return out.getvalue(), count
