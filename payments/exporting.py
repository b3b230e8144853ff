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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from org.downloads import cell_text, neutralise
from org.models import AdministrativeUnit
from org.privacy import WHOLE, Identifiers
from payments.models import Channel, LineKind, LineStatus, PaymentLine, PaymentList

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
    "line_kind",
    "amount_care",
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
    "Loại chi trả",
    "Hệ số",
    "Trợ cấp hằng tháng",
    "Hỗ trợ chăm sóc, nuôi dưỡng",
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
XLSX_COLUMN_WIDTHS = (6, 26, 15, 10, 12, 7, 14, 14, 12, 18, 14, 14, 14, 26, 15, 14, 22, 18, 18)
# Columns (1-based) that hold VND amounts, summed in the total row.
XLSX_AMOUNT_COLUMNS = (7, 8, 9, 11, 12, 13)
XLSX_COEFFICIENT_COLUMN = 6
XLSX_CHANNEL_COLUMN = 16
XLSX_SIGNATURE_COLUMN = 19
# What a line pays (LineKind), in the file's language.
LINE_KIND_LABELS = {
    LineKind.ALLOWANCE: "Trợ cấp hằng tháng",
    LineKind.CARE_SUPPORT: "Hỗ trợ chăm sóc, nuôi dưỡng",
    LineKind.FUNERAL: "Hỗ trợ mai táng",
}
MONEY_FORMAT = "#,##0"
CHANNEL_LABELS = {Channel.ACCOUNT: "Tài khoản", Channel.CASH: "Tiền mặt"}
NOT_SIGNED = "—"

# A zip entry's timestamp is part of the file's bytes; a fixed one keeps exports reproducible.
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)

# The official list's layout (0-based rows as xlsxwriter counts): title block, a blank row,
# then the column headers.
HEADER_ROW = 4
# The footer names who prepared the list (generated it) and who approved it (closed it).
PREPARER_LABEL = "Người lập"
APPROVER_LABEL = "Người duyệt"
APPROVER_OFFSET = 10  # columns from the preparer's to the approver's (B to L)
SUMMARY_SHEET = "Tổng hợp"
SUMMARY_TITLE = "Tổng hợp theo xã"
SUMMARY_HEADERS: tuple[str, ...] = (
    "STT",
    "Xã",
    "Số dòng",
    "Qua tài khoản",
    "Tiền mặt",
    "Trợ cấp hằng tháng",
    "Hỗ trợ chăm sóc, nuôi dưỡng",
    "Truy lĩnh",
    "Hỗ trợ mai táng",
    "Kỳ trước chuyển sang",
    "Tổng cộng",
)
PROGRESS_EVERY = 500  # lines between two progress reports of the official xlsx
SUMMARY_COLUMN_WIDTHS = (6, 26, 10, 12, 10, 16, 16, 14, 14, 14, 16)

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
        line.line_kind,
        int(line.amount_care),
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


def _sheet_titles(
    communes: Iterable[AdministrativeUnit], *, reserved: frozenset[str] = frozenset()
) -> list[str]:
    """One sheet title per commune: its name, made valid, cut to 31 characters, unique (also
    against the `reserved` titles, casefolded)."""
    titles: list[str] = []
    taken: set[str] = set(reserved)
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


