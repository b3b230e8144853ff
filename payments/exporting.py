"""Exports of a payment list: the CSV contract, the official xlsx list, the cash signature list,
and the payment results.

Every export lists the lines in line-number order, the order generation gave them: commune by
commune and, inside one, by given name then family and middle names in Vietnamese alphabetical
order (`org.text.name_sort_key`), as on the lines page.

Every function here only reads the list's lines; none writes. The list exports (CSV, xlsx) read
nothing that changes after closing, so a closed list exports the same bytes forever and can be
compared with, or signed next to, its content hash; what the providers report afterwards (status,
paid at, failure) is only in the results export (``payment_results_csv``). Text that a
spreadsheet could run as a formula is neutralised with a leading single quote.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from org.downloads import cell_text, neutralise
from org.models import AdministrativeUnit
from org.privacy import WHOLE, Identifiers
from payments.models import Channel, LineStatus, PaymentLine, PaymentList

# DESIGN.md §5, "Payment list CSV export columns": a contract, change it only deliberately.
CSV_COLUMNS: tuple[str, ...] = (
    "line_no",
    "commune_code",
    "beneficiary_id_number",
    "full_name",
    "categories",
    "coefficient",
    "amount_regular",
    "amount_arrears",
    "arrears_months",
    "amount_funeral",
    "amount_carried_over",
    "amount_total",
    "payee_name",
    "payee_id_number",
    "channel",
    "provider",
    "account_number",
    "status",
)
# The list CSV's `status` is the line's status when the list was sealed, which is always
# "pending" (only the providers' results change it afterwards, and those are in the results
# export): the column stays for the contract, its value never changes.
STATUS_AT_CLOSING = LineStatus.PENDING

# The payment results of a list, per line: what the settlement needs, nothing personal beyond
# the reference that links a result to its line of the sealed list.
RESULTS_CSV_COLUMNS: tuple[str, ...] = (
    "line_no",
    "reference",
    "commune_code",
    "provider",
    "batch_reference",
    "amount_total",
    "status",
    "paid_at",
    "failure_code",
    "failure_reason",
)

XLSX_TITLE = "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"
XLSX_HEADERS: tuple[str, ...] = (
    "STT",
    "Họ và tên",
    "Số định danh",
    "Diện",
    "Hệ số",
    "Trợ cấp hằng tháng",
    "Truy lĩnh",
    "Tháng truy lĩnh",
    "Hỗ trợ mai táng",
    "Kỳ trước chuyển sang",
    "Tổng cộng",
    "Người nhận",
    "Số định danh người nhận",
    "Hình thức (Tài khoản/Tiền mặt)",
    "Tổ chức chi trả",
    "Số tài khoản",
    "Ký nhận",
)
XLSX_COLUMN_WIDTHS = (6, 26, 15, 10, 7, 14, 12, 18, 14, 14, 14, 26, 15, 14, 22, 18, 18)
# Columns (1-based) that hold VND amounts, summed in the total row.
XLSX_AMOUNT_COLUMNS = (6, 7, 9, 10, 11)
XLSX_SIGNATURE_COLUMN = 17
MONEY_FORMAT = "#,##0"
CHANNEL_LABELS = {Channel.ACCOUNT: "Tài khoản", Channel.CASH: "Tiền mặt"}
NOT_SIGNED = "—"

# A zip entry's timestamp is part of the file's bytes; a fixed one keeps exports reproducible.
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)

INVALID_SHEET_TITLE_RE = re.compile(r"[\\*?:/\[\]]")
SHEET_TITLE_MAX = 31


def _lines(payment_list: PaymentList, commune: AdministrativeUnit | None) -> QuerySet[PaymentLine]:
    lines = payment_list.lines.select_related("commune", "provider")
    if commune is not None:
        lines = lines.filter(commune=commune)
    return lines.order_by("line_no")


def _csv_row(line: PaymentLine, identifiers: Identifiers) -> list[Any]:
    return [
        line.line_no,
        neutralise(line.commune.code),
        neutralise(identifiers.id_number(line.beneficiary_id_number)),
        neutralise(line.full_name),
        neutralise(line.categories),
        f"{line.coefficient:.2f}",
        int(line.amount_regular),
        int(line.amount_arrears),
        neutralise(line.arrears_months),
        int(line.amount_funeral),
        int(line.amount_carried_over),
        int(line.amount_total),
        neutralise(line.payee_name),
        neutralise(identifiers.id_number(line.payee_id_number)),
        line.channel,
        line.provider.code,
        neutralise(identifiers.account(line.account_number)),
        STATUS_AT_CLOSING,
    ]


def payment_list_csv(
    payment_list: PaymentList,
    *,
    commune: AdministrativeUnit | None = None,
    identifiers: Identifiers = WHOLE,
) -> bytes:
    """The list as the CSV of DESIGN.md §5: UTF-8 with a BOM, comma-separated, CRLF lines.

    A header row of `CSV_COLUMNS`, then one row per line ordered by line number (only the
    lines of `commune` when given). Amounts are plain integers, the coefficient has a dot
    decimal ("1.50"), `provider` is the provider's code and `status` the line's status when
    the list was sealed (always "pending", STATUS_AT_CLOSING: the providers' results are in
    `payment_results_csv`). ID and account numbers as `identifiers` shows them (whole unless a
    user's). Reads the database, writes nothing; a closed list gives the same bytes forever,
    before and after payment.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in _lines(payment_list, commune):
        writer.writerow(_csv_row(line, identifiers))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def payment_results_csv(
    payment_list: PaymentList, *, commune: AdministrativeUnit | None = None
) -> bytes:
    """The providers' results of a list, for the settlement: UTF-8 with a BOM, comma-separated,
    CRLF lines, a header row of `RESULTS_CSV_COLUMNS` and one row per line in line-number order
    (only `commune`'s lines when given). `status` is the line's status code now (pending,
    submitted, paid, failed, unpaid), `paid_at` the local time (ISO 8601 with its offset) or
    empty, `failure_code` the provider's code and `failure_reason` its Vietnamese reason,
    `provider` the provider's code and `batch_reference` the batch the line went in. Unlike the
    list exports it changes as results come in. Reads the database, writes nothing.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULTS_CSV_COLUMNS)
    lines = _lines(payment_list, commune).select_related("batch")
    for line in lines:
        paid_at = timezone.localtime(line.paid_at).isoformat() if line.paid_at else ""
        writer.writerow(
            [
                line.line_no,
                neutralise(line.reference),
                neutralise(line.commune.code),
                line.provider.code,
                neutralise(line.batch.reference) if line.batch else "",
                int(line.amount_total),
                line.status,
                paid_at,
                neutralise(line.failure_code),
                neutralise(line.failure_reason),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _person(user) -> str:
    return str(user) if user is not None else ""


def _sheet_titles(communes: Iterable[AdministrativeUnit]) -> list[str]:
    """One sheet title per commune: its name, made valid, cut to 31 characters, unique."""
    titles: list[str] = []
    taken: set[str] = set()
    for commune in communes:
        base = INVALID_SHEET_TITLE_RE.sub("-", commune.name).strip("' ") or commune.code
        title = base[:SHEET_TITLE_MAX]
        n = 2
        # Excel compares sheet titles without regard to case.
        while title.casefold() in taken:
            suffix = f" ({n})"
            title = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
            n += 1
        taken.add(title.casefold())
        titles.append(title)
    return titles


def _export_moment(payment_list: PaymentList) -> datetime.datetime:
    """When the list last changed, as naive UTC (what the xlsx document properties hold)."""
    moment = payment_list.closed_at or payment_list.generated_at
    if moment is None:
        month = payment_list.period.month
        return datetime.datetime(month.year, month.month, month.day)  # noqa: DTZ001
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def _write_commune_sheet(
    ws: Worksheet,
    payment_list: PaymentList,
    commune: AdministrativeUnit,
    lines: list[PaymentLine],
    identifiers: Identifiers,
) -> None:
    period = payment_list.period
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)
    last_col = get_column_letter(len(XLSX_HEADERS))

    title_rows = (
        (XLSX_TITLE, Font(bold=True, size=14)),
        (f"Tháng {period.month:%m/%Y}", bold),
        (cell_text(f"{commune.name}, {period.unit.name}"), Font(italic=True)),
    )
    for row, (text, font) in enumerate(title_rows, start=1):
        ws.cell(row=row, column=1, value=text).font = font
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")
        ws.merge_cells(f"A{row}:{last_col}{row}")

    header_row = 5
    for col, (label, width) in enumerate(zip(XLSX_HEADERS, XLSX_COLUMN_WIDTHS, strict=True), 1):
        cell = ws.cell(row=header_row, column=col, value=label)
        cell.font = bold
        cell.alignment = centre
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[header_row].height = 45

    row = header_row
    for stt, line in enumerate(lines, start=1):
        row += 1
        is_cash = line.channel == Channel.CASH
        values = (
            stt,
            cell_text(line.full_name),
            cell_text(identifiers.id_number(line.beneficiary_id_number)),
            cell_text(line.categories),
            line.coefficient,
            int(line.amount_regular),
            int(line.amount_arrears),
            cell_text(line.arrears_months),
            int(line.amount_funeral),
            int(line.amount_carried_over),
            int(line.amount_total),
            cell_text(line.payee_name),
            cell_text(identifiers.id_number(line.payee_id_number)),
            CHANNEL_LABELS.get(line.channel, line.channel),
            cell_text(line.provider.name),
            cell_text(identifiers.account(line.account_number)),
            None if is_cash else NOT_SIGNED,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = border
            cell.alignment = centre if col in (1, 5, 14, XLSX_SIGNATURE_COLUMN) else wrap
            if col in XLSX_AMOUNT_COLUMNS:
                cell.number_format = MONEY_FORMAT
            elif col == 5:
                cell.number_format = "0.00"
        if is_cash:
            ws.row_dimensions[row].height = 36  # room for a signature

    total_row = row + 1
    totals = {
        6: sum(line.amount_regular for line in lines),
        7: sum(line.amount_arrears for line in lines),
        9: sum(line.amount_funeral for line in lines),
        10: sum(line.amount_carried_over for line in lines),
        11: sum(line.amount_total for line in lines),
    }
    for col in range(1, len(XLSX_HEADERS) + 1):
        cell = ws.cell(row=total_row, column=col)
        cell.border = border
        cell.font = bold
        if col in totals:
            cell.value = int(totals[col])
            cell.number_format = MONEY_FORMAT
    ws.cell(row=total_row, column=2, value=f"Tổng cộng ({len(lines)} người)")

    footer = total_row + 2
    ws.cell(row=footer, column=2, value="Người lập").font = bold
    ws.cell(row=footer, column=12, value="Người duyệt").font = bold
    for col, user in ((2, payment_list.generated_by), (12, payment_list.closed_by)):
        if user is not None:
            ws.cell(row=footer + 3, column=col, value=cell_text(_person(user)))
    if payment_list.closed_at is not None:
        closed = timezone.localtime(payment_list.closed_at)
        ws.cell(
            row=footer + 5,
            column=2,
            value=f"Chốt danh sách lúc {closed:%H:%M %d/%m/%Y}. "
            f"Mã kiểm tra nội dung (SHA-256): {payment_list.content_hash}",
        )

    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _reproducible_zip(data: bytes) -> bytes:
    """Re-pack a zip with one fixed timestamp per entry, keeping the entries' order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def payment_list_xlsx(
    payment_list: PaymentList,
    *,
    commune: AdministrativeUnit | None = None,
    identifiers: Identifiers = WHOLE,
) -> bytes:
    """The official list (danh sách chi trả) as an xlsx workbook, one sheet per commune.

    Each sheet has the title block (title, month, commune and closing unit), Vietnamese column
    headers, one row per line in line-number order, a bold total row, and a footer with who
    generated and who closed the list and, once closed, its content hash. Cash lines leave the
    "Ký nhận" cell empty for a signature; account lines show "—". Only `commune`'s sheet when
    given; ID and account numbers as `identifiers` shows them. Reads the database, writes
    nothing; the same list gives the same bytes (document
    dates come from the list, zip entry dates are fixed).
    """
    by_commune: dict[int, tuple[AdministrativeUnit, list[PaymentLine]]] = {}
    for line in _lines(payment_list, commune):
        by_commune.setdefault(line.commune_id, (line.commune, []))[1].append(line)
    if commune is not None and not by_commune:
        by_commune[commune.pk] = (commune, [])
    groups = sorted(by_commune.values(), key=lambda group: group[0].path)

    wb = Workbook()
    wb.remove(wb.active)
    for title, (unit, lines) in zip(_sheet_titles(g[0] for g in groups), groups, strict=True):
        _write_commune_sheet(wb.create_sheet(title=title), payment_list, unit, lines, identifiers)
    if not groups:
        ws = wb.create_sheet(title="Danh sách")
        ws.append([XLSX_TITLE])
        ws.append([f"Tháng {payment_list.period.month:%m/%Y}"])
        ws.append([cell_text(payment_list.period.unit.name)])
        ws.append([])
        ws.append(list(XLSX_HEADERS))

    moment = _export_moment(payment_list)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = cell_text(_person(payment_list.generated_by))
    wb.properties.lastModifiedBy = cell_text(_person(payment_list.closed_by))
    wb.properties.title = f"{XLSX_TITLE} {payment_list.period.month:%m/%Y}"

    # Workbook.save() stamps "modified" with the current time; the writer itself does not.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return _reproducible_zip(buffer.getvalue())


def signature_list_context(
    payment_list: PaymentList, *, commune: AdministrativeUnit, identifiers: Identifiers = WHOLE
) -> dict:
    """Context for `payments/signature_list.html`: one commune's cash lines for VNPost.

    Keys: `payment_list`, `period`, `month` (first day), `commune`, `closing_unit`, `lines`
    (cash lines in line-number order), `line_count` and `total_amount` (of those lines), and
    `identifiers`: how the payees' ID numbers are shown (whole for the post office's copy).
    Reads the database, writes nothing.
    """
    lines = list(_lines(payment_list, commune).filter(channel=Channel.CASH))
    period = payment_list.period
    return {
        "payment_list": payment_list,
        "period": period,
        "month": period.month,
        "commune": commune,
        "closing_unit": period.unit,
        "lines": lines,
        "line_count": len(lines),
        "total_amount": sum(line.amount_total for line in lines),
        "identifiers": identifiers,
    }
