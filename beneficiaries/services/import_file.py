"""The import contract of DESIGN.md §5: reading a spreadsheet of beneficiaries.

Reading is pure (no database) and budgeted (bytes, rows, time: a hostile file is refused quickly,
with a message and a code); it feeds a tablib Dataset to the import resource
(`beneficiaries.resources`), which reads each row, checks it and writes it; `importing` runs it.
A file is all or nothing: any bad row and nothing is imported, and every bad row is reported with
its row number (as the spreadsheet numbers it), column, reason and code.
"""

from __future__ import annotations

import csv
import datetime
import io
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import DisabilityLevel, RecipientKind, Sex
from org.text import search_key

COLUMNS = [
    "external_id",
    "full_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "id_number",
    "phone",
    "commune_code",
    "address",
    "category",
    "disability_level",
    "dependent_children",
    "decision_number",
    "decision_date",
    "start_month",
    "recipient_kind",
    "recipient_full_name",
    "recipient_id_number",
    "recipient_relationship",
    "recipient_phone",
    "account_provider",
    "account_number",
    "account_holder",
    # Care support (Decree 20 Art. 20), optional, may be absent: empty care_code, no arrangement.
    "care_code",
    "carer_full_name",
    "carer_id_number",
    "carer_relationship",
    "carer_phone",
]
CARE_COLUMNS = (
    "care_code",
    "carer_full_name",
    "carer_id_number",
    "carer_relationship",
    "carer_phone",
)
REQUIRED = {
    "full_name",
    "date_of_birth",
    "gender",
    "commune_code",
    "category",
    "decision_number",
    "decision_date",
    "start_month",
}

