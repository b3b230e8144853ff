"""Export of the register to .xlsx, in the columns of the import contract (it reads back in)."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from beneficiaries.models import Beneficiary
from beneficiaries.services.import_file import COLUMNS, LABELS
from org.downloads import safe_cell
from org.privacy import Identifiers

EXTRA = ["status"]


def register_rows(queryset: QuerySet[Beneficiary], identifiers: Identifiers):
    """One row per beneficiary: the contract's columns, then the status; ID, phone and account
    numbers as `identifiers` shows them. Few queries."""
    # iterator() with a chunk size still runs the prefetches, one batch per chunk.
    for b in queryset.iterator(chunk_size=2000):
        categories = ";".join(c.category.code for c in b.active_categories)
        recipient = b.active_recipients[0] if b.active_recipients else None
        account = b.active_accounts[0] if b.active_accounts else None
        yield [
            b.external_id,
            b.full_name,
            b.date_of_birth.isoformat(),
            b.sex,
            b.ethnicity,
            identifiers.id_number(b.id_number),
            identifiers.phone(b.phone),
            b.commune.code,
            b.address,
            categories,
            b.disability_level,
            b.dependent_children if b.dependent_children is not None else "",
            b.active_categories[0].decision_number if b.active_categories else "",
            b.active_categories[0].decision_date.isoformat() if b.active_categories else "",
            b.start_month.strftime("%Y-%m") if b.start_month else "",
            recipient.full_name if recipient else "",
            identifiers.id_number(recipient.id_number) if recipient else "",
            recipient.relationship if recipient else "",
            identifiers.phone(recipient.phone) if recipient else "",
            account.provider.code if account else "",
            identifiers.account(account.account_number) if account else "",
            account.holder if account else "",
            b.get_status_display(),
        ]


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