class _Formats:
    """The workbook's cell formats, made once per workbook (xlsxwriter shares them)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        border = {"border": 1}
        centre = {"align": "center", "valign": "vcenter", "text_wrap": True}
        wrap = {"valign": "vcenter", "text_wrap": True}
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        self.month = wb.add_format({"bold": True, "align": "center"})
        self.place = wb.add_format({"italic": True, "align": "center"})
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, **centre, **border})
        self.total = wb.add_format({"bold": True, **border})
        self.total_money = wb.add_format({"bold": True, "num_format": MONEY_FORMAT, **border})
        centred = wb.add_format({**centre, **border})
        wrapped = wb.add_format({**wrap, **border})
        money = wb.add_format({**wrap, **border, "num_format": MONEY_FORMAT})
        coefficient = wb.add_format({**centre, **border, "num_format": "0.00"})
        self.line = tuple(
            money
            if col in XLSX_AMOUNT_COLUMNS
            else coefficient
            if col == XLSX_COEFFICIENT_COLUMN
            else centred
            if col in (1, XLSX_CHANNEL_COLUMN, XLSX_SIGNATURE_COLUMN)
            else wrapped
            for col in range(1, len(XLSX_HEADERS) + 1)
        )


def _line_values(stt: int, line: PaymentLine, identifiers: Identifiers) -> tuple:
    return (
        stt,
        cell_text(line.full_name),
        cell_text(identifiers.id_number(line.beneficiary_id_number)),
        cell_text(line.categories),
        LINE_KIND_LABELS.get(line.line_kind, line.line_kind),
        float(line.coefficient),
        int(line.amount_regular),
        int(line.amount_care),
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
        None if line.channel == Channel.CASH else NOT_SIGNED,
    )


def _write_title_block(ws, fmt: _Formats, payment_list: PaymentList, place: str) -> None:
    last = len(XLSX_HEADERS) - 1
    rows = (
        (XLSX_TITLE, fmt.title),
        (f"Tháng {payment_list.period.month:%m/%Y}", fmt.month),
        (cell_text(place), fmt.place),
    )
    for row, (text, cell_format) in enumerate(rows):
        ws.merge_range(row, 0, row, last, text, cell_format)


def _write_header(ws, fmt: _Formats) -> None:
    for col, width in enumerate(XLSX_COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_row(HEADER_ROW, 45)
    ws.write_row(HEADER_ROW, 0, XLSX_HEADERS, fmt.header)


def _write_signatures(ws, fmt: _Formats, payment_list: PaymentList, row: int, col: int) -> None:
    """Who prepared (generated) the list and who approved (closed) it, and the seal."""
    ws.write(row, col, PREPARER_LABEL, fmt.bold)
    ws.write(row, col + APPROVER_OFFSET, APPROVER_LABEL, fmt.bold)
    for offset, user in ((0, payment_list.generated_by), (APPROVER_OFFSET, payment_list.closed_by)):
        if user is not None:
            ws.write_string(row + 3, col + offset, cell_text(_person(user)))
    if payment_list.closed_at is not None:
        closed = timezone.localtime(payment_list.closed_at)
        ws.write_string(
            row + 5,
            col,
            f"Chốt danh sách lúc {closed:%H:%M %d/%m/%Y}. "
            f"Mã kiểm tra nội dung (SHA-256): {payment_list.content_hash}",
        )


def _page_setup(ws, header_row: int) -> None:
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)


def _write_commune_sheet(
    ws,
    fmt: _Formats,
    payment_list: PaymentList,
    commune: AdministrativeUnit,
    lines: list[PaymentLine],
    identifiers: Identifiers,
    rows_written: Callable[[int], None],
) -> None:
    _write_title_block(ws, fmt, payment_list, f"{commune.name}, {payment_list.period.unit.name}")
    _write_header(ws, fmt)
    row = HEADER_ROW
    line_formats = fmt.line
    for stt, line in enumerate(lines, start=1):
        row += 1
        if line.channel == Channel.CASH:
            ws.set_row(row, 36)  # room for a signature
        for col, value in enumerate(_line_values(stt, line, identifiers)):
            if value is None:
                ws.write_blank(row, col, None, line_formats[col])
            elif isinstance(value, str):
                ws.write_string(row, col, value, line_formats[col])
            else:
                ws.write_number(row, col, value, line_formats[col])
        if stt % PROGRESS_EVERY == 0:
            rows_written(PROGRESS_EVERY)
    rows_written(len(lines) % PROGRESS_EVERY)

    row += 1
    totals = _totals(lines)
    for col in range(len(XLSX_HEADERS)):
        if col + 1 in totals:
            ws.write_number(row, col, totals[col + 1], fmt.total_money)
        elif col == 1:
            ws.write_string(row, col, f"Tổng cộng ({_people(lines)} người)", fmt.total)
        else:
            ws.write_blank(row, col, None, fmt.total)
    _write_signatures(ws, fmt, payment_list, row + 2, 1)
    _page_setup(ws, HEADER_ROW)


def _people(lines: list[PaymentLine]) -> int:
    """How many people the lines are for (a person cared for has a care line too)."""
    return len({line.beneficiary_id for line in lines})


def _totals(lines: list[PaymentLine]) -> dict[int, int]:
    """The amount columns' sums (1-based column -> VND)."""
    return {
        7: int(sum(line.amount_regular for line in lines)),
        8: int(sum(line.amount_care for line in lines)),
        9: int(sum(line.amount_arrears for line in lines)),
        11: int(sum(line.amount_funeral for line in lines)),
        12: int(sum(line.amount_carried_over for line in lines)),
        13: int(sum(line.amount_total for line in lines)),
    }