# Vietnamese labels accepted as headers, compared without diacritics or case.
LABELS = {
    "external_id": "Mã đối tượng",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "ethnicity": "Dân tộc",
    "id_number": "Số định danh cá nhân",
    "phone": "Số điện thoại",
    "commune_code": "Mã xã",
    "address": "Địa chỉ",
    "category": "Diện đối tượng",
    "disability_level": "Mức độ khuyết tật",
    "dependent_children": "Số con đang nuôi",
    "decision_number": "Số quyết định",
    "decision_date": "Ngày quyết định",
    "start_month": "Tháng bắt đầu hưởng",
    "recipient_kind": "Loại người nhận thay",
    "recipient_full_name": "Họ tên người nhận thay",
    "recipient_id_number": "Số định danh người nhận thay",
    "recipient_relationship": "Quan hệ với đối tượng",
    "recipient_phone": "Số điện thoại người nhận thay",
    "account_provider": "Tổ chức chi trả",
    "account_number": "Số tài khoản",
    "account_holder": "Chủ tài khoản",
    "care_code": "Mã hỗ trợ chăm sóc",
    "carer_full_name": "Họ tên người chăm sóc",
    "carer_id_number": "Số định danh người chăm sóc",
    "carer_relationship": "Quan hệ của người chăm sóc",
    "carer_phone": "Số điện thoại người chăm sóc",
}
EXTRA_ALIASES = {
    "ho ten": "full_name",
    "ten": "full_name",
    "so cccd": "id_number",
    "so dinh danh": "id_number",
    "cccd": "id_number",
    "dien": "category",
    "ma don vi": "commune_code",
    "so con": "dependent_children",
    "thang bat dau": "start_month",
    "don vi chi tra": "account_provider",
    "nguoi nhan thay la": "recipient_kind",
    "loai nguoi nhan": "recipient_kind",
    "ho tro cham soc": "care_code",
    "nguoi cham soc": "carer_full_name",
    "ho ten nguoi nuoi duong": "carer_full_name",
    "so cccd nguoi cham soc": "carer_id_number",
}
HEADER_ALIASES = {
    **{search_key(c): c for c in COLUMNS},
    **{search_key(c.replace("_", " ")): c for c in COLUMNS},
    **{search_key(label): column for column, label in LABELS.items()},
    **EXTRA_ALIASES,
}
HELP = {
    "external_id": "Mã trong hệ thống cũ (không bắt buộc)",
    "full_name": "Họ và tên đầy đủ, có dấu",
    "date_of_birth": "Ngày/tháng/năm, ví dụ 15/03/1940 (hoặc 1940-03-15)",
    "gender": "Chọn trong danh sách: M — Nam hoặc F — Nữ",
    "ethnicity": "Để trống là Kinh",
    "id_number": "12 chữ số trên thẻ căn cước (giữ số 0 ở đầu)",
    "phone": "10 chữ số, bắt đầu bằng 0",
    "commune_code": "Chọn xã trong danh sách (mã xã theo Tổng cục Thống kê)",
    "address": "Thôn, tổ dân phố",
    "category": "Chọn trong danh sách; nhiều diện thì ghi các mã cách nhau bằng ; (ví dụ K5C;K6)",
    "disability_level": "Chọn trong danh sách; bắt buộc với diện K6",
    "dependent_children": "Số con đang nuôi; bắt buộc với diện K4",
    "decision_number": "Số quyết định hưởng trợ cấp, ví dụ 123/QĐ-UBND",
    "decision_date": "Ngày/tháng/năm ký quyết định",
    "start_month": "Tháng bắt đầu hưởng: năm-tháng, ví dụ 2024-07 (hoặc 07/2024)",
    "recipient_kind": (
        "Chọn trong danh sách: người được ủy quyền (nhận thay) hoặc người giám hộ; để trống "
        "thì trẻ em dưới 16 tuổi là người giám hộ, người khác là người được ủy quyền"
    ),
    "recipient_full_name": "Để trống nếu đối tượng tự nhận tiền",
    "recipient_id_number": "12 chữ số trên thẻ căn cước của người nhận thay",
    "recipient_relationship": "Ví dụ: con gái, cháu nội",
    "recipient_phone": "10 chữ số, bắt đầu bằng 0",
    "account_provider": "Chọn trong danh sách; để trống nếu nhận tiền mặt qua bưu điện",
    "account_number": "Số tài khoản; số ví Viettel Money là số điện thoại Viettel của chủ ví",
    "account_holder": "Chọn trong danh sách: tài khoản của đối tượng hay của người nhận thay",
    "care_code": (
        "Chọn trong danh sách nếu có người nhận chăm sóc, nuôi dưỡng (Điều 20 Nghị định 20), "
        "hưởng từ tháng bắt đầu hưởng; để trống nếu không có"
    ),
    "carer_full_name": "Họ và tên người nhận chăm sóc, nuôi dưỡng (người thành niên)",
    "carer_id_number": "12 chữ số trên thẻ căn cước của người chăm sóc",
    "carer_relationship": "Ví dụ: cô ruột, hàng xóm",
    "carer_phone": "10 chữ số, bắt đầu bằng 0",
}
# The drop-down's values are "code — name"; the reader takes the code before the separator.
CHOICE_SEPARATORS = (" — ", " – ", " - ")
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# What one part of an .xlsx (a sheet, the shared strings) may unpack to: 20,000 rows of the
# contract's 22 columns are about 15 MB of XML. Counted while unpacking, not taken from the zip's
# own (forgeable) sizes; the whole file may unpack to twice this.
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
# A part that unpacks to more than this many times its packed size is a zip bomb, not a list
# (real sheets pack 5-20 times; a file of repeated cells more), once it is over a megabyte.
MAX_XLSX_RATIO = 200
# The time a file may take to be read, from the first byte to the last row.
MAX_READ_SECONDS = 60
# XML that a spreadsheet program never writes and that costs a parser dearly: a 10 MB comment
# took openpyxl minutes (its read-only reader is quadratic in a comment's length).
FORBIDDEN_XML = (b"<!--", b"<!DOCTYPE", b"<!ENTITY", b"<?")
ROW_COLUMN = "_row"  # the spreadsheet's own row number, carried in the Dataset

