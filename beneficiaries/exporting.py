"""Export of the register to .xlsx, in the columns of the import contract (it reads back in)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from beneficiaries.models import Beneficiary
from beneficiaries.resources import RegistrationResource
from beneficiaries.services.import_file import COLUMNS, LABELS
from org.downloads import safe_cell
from org.privacy import Identifiers

EXTRA = ["status"]


def register_rows(queryset: QuerySet[Beneficiary], identifiers: Identifiers) -> Iterator[list]:
    """One row per beneficiary: the contract's columns as the import resource dehydrates them
    (`RegistrationResource`, the same fields the import reads), then the status; ID, phone and
    account numbers as `identifiers` shows them. Few queries (the queryset prefetches)."""
    resource = RegistrationResource(
        user=None, communes={}, today=timezone.localdate(), identifiers=identifiers
    )
    # iterator() with a chunk size still runs the prefetches, one batch per chunk.
    for b in queryset.iterator(chunk_size=2000):
        yield [*resource.export_resource(b), b.get_status_display()]


def register_workbook(
    queryset: QuerySet[Beneficiary], identifiers: Identifiers
) -> tuple[bytes, int]:
    """The workbook and its number of data rows. Write-only: a province's 60,738 rows fit."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("doi_tuong")
    bold = Font(bold=True)
    header = []
    for column in [*COLUMNS, *EXTRA]:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    labels = [LABELS.get(c, "Trạng thái") for c in [*COLUMNS, *EXTRA]]
    count = 0
    for row in register_rows(queryset, identifiers):
        sheet.append([safe_cell(v) for v in row])
        count += 1
    labels_sheet = workbook.create_sheet("ten_cot")
    labels_sheet.append(["Cột", "Tên tiếng Việt"])
    for column, label in zip([*COLUMNS, *EXTRA], labels, strict=True):
        labels_sheet.append([column, label])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count