def _write_summary_sheet(ws, fmt: _Formats, payment_list: PaymentList, groups: list) -> None:
    """The closing unit's summary: one row per commune (lines, account and cash lines, the
    amount columns' totals), a total row, and who prepared and who approved the list."""
    _write_title_block(ws, fmt, payment_list, f"{SUMMARY_TITLE}, {payment_list.period.unit.name}")
    for col, width in enumerate(SUMMARY_COLUMN_WIDTHS):
        ws.set_column(col, col, width)
    ws.set_row(HEADER_ROW, 45)
    ws.write_row(HEADER_ROW, 0, SUMMARY_HEADERS, fmt.header)
    grand = [0] * (len(SUMMARY_HEADERS) - 2)
    row = HEADER_ROW
    for stt, (unit, lines) in enumerate(groups, start=1):
        row += 1
        cash = sum(1 for line in lines if line.channel == Channel.CASH)
        totals = _totals(lines)
        figures = [len(lines), len(lines) - cash, cash, *(totals[c] for c in sorted(totals))]
        grand = [a + b for a, b in zip(grand, figures, strict=True)]
        ws.write_number(row, 0, stt, fmt.line[0])
        ws.write_string(row, 1, cell_text(unit.name), fmt.line[1])
        for col, value in enumerate(figures, start=2):
            ws.write_number(row, col, value, fmt.line[6])
    row += 1
    ws.write_blank(row, 0, None, fmt.total)
    ws.write_string(row, 1, f"Tổng cộng ({len(groups)} xã)", fmt.total)
    for col, value in enumerate(grand, start=2):
        ws.write_number(row, col, value, fmt.total_money)
    _write_signatures(ws, fmt, payment_list, row + 2, 1)
    _page_setup(ws, HEADER_ROW)


def payment_list_xlsx(
    payment_list: PaymentList,
    *,
    commune: AdministrativeUnit | None = None,
    identifiers: Identifiers = WHOLE,
) -> bytes:
    """The official list as bytes (`payment_list_xlsx_write` into memory): for a list small
    enough to export inside a request, and the tests."""
    buffer = io.BytesIO()
    payment_list_xlsx_write(payment_list, buffer, commune=commune, identifiers=identifiers)
    return buffer.getvalue()


def payment_list_xlsx_write(
    payment_list: PaymentList,
    output: str | Path | BinaryIO,
    *,
    commune: AdministrativeUnit | None = None,
    identifiers: Identifiers = WHOLE,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """The official list (danh sách chi trả) as an xlsx workbook: a summary sheet of the closing
    unit, then one sheet per commune.

    The summary ("Tổng hợp") has one row per commune (lines, account and cash lines, amounts)
    and a total row. Each commune's sheet has the title block (title, month, commune and closing
    unit), Vietnamese column headers, one row per line in line-number order, a bold total row.
    Both end with who prepared (generated) and who approved (closed) the list and, once closed,
    its content hash. Cash lines leave the "Ký nhận" cell empty for a signature; account lines
    show "—". Only `commune`'s sheet, without the summary, when given; ID and account numbers
    as `identifiers` shows them. Written row by row by xlsxwriter's constant-memory mode.
    Reads the database and writes only `output` (a path or a binary file); the same list gives
    the same bytes (document dates come from the list, xlsxwriter fixes the zip entries'
    dates). `progress(done, total)` is called every PROGRESS_EVERY lines written. Returns the
    number of lines.
    """
    by_commune: dict[int, tuple[AdministrativeUnit, list[PaymentLine]]] = {}
    for line in _lines(payment_list, commune):
        by_commune.setdefault(line.commune_id, (line.commune, []))[1].append(line)
    if commune is not None and not by_commune:
        by_commune[commune.pk] = (commune, [])
    groups = sorted(by_commune.values(), key=lambda group: group[0].path)
    total = sum(len(lines) for _unit, lines in groups)
    done = 0

    def rows_written(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    rows_written(0)
    wb = xlsxwriter.Workbook(
        str(output) if isinstance(output, Path) else output,
        {"constant_memory": True, "tmpdir": None, "strings_to_numbers": False},
    )
    fmt = _Formats(wb)
    if commune is None and groups:
        _write_summary_sheet(wb.add_worksheet(SUMMARY_SHEET), fmt, payment_list, groups)
    titles = _sheet_titles((g[0] for g in groups), reserved=frozenset({SUMMARY_SHEET.casefold()}))
    for title, (unit, lines) in zip(titles, groups, strict=True):
        _write_commune_sheet(
            wb.add_worksheet(title), fmt, payment_list, unit, lines, identifiers, rows_written
        )
    if not groups:
        ws = wb.add_worksheet("Danh sách")
        ws.write_column(0, 0, [XLSX_TITLE, f"Tháng {payment_list.period.month:%m/%Y}"])
        ws.write_string(2, 0, cell_text(payment_list.period.unit.name))
        ws.write_row(HEADER_ROW, 0, XLSX_HEADERS)

    moment = _export_moment(payment_list)
    wb.set_properties(
        {
            "title": f"{XLSX_TITLE} {payment_list.period.month:%m/%Y}",
            "author": cell_text(_person(payment_list.generated_by)),
            "manager": cell_text(_person(payment_list.closed_by)),
            "created": moment,
        }
    )
    wb.close()
    return total


def _reproducible_zip(data: bytes) -> bytes:
    """Re-pack a zip with one fixed timestamp per entry, keeping the entries' order (for the
    openpyxl workbooks of the settlement)."""
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