# Where a service's field error belongs in the file.
FIELD_TO_COLUMN = {
    "sex": "gender",
    "commune": "commune_code",
    "categories": "category",
    "recipient_kind": "recipient_kind",
    "account_provider": "account_provider",
    "account_number": "account_number",
    "account_holder": "account_holder",
    "decision_file": "decision_number",
    # The care arrangement's fields the file has no column for.
    "care_variant": "care_code",
    "care_end_month": "care_code",
    "carer_date_of_birth": "carer_id_number",
    "care_account_provider": "care_code",
    "care_account_number": "care_code",
}


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the report shows the message, `code` says which problem it is."""

    row: int
    column: str
    message: str
    code: str = Code.IMPORT_BAD_VALUE

    def __str__(self) -> str:
        return _("Row %(row)s, column «%(column)s»: %(message)s") % {
            "row": self.row,
            "column": column_label(self.column),
            "message": self.message,
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, headers, size, cost). `str()` is the message
    for the officer; `code` says which problem it is."""

    def __init__(self, message: str, code: Code = Code.IMPORT_FILE_UNREADABLE) -> None:
        super().__init__(message)
        self.code = code


class Budget:
    """The time a file may take to be read, and a tick that tells the caller it is alive."""

    def __init__(self, seconds: float | None = None, tick: Callable[[], None] | None = None):
        self.deadline = time.monotonic() + (MAX_READ_SECONDS if seconds is None else seconds)
        self._tick = tick

    def check(self) -> None:
        if self._tick is not None:
            self._tick()
        if time.monotonic() > self.deadline:
            raise ImportFileError(
                _("The file took too long to read; keep only the list's columns and rows."),
                Code.IMPORT_FILE_TIMEOUT,
            )


def read_dataset(name: str, content: bytes, *, budget: Budget | None = None) -> tablib.Dataset:
    """The file's rows as a tablib Dataset for the import resource: headers are the contract's
    column keys (Vietnamese labels mapped), plus ROW_COLUMN, the row number as the spreadsheet
    numbers it; blank rows are left out. Within the byte, row and time budgets, or
    ImportFileError, never anything else."""
    budget = budget or Budget()
    table = read_table(name, content, budget=budget)
    try:
        try:
            _number, header = next(table)
        except StopIteration as exc:
            raise ImportFileError(_("The file is empty."), Code.IMPORT_FILE_EMPTY) from exc
        columns = header_columns(header)
        dataset = tablib.Dataset(headers=[ROW_COLUMN, *columns.values()])
        for number, cells in table:
            values = [cells[index] if index < len(cells) else None for index in columns]
            if all(_text(v) == "" for v in values):
                continue
            if len(dataset) >= MAX_ROWS:
                raise ImportFileError(
                    _("A file may hold at most %(n)s rows; split it.")
                    % {"n": f"{MAX_ROWS:,}".replace(",", ".")},
                    Code.IMPORT_TOO_MANY_ROWS,
                )
            dataset.append([number, *values])
    except ImportFileError:
        raise
    except Exception as exc:  # whatever a damaged file makes a reader raise
        raise ImportFileError(
            _("The file cannot be read: it is damaged or not a list in the template's format.")
        ) from exc
    return dataset


def header_key(label: str) -> str:
    """A header cell as it is compared: Unicode-normalised (NFC and NFD spellings are one),
    without case, diacritics, repeated spaces or the `*` that marks a required column."""
    return search_key(unicodedata.normalize("NFC", label).replace("*", " "))


def column_label(column: str) -> str:
    """The column's Vietnamese label, as the template's header shows it (the key if none)."""
    return LABELS.get(column, column)


