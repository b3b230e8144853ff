"""The import contract of DESIGN.md §5: reading a spreadsheet of beneficiaries.

Reading is pure (no database) apart from resolving commune codes; `importing` does the checks
and the writes. A file is all or nothing: any bad row and nothing is imported, and every bad row
is reported with its row number (as the spreadsheet numbers it), column, reason and code.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.models import AccountHolder
from beneficiaries import validation
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import DisabilityLevel, RecipientKind, Sex
from beneficiaries.services.inputs import AccountInput, RecipientInput, RegistrationInput
from org.text import search_key
from providers.models import ProviderCode

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
    "recipient_full_name",
    "recipient_id_number",
    "recipient_relationship",
    "recipient_phone",
    "account_provider",
    "account_number",
    "account_holder",
]
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
    "recipient_full_name": "Họ tên người nhận thay",
    "recipient_id_number": "Số định danh người nhận thay",
    "recipient_relationship": "Quan hệ với đối tượng",
    "recipient_phone": "Số điện thoại người nhận thay",
    "account_provider": "Tổ chức chi trả",
    "account_number": "Số tài khoản",
    "account_holder": "Chủ tài khoản",
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
}
HEADER_ALIASES = {
    **{search_key(c): c for c in COLUMNS},
    **{search_key(label): column for column, label in LABELS.items()},
    **EXTRA_ALIASES,
}
HELP = {
    "external_id": "Mã trong hệ thống cũ (không bắt buộc)",
    "date_of_birth": "YYYY-MM-DD hoặc DD/MM/YYYY",
    "gender": "M/F hoặc Nam/Nữ",
    "id_number": "12 chữ số",
    "phone": "10 chữ số, bắt đầu bằng 0",
    "commune_code": "Mã xã theo Tổng cục Thống kê, ví dụ 19777",
    "category": "K1…K8, K5A…K5D; nhiều diện cách nhau bằng ;",
    "disability_level": "severe (nặng) hoặc extremely_severe (đặc biệt nặng), bắt buộc với K6",
    "dependent_children": "Bắt buộc với K4",
    "decision_date": "YYYY-MM-DD hoặc DD/MM/YYYY",
    "start_month": "YYYY-MM",
    "account_provider": "VIETTELPAY hoặc VIETINBANK; để trống nếu nhận tiền mặt",
    "account_number": "Số ví Viettel Pay là số điện thoại Viettel của chủ ví",
    "account_holder": "beneficiary (đối tượng) hoặc recipient (người nhận thay)",
}
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: what it unpacks to is bounded too (a 10 MB file of repeated cells can
# unpack to gigabytes). 20,000 rows of the contract's 22 columns unpack to about 15 MB.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

# Where a service's field error belongs in the file.
FIELD_TO_COLUMN = {
    "sex": "gender",
    "commune": "commune_code",
    "categories": "category",
    "recipient_kind": "recipient_full_name",
    "account_provider": "account_provider",
    "account_number": "account_number",
    "account_holder": "account_holder",
    "decision_file": "decision_number",
}


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the report shows the message, `code` says which problem it is."""

    row: int
    column: str
    message: str
    code: str = Code.IMPORT_BAD_VALUE

    def __str__(self) -> str:
        return _("Row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ParsedFile:
    rows: list[tuple[int, RegistrationInput]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, headers, size). `str()` is the message for
    the officer; `code` says which problem it is."""

    def __init__(self, message: str, code: Code = Code.IMPORT_FILE_UNREADABLE) -> None:
        super().__init__(message)
        self.code = code


def read_table(name: str, content: bytes) -> Iterator[tuple[int, list]]:
    """Yield (row number, cells) of the first sheet of an .xlsx, or of a .csv (UTF-8, with or
    without BOM; comma or semicolon separated). Row numbers are the spreadsheet's (1 = header)."""
    suffix = Path(name).suffix.lower()
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB."), Code.IMPORT_FILE_TOO_LARGE)
    if suffix == ".xlsx":
        _check_xlsx_container(content)
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(_("This is not a readable .xlsx file.")) from exc
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
        workbook.close()
    elif suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The .csv file must be saved as UTF-8.")) from exc
        if "\x00" in text:
            raise ImportFileError(_("This is not a text .csv file."))
        dialect = csv.excel
        first_line = text.split("\n", 1)[0]
        if first_line.count(";") > first_line.count(","):
            dialect = csv.excel
            reader = csv.reader(io.StringIO(text), delimiter=";")
        else:
            reader = csv.reader(io.StringIO(text), dialect=dialect)
        for number, row in enumerate(reader, start=1):
            yield number, row
    else:
        raise ImportFileError(_("Upload an .xlsx or .csv file."), Code.IMPORT_FILE_TYPE)


def _check_xlsx_container(content: bytes) -> None:
    """An .xlsx by its content, not its name: a zip holding a workbook, not too large unpacked."""
    if not content.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This is not a readable .xlsx file."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_("This is not a readable .xlsx file.")) from exc
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        raise ImportFileError(_("This is not a readable .xlsx file."))
    if sum(e.file_size for e in entries) > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The .xlsx file unpacks to more than %(mb)s MB; keep only the list's columns.")
            % {"mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
            Code.IMPORT_FILE_TOO_LARGE,
        )


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


def parse_gender(value) -> str:
    key = search_key(_text(value))
    if key in ("m", "nam", "male"):
        return Sex.MALE
    if key in ("f", "nu", "female"):
        return Sex.FEMALE
    raise ValueError


def parse_disability(value) -> str:
    key = search_key(_text(value)).replace(" ", "_")
    if key in ("", "none"):
        return ""
    if key in ("severe", "nang"):
        return DisabilityLevel.SEVERE
    if key in ("extremely_severe", "dac_biet_nang"):
        return DisabilityLevel.EXTREMELY_SEVERE
    raise ValueError


def parse(
    name: str, content: bytes, *, communes: dict[str, object], today: datetime.date
) -> ParsedFile:
    """Read every row into a RegistrationInput, or into RowErrors for what cannot be read.

    `communes` maps GSO commune codes to the unit rows the importing user may use.
    """
    table = read_table(name, content)
    try:
        _number, header = next(table)
    except StopIteration as exc:
        raise ImportFileError(_("The file is empty."), Code.IMPORT_FILE_EMPTY) from exc
    columns: dict[int, str] = {}
    unknown = []
    for index, cell in enumerate(header):
        label = _text(cell)
        if not label:
            continue
        column = HEADER_ALIASES.get(search_key(label))
        if column is None:
            unknown.append(label)
        elif column in columns.values():
            raise ImportFileError(
                _("Column %(column)s appears twice in the header.") % {"column": column},
                Code.IMPORT_HEADER_INVALID,
            )
        else:
            columns[index] = column
    missing = sorted(REQUIRED - set(columns.values()))
    if missing:
        raise ImportFileError(
            _(
                "The header row lacks the columns: %(columns)s. Download the template to "
                "see them all."
            )
            % {"columns": ", ".join(missing)},
            Code.IMPORT_HEADER_INVALID,
        )
    if unknown:
        raise ImportFileError(
            _("Unknown columns in the header: %(columns)s.") % {"columns": ", ".join(unknown)},
            Code.IMPORT_HEADER_INVALID,
        )

    parsed = ParsedFile()
    seen_ids: dict[str, int] = {}
    for number, cells in table:
        values = {
            column: cells[index] if index < len(cells) else None
            for index, column in columns.items()
        }
        if all(_text(v) == "" for v in values.values()):
            continue
        parsed.total_rows += 1
        if parsed.total_rows > MAX_ROWS:
            raise ImportFileError(
                _("A file may hold at most %(n)s rows; split it.")
                % {"n": f"{MAX_ROWS:,}".replace(",", ".")},
                Code.IMPORT_TOO_MANY_ROWS,
            )
        row_errors: list[RowError] = []

        def bad(
            column: str,
            message: str,
            code: Code = Code.IMPORT_BAD_VALUE,
            row=number,
            errors=row_errors,
        ) -> None:
            errors.append(RowError(row, column, message, code))

        def required_text(column: str, values=values) -> str:
            text = _text(values.get(column))
            if column in REQUIRED and not text:
                bad(column, _("This column is required."), Code.REQUIRED)
            return text

        full_name = required_text("full_name")
        dob = None
        if required_text("date_of_birth"):
            try:
                dob = parse_date(values["date_of_birth"])
            except ValueError:
                bad("date_of_birth", _("Write the date as YYYY-MM-DD or DD/MM/YYYY."))
        sex = ""
        if required_text("gender"):
            try:
                sex = parse_gender(values["gender"])
            except ValueError:
                bad("gender", _("Write M or F (or Nam / Nữ)."))
        commune = None
        commune_code = required_text("commune_code")
        if commune_code:
            commune = communes.get(commune_code.zfill(5))
            if commune is None:
                bad(
                    "commune_code",
                    _("Commune %(code)s does not exist or is outside your area.")
                    % {"code": commune_code},
                    Code.COMMUNE_INVALID,
                )
        categories = tuple(
            c.strip().upper()
            for c in required_text("category").replace(",", ";").split(";")
            if c.strip()
        )
        decision_date = None
        if required_text("decision_date"):
            try:
                decision_date = parse_date(values["decision_date"])
            except ValueError:
                bad("decision_date", _("Write the date as YYYY-MM-DD or DD/MM/YYYY."))
        start_month = None
        if required_text("start_month"):
            try:
                start_month = parse_month(values["start_month"])
            except ValueError:
                bad("start_month", _("Write the month as YYYY-MM."))
        disability = ""
        try:
            disability = parse_disability(values.get("disability_level"))
        except ValueError:
            bad("disability_level", _("Write severe or extremely_severe (nặng / đặc biệt nặng)."))
        children = None
        children_text = _text(values.get("dependent_children"))
        if children_text:
            if children_text.isdigit():
                children = int(children_text)
            else:
                bad("dependent_children", _("Write a whole number."))
        id_number = validation.normalize_id_number(_digits_cell(values.get("id_number"), 12))
        if id_number:
            if id_number in seen_ids:
                bad(
                    "id_number",
                    _("The same ID number is also on row %(row)s of this file.")
                    % {"row": seen_ids[id_number]},
                    Code.IMPORT_DUPLICATE_ID,
                )
            else:
                seen_ids[id_number] = number
        phone = validation.normalize_phone(_digits_cell(values.get("phone"), 10))

        recipient = None
        recipient_name = _text(values.get("recipient_full_name"))
        recipient_fields = [
            _text(values.get(f"recipient_{n}")) for n in ("id_number", "relationship", "phone")
        ]
        if recipient_name or any(recipient_fields):
            is_child = (
                dob is not None and start_month is not None and (start_month.year - dob.year) < 16
            )
            recipient = RecipientInput(
                kind=RecipientKind.GUARDIAN if is_child else RecipientKind.AUTHORIZED,
                full_name=recipient_name,
                id_number=validation.normalize_id_number(
                    _digits_cell(values.get("recipient_id_number"), 12)
                ),
                relationship=_text(values.get("recipient_relationship")),
                phone=validation.normalize_phone(_digits_cell(values.get("recipient_phone"), 10)),
            )
        account = None
        provider = _text(values.get("account_provider")).upper().replace(" ", "")
        account_number = _text(values.get("account_number"))
        if provider or account_number:
            if provider not in (ProviderCode.VIETTELPAY, ProviderCode.VIETINBANK):
                bad(
                    "account_provider",
                    _("Write VIETTELPAY or VIETINBANK, or leave both account columns empty."),
                    Code.PROVIDER_INVALID,
                )
            holder = search_key(_text(values.get("account_holder"))) or (
                AccountHolder.RECIPIENT if recipient else AccountHolder.BENEFICIARY
            )
            holder = {
                "doi tuong": AccountHolder.BENEFICIARY,
                "nguoi nhan thay": AccountHolder.RECIPIENT,
            }.get(holder, holder)
            if holder not in AccountHolder.values:
                bad(
                    "account_holder",
                    _("Write beneficiary or recipient."),
                    Code.ACCOUNT_HOLDER_INVALID,
                )
            if provider == ProviderCode.VIETTELPAY:
                account_number = validation.normalize_phone(
                    _digits_cell(values.get("account_number"), 10)
                )
            account = AccountInput(
                provider_code=provider, account_number=account_number, holder=holder
            )

        if (
            row_errors
            or commune is None
            or dob is None
            or decision_date is None
            or start_month is None
            or not sex
        ):
            parsed.errors.extend(row_errors)
            continue
        parsed.rows.append(
            (
                number,
                RegistrationInput(
                    external_id=_text(values.get("external_id")),
                    full_name=full_name,
                    date_of_birth=dob,
                    sex=sex,
                    ethnicity=_text(values.get("ethnicity")) or "Kinh",
                    id_number=id_number,
                    phone=phone,
                    commune=commune,
                    address=_text(values.get("address")),
                    categories=categories,
                    disability_level=disability,
                    dependent_children=children,
                    decision_number=_text(values.get("decision_number")),
                    decision_date=decision_date,
                    start_month=start_month,
                    recipient=recipient,
                    account=account,
                ),
            )
        )
    return parsed


def column_for(field_name: str) -> str:
    return FIELD_TO_COLUMN.get(field_name, field_name)


def template_workbook() -> bytes:
    """The downloadable template: the header row of the contract, and a sheet that explains
    every column in Vietnamese."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "doi_tuong"
    sheet.append(COLUMNS)
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column in REQUIRED:
            cell.fill = PatternFill("solid", fgColor="FFF3D6")
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column) + 2)
        # Keep numbers with leading zeros as text.
        if column in (
            "id_number",
            "phone",
            "recipient_id_number",
            "recipient_phone",
            "account_number",
            "commune_code",
        ):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    guide = workbook.create_sheet("huong_dan")
    guide.append(
        ["Cột", "Tên tiếng Việt (cũng được chấp nhận làm tiêu đề)", "Bắt buộc", "Cách ghi"]
    )
    for cell in guide[1]:
        cell.font = bold
    for column in COLUMNS:
        guide.append(
            [column, LABELS[column], "có" if column in REQUIRED else "", HELP.get(column, "")]
        )
    for letter, width in zip("ABCD", (24, 40, 10, 70), strict=True):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
