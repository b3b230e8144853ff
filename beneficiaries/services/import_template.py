"""The downloadable import template (.xlsx) for one user: the contract of DESIGN.md §5 with the
Vietnamese labels as its header, drop-down lists of what each coded column accepts, and a guide.

Sheets, in this order (the reader reads the first sheet only):

- "Danh sách": the header row of Vietnamese labels (frozen), nothing below it; drop-down lists
  (data validation) for the coded columns, an input message with what to type on every column,
  dates formatted dd/mm/yyyy, ID, phone and account columns formatted as text (their leading
  zeros survive). Uploaded untouched it imports nothing, and the import says the file has no rows.
- "Ví dụ": the same header and one filled-in example row; never read, so never imported.
- "Hướng dẫn": label ↔ contract key ↔ required ↔ what to type (the keys are accepted as headers).
- "Danh mục" (hidden): the lists the drop-downs refer to, one per column, "code — name" (the
  reader takes the code before the dash): categories, sexes, disability levels, the active
  providers that hold accounts, account holders, recipient kinds, and the user's communes.

The file's words are Vietnamese whatever the interface language: they are the import format
(the reader accepts these labels and values), not interface text.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import AccountHolder
from beneficiaries.models import (
    CareCode,
    Category,
    CategoryKind,
    DisabilityLevel,
    RecipientKind,
    Sex,
)
from beneficiaries.services.import_file import COLUMNS, HELP, LABELS, REQUIRED
from beneficiaries.services.importing import import_communes
from providers.models import Provider, ProviderChannel

DATA_SHEET, EXAMPLE_SHEET, GUIDE_SHEET, LISTS_SHEET = "Danh sách", "Ví dụ", "Hướng dẫn", "Danh mục"
SEPARATOR = " — "
# Formats and validations reach this row: far beyond a commune's monthly list.
LAST_ROW = 2000
DATE_COLUMNS = ("date_of_birth", "decision_date")
TEXT_COLUMNS = (
    "external_id",
    "id_number",
    "phone",
    "commune_code",
    "decision_number",
    "start_month",
    "recipient_id_number",
    "recipient_phone",
    "account_number",
    "carer_id_number",
    "carer_phone",
)
# Columns whose drop-down must be kept to: a value off the list is refused by the spreadsheet.
# The category's list only suggests (several categories are written "K5C;K6").
STRICT_LISTS = (
    "gender",
    "disability_level",
    "recipient_kind",
    "account_provider",
    "account_holder",
    "commune_code",
    "care_code",
)
WIDTHS = {
    "full_name": 26,
    "address": 28,
    "category": 34,
    "commune_code": 30,
    "recipient_full_name": 26,
    "recipient_kind": 30,
    "account_provider": 32,
    "account_holder": 30,
    "care_code": 40,
    "carer_full_name": 26,
}
REQUIRED_FILL = PatternFill("solid", fgColor="FFF3D6")
EXAMPLE_FILL = PatternFill("solid", fgColor="E8F1FB")
BOLD = Font(bold=True)


# The file is in Vietnamese whatever the interface's language (the contract, not interface text).
CARE_CODE_NAMES = {
    CareCode.FOSTER_K1: "Nhận nuôi dưỡng trẻ em mồ côi (K1)",
    CareCode.FOSTER_K5D: "Nhận nuôi dưỡng người cao tuổi (K5D)",
    CareCode.HOUSEHOLD_DISABLED: "Hộ gia đình trực tiếp chăm sóc người khuyết tật đặc biệt nặng",
    CareCode.FOSTER_DISABLED: "Nhận nuôi dưỡng người khuyết tật đặc biệt nặng",
}


def choice(code: str, name: str) -> str:
    return f"{code}{SEPARATOR}{name}"


@dataclass(frozen=True)
class Lists:
    """The drop-downs' values, by column."""

    by_column: dict[str, list[str]]