def header_columns(header: list) -> dict[int, str]:
    """The header row's cells mapped to the contract's columns (by key or Vietnamese label).
    A header it does not know, a column twice, or a required column missing refuses the file."""
    columns: dict[int, str] = {}
    unknown = []
    for index, cell in enumerate(header):
        label = _text(cell)
        if not label:
            continue
        column = HEADER_ALIASES.get(header_key(label))
        if column is None:
            unknown.append(f"«{label[:60]}»")
        elif column in columns.values():
            raise ImportFileError(
                _("Column «%(column)s» appears twice in the header; keep one.")
                % {"column": column_label(column)},
                Code.IMPORT_HEADER_INVALID,
            )
        else:
            columns[index] = column
    if unknown:
        raise ImportFileError(
            _(
                "Unknown columns in the header: %(columns)s. Use the column names of the "
                "template (or the keys listed on its «Hướng dẫn» sheet)."
            )
            % {"columns": ", ".join(unknown[:10])},
            Code.IMPORT_HEADER_INVALID,
        )
    missing = [
        column for column in COLUMNS if column in REQUIRED and column not in columns.values()
    ]
    if missing:
        raise ImportFileError(
            _(
                "The header row lacks the columns: %(columns)s. Download the template to "
                "see them all."
            )
            % {"columns": ", ".join(f"«{column_label(c)}» ({c})" for c in missing)},
            Code.IMPORT_HEADER_INVALID,
        )
    return columns


def read_table(name: str, content: bytes, *, budget: Budget) -> Iterator[tuple[int, list]]:
    """Yield (row number, cells) of the first sheet of an .xlsx, or of a .csv (UTF-8, with or
    without BOM; comma or semicolon separated). Row numbers are the spreadsheet's (1 = header)."""
    suffix = Path(name).suffix.lower()
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB."), Code.IMPORT_FILE_TOO_LARGE)
    if suffix == ".xlsx":
        yield from _xlsx_rows(content, budget)
    elif suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The .csv file must be saved as UTF-8.")) from exc
        if "\x00" in text:
            raise ImportFileError(_("This is not a text .csv file."))
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        for number, row in enumerate(reader, start=1):
            if number % 1000 == 0:
                budget.check()
            yield number, row
    else:
        raise ImportFileError(_("Upload an .xlsx or .csv file."), Code.IMPORT_FILE_TYPE)


def _xlsx_rows(content: bytes, budget: Budget) -> Iterator[tuple[int, list]]:
    _check_xlsx_container(content, budget)
    try:
        # data_only=False: a formula cell reads as its formula ("=…"), which the resource refuses,
        # never as the value a spreadsheet program computed and cached for it.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(_("This is not a readable .xlsx file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        # Cells beyond the contract's columns (and a forged dimension) are not read.
        rows = sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10)
        for number, row in enumerate(rows, start=1):
            if number % 500 == 0:
                budget.check()
            yield number, list(row)
    finally:
        workbook.close()


def _check_xlsx_container(content: bytes, budget: Budget) -> None:
    """An .xlsx by its content, not its name: a zip holding a workbook whose every part unpacks
    within the budget, at a sane ratio, whole (not truncated), and without the XML constructs
    no spreadsheet program writes (comments, processing instructions, DTDs and entities)."""
    unreadable = _("This is not a readable .xlsx file.")
    if not content.startswith(b"PK\x03\x04"):
        raise ImportFileError(unreadable)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except Exception as exc:  # BadZipFile, and what a forged directory raises
        raise ImportFileError(unreadable) from exc
    try:
        with archive:
            entries = archive.infolist()
            if not any(e.filename == "xl/workbook.xml" for e in entries):
                raise ImportFileError(unreadable)
            too_large = ImportFileError(
                _("The .xlsx file unpacks to more than %(mb)s MB; keep only the list's columns.")
                % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
                Code.IMPORT_FILE_TOO_LARGE,
            )
            if sum(e.file_size for e in entries) > 2 * MAX_XLSX_UNPACKED_BYTES or any(
                e.file_size > MAX_XLSX_UNPACKED_BYTES for e in entries
            ):
                raise too_large
            for entry in entries:
                if entry.file_size > 1024 * 1024 and entry.file_size > MAX_XLSX_RATIO * max(
                    entry.compress_size, 1
                ):
                    raise ImportFileError(
                        _(
                            "The .xlsx file is packed in a way no spreadsheet program packs a "
                            "list (a part unpacks to more than %(ratio)s times its size)."
                        )
                        % {"ratio": MAX_XLSX_RATIO},
                        Code.IMPORT_FILE_RATIO,
                    )
                _scan_part(archive, entry, budget, too_large)
    except ImportFileError:
        raise
    except Exception as exc:  # a truncated or damaged zip, whatever it raises
        raise ImportFileError(
            _("The .xlsx file is damaged or incomplete (truncated). Save it again and upload it.")
        ) from exc