def template_lists(*, user) -> Lists:
    """What each coded column offers this user: the communes are the ones they may import into
    (a commune officer's own commune; a district officer's communes)."""
    categories = [
        choice(c.code, c.name)
        for c in Category.objects.filter(kind=CategoryKind.ALLOWANCE).order_by("sort_order")
    ]
    providers = [
        choice(p.code, p.name)
        for p in Provider.objects.filter(active=True)
        .exclude(channel=ProviderChannel.CASH)
        .order_by("code")
    ]
    communes = sorted(import_communes(user=user).values(), key=lambda u: (u.name, u.code))
    return Lists(
        by_column={
            "gender": [choice(Sex.MALE, "Nam"), choice(Sex.FEMALE, "Nữ")],
            "commune_code": [choice(u.code, u.name) for u in communes],
            "category": categories,
            "disability_level": [
                choice(DisabilityLevel.SEVERE, "Nặng"),
                choice(DisabilityLevel.EXTREMELY_SEVERE, "Đặc biệt nặng"),
            ],
            "recipient_kind": [
                choice(RecipientKind.AUTHORIZED, "Người được ủy quyền (nhận thay)"),
                choice(RecipientKind.GUARDIAN, "Người giám hộ"),
            ],
            "account_provider": providers,
            "account_holder": [
                choice(AccountHolder.BENEFICIARY, "Đối tượng"),
                choice(AccountHolder.RECIPIENT, "Người nhận thay / giám hộ"),
            ],
            # The import takes no end month: the disabled parent's support (which needs one)
            # is set by a change.
            "care_code": [choice(code, name) for code, name in CARE_CODE_NAMES.items()],
        }
    )


def import_template_workbook(*, user, today: datetime.date | None = None) -> bytes:
    """The template for `user` as .xlsx bytes (see the module's docstring). Reads the
    categories, the active providers and the user's communes; writes nothing."""
    lists = template_lists(user=user)
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    _header(data)
    _formats(data)
    example = workbook.create_sheet(EXAMPLE_SHEET)
    _header(example)
    _example_row(example, lists, today or timezone.localdate())
    _guide(workbook.create_sheet(GUIDE_SHEET))
    _validations(data, _lists_sheet(workbook, lists))
    workbook.active = 0
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _letter(column: str) -> str:
    return get_column_letter(COLUMNS.index(column) + 1)


def _header(sheet: Worksheet) -> None:
    sheet.append([LABELS[c] for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column in REQUIRED:
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(
            column, max(14, len(LABELS[column]) + 2)
        )
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _formats(sheet: Worksheet) -> None:
    """Dates as dd/mm/yyyy; IDs, phones and account numbers as text, so a typed 0 stays."""
    for column, number_format in [
        *((c, "DD/MM/YYYY") for c in DATE_COLUMNS),
        *((c, "@") for c in TEXT_COLUMNS),
    ]:
        letter = _letter(column)
        sheet.column_dimensions[letter].number_format = number_format
        index = COLUMNS.index(column) + 1
        for row in range(2, LAST_ROW + 1):
            sheet.cell(row=row, column=index).number_format = number_format


def _lists_sheet(workbook: Workbook, lists: Lists) -> dict[str, str]:
    """The hidden sheet of lists, one column each; the range each drop-down refers to."""
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    ranges = {}
    for index, (column, values) in enumerate(lists.by_column.items(), start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=LABELS[column]).font = BOLD
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=index, value=value)
        sheet.column_dimensions[letter].width = 50
        last = max(len(values), 1) + 1
        ranges[column] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
    return ranges


def _validations(sheet: Worksheet, ranges: dict[str, str]) -> None:
    """A drop-down on each coded column, and on every column a message saying what to type."""
    for column in COLUMNS:
        letter = _letter(column)
        prompt = HELP.get(column, "")[:250]
        if column in ranges:
            strict = column in STRICT_LISTS
            validation = DataValidation(
                type="list",
                formula1=ranges[column],
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop" if strict else "warning",
                errorTitle=LABELS[column][:32],
                error=(
                    "Chọn một giá trị trong danh sách."
                    if strict
                    else "Giá trị không có trong danh sách; kiểm tra lại trước khi nhập."
                ),
            )
        else:
            validation = DataValidation(allow_blank=True)
        validation.showInputMessage = bool(prompt)
        validation.promptTitle = LABELS[column][:32]
        validation.prompt = prompt
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
        sheet.add_data_validation(validation)


def _example_row(sheet: Worksheet, lists: Lists, today: datetime.date) -> None:
    """One filled-in row, as a commune officer would write it (on its own sheet: never read)."""
    first = {column: (values[0] if values else "") for column, values in lists.by_column.items()}
    born = datetime.date(1940, 3, 15)
    values = {
        "external_id": "",
        "full_name": "Nguyễn Văn Ví Dụ",
        "date_of_birth": born,
        "gender": first["gender"],
        "ethnicity": "Kinh",
        "id_number": "046040012345",
        "phone": "0912345678",
        "commune_code": first["commune_code"],
        "address": "Thôn 1",
        "category": next((c for c in lists.by_column["category"] if c.startswith("K5C")), ""),
        "disability_level": "",
        "dependent_children": "",
        "decision_number": "123/QĐ-UBND",
        "decision_date": today.replace(day=1),
        "start_month": f"{today:%Y-%m}",
        "recipient_kind": first["recipient_kind"],
        "recipient_full_name": "Nguyễn Thị Nhận Thay",
        "recipient_id_number": "046175012345",
        "recipient_relationship": "Con gái",
        "recipient_phone": "0971234567",
        "account_provider": next(
            (p for p in lists.by_column["account_provider"] if p.startswith("VIETTELPAY")),
            first["account_provider"],
        ),
        "account_number": "0971234567",
        "account_holder": lists.by_column["account_holder"][-1],
        "care_code": "",
        "carer_full_name": "",
        "carer_id_number": "",
        "carer_relationship": "",
        "carer_phone": "",
    }
    sheet.append([values[c] for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.fill = EXAMPLE_FILL
        if column in DATE_COLUMNS:
            cell.number_format = "DD/MM/YYYY"
        elif column in TEXT_COLUMNS:
            cell.number_format = "@"
    note = sheet.cell(row=4, column=1)
    note.value = (
        "Dòng trên chỉ là ví dụ: trang này không bao giờ được nhập. "
        f"Điền danh sách vào trang «{DATA_SHEET}», từ dòng 2."
    )
    note.font = Font(italic=True)


def _guide(sheet: Worksheet) -> None:
    sheet.append(["Hướng dẫn điền mẫu nhập đối tượng"])
    sheet["A1"].font = Font(bold=True, size=13)
    for line in (
        f"Điền mỗi đối tượng một dòng trong trang «{DATA_SHEET}», từ dòng 2; không đổi dòng "
        "tiêu đề. Trang «Ví dụ» chỉ để tham khảo và không được nhập.",
        "Cột tô màu là cột bắt buộc. Ở các cột có danh sách, bấm mũi tên để chọn; chọn "
        "«mã — tên» hay chỉ ghi mã đều được.",
        "Tệp được kiểm tra trước: chỉ cần một dòng sai là không dòng nào được nhập, và mọi dòng "
        "sai được liệt kê theo số dòng và tên cột.",
        "Dòng tiêu đề có thể ghi tên cột tiếng Việt hoặc mã cột (cột «Mã cột» dưới đây).",
    ):
        sheet.append([line])
    sheet.append([])
    sheet.append(["Tên cột", "Mã cột", "Bắt buộc", "Cách ghi"])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = BOLD
    for column in COLUMNS:
        sheet.append(
            [LABELS[column], column, "Có" if column in REQUIRED else "", HELP.get(column, "")]
        )
    for letter, width in zip("ABCD", (32, 24, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width