def _scan_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget, too_large) -> None:
    """Unpack one part in chunks: counted (the zip's sizes may lie), checked whole (a CRC or
    truncation error raises), and searched for forbidden XML (across chunk boundaries)."""
    total, tail = 0, b""
    with archive.open(entry) as part:
        while chunk := part.read(1024 * 1024):
            total += len(chunk)
            if total > MAX_XLSX_UNPACKED_BYTES:
                raise too_large
            budget.check()
            if entry.filename.endswith((".xml", ".rels", ".vml")):
                window = tail + chunk
                for marker in FORBIDDEN_XML:
                    at = window.find(marker)
                    # The one XML declaration at the very start of a part is allowed.
                    if marker == b"<?" and at != -1 and total - len(window) + at <= 3:
                        at = window.find(marker, at + 2)
                    if at != -1:
                        raise ImportFileError(
                            _(
                                "The .xlsx file holds XML that no spreadsheet program writes "
                                "(comments or declarations in %(part)s). Save it again from "
                                "Excel or LibreOffice and upload it."
                            )
                            % {"part": entry.filename[:80]},
                            Code.IMPORT_FILE_MARKUP,
                        )
                tail = window[-16:]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _digits_cell(value, width: int) -> str:
    """Numbers typed into a spreadsheet lose their leading zeros: put them back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return _text(value)
        digits = str(int(value))
        return digits.zfill(width) if len(digits) < width else digits
    return _text(value)


def parse_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError


def parse_month(value) -> datetime.date:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return (value.date() if isinstance(value, datetime.datetime) else value).replace(day=1)
    text = _text(value)
    for fmt in ("%Y-%m", "%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date().replace(day=1)  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError


def choice_code(value) -> str:
    """A drop-down's "code — name" as its code; any other text as it is."""
    text = _text(value)
    for separator in CHOICE_SEPARATORS:
        if separator in text:
            return text.split(separator, 1)[0].strip()
    return text


def is_formula(value) -> bool:
    """A cell a spreadsheet would run (or ran) as a formula: the reader never evaluates one."""
    if isinstance(value, (ArrayFormula, DataTableFormula)):
        return True
    return isinstance(value, str) and value.lstrip().startswith("=")


def parse_gender(value) -> str:
    key = search_key(choice_code(value))
    if key in ("m", "nam", "male"):
        return Sex.MALE
    if key in ("f", "nu", "female"):
        return Sex.FEMALE
    raise ValueError


def parse_disability(value) -> str:
    key = search_key(choice_code(value)).replace(" ", "_")
    if key in ("", "none"):
        return ""
    if key in ("severe", "nang"):
        return DisabilityLevel.SEVERE
    if key in ("extremely_severe", "dac_biet_nang"):
        return DisabilityLevel.EXTREMELY_SEVERE
    raise ValueError


RECIPIENT_KIND_WORDS = {
    "authorized": RecipientKind.AUTHORIZED,
    "nguoi nhan thay": RecipientKind.AUTHORIZED,
    "nhan thay": RecipientKind.AUTHORIZED,
    "nguoi duoc uy quyen": RecipientKind.AUTHORIZED,
    "uy quyen": RecipientKind.AUTHORIZED,
    "guardian": RecipientKind.GUARDIAN,
    "nguoi giam ho": RecipientKind.GUARDIAN,
    "giam ho": RecipientKind.GUARDIAN,
}


def parse_recipient_kind(value) -> str:
    """The recipient's kind (authorized recipient or guardian) by code or Vietnamese name; an
    unknown word is returned as typed, for the rulebook to refuse as the form's would be."""
    text = choice_code(value)
    return RECIPIENT_KIND_WORDS.get(search_key(text), text)


def column_for(field_name: str) -> str:
    return FIELD_TO_COLUMN.get(field_name, field_name)
