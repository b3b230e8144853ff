"""Issue 18: the import template speaks Vietnamese. Its header is the Vietnamese labels (the
contract's keys still accepted), it has an example row that cannot be imported, drop-down lists
(the user's own communes among them), text and date formats; the reader takes the drop-down's
"code — name" values and a recipient-kind column; every error names its column by its label."""

import csv
import datetime
import io
import unicodedata

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import AuthorizedRecipient, Beneficiary, ImportJob, RecipientKind
from beneficiaries.services.import_file import COLUMNS, LABELS, ImportFileError
from beneficiaries.services.import_template import import_template_workbook
from beneficiaries.services.importing import beneficiaries_import
from org.models import AdministrativeUnit, UnitLevel
from tests.beneficiaries.test_import import rows, upload_of

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 7, 10)


def template(user):
    return load_workbook(io.BytesIO(import_template_workbook(user=user, today=TODAY)))


def drop_downs(workbook) -> dict[str, tuple[str, list[str]]]:
    """Each validated column of the first sheet: (error style, the values its list refers to)."""
    sheet, lists = workbook.worksheets[0], workbook["Danh mục"]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list":
            continue
        column = COLUMNS[next(iter(validation.sqref.ranges)).min_col - 1]
        area = validation.formula1.split("!", 1)[1].replace("$", "")
        values = [c.value for row in lists[area] for c in row]
        found[column] = (validation.errorStyle, values)
    return found


def import_sheet(user, workbook, name="dt.xlsx", **kwargs):
    out = io.BytesIO()
    workbook.save(out)
    return beneficiaries_import(name=name, content=out.getvalue(), user=user, today=TODAY, **kwargs)


def test_the_template_has_the_labels_formats_and_a_guide(officers):
    workbook = template(officers["commune"])
    assert workbook.sheetnames == ["Danh sách", "Ví dụ", "Hướng dẫn", "Danh mục"]
    assert workbook["Danh mục"].sheet_state == "hidden"
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [LABELS[c] for c in COLUMNS]
    assert LABELS["date_of_birth"] == "Ngày sinh" and LABELS["commune_code"] == "Mã xã"
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1 or all(
        c.value is None for row in sheet.iter_rows(min_row=2) for c in row
    )

    def letter(column):
        return sheet.cell(row=1, column=COLUMNS.index(column) + 1).column_letter

    for column in ("id_number", "phone", "recipient_id_number", "account_number", "commune_code"):
        assert sheet[f"{letter(column)}2"].number_format == "@", column
        assert sheet[f"{letter(column)}500"].number_format == "@", column
    for column in ("date_of_birth", "decision_date"):
        assert sheet[f"{letter(column)}2"].number_format == "DD/MM/YYYY", column
    assert sheet.column_dimensions[letter("full_name")].width >= 20
    # Every column says what to type when its cell is chosen.
    prompts = {
        COLUMNS[next(iter(v.sqref.ranges)).min_col - 1]
        for v in sheet.data_validations.dataValidation
        if v.prompt
    }
    assert prompts == set(COLUMNS)
    # The guide pairs each label with its contract key.
    guide = {row[1]: row[0] for row in workbook["Hướng dẫn"].iter_rows(values_only=True)}
    assert all(guide[column] == LABELS[column] for column in COLUMNS)


def test_the_drop_downs_offer_a_commune_officer_only_their_commune(officers, hue_units):
    lists = drop_downs(template(officers["commune"]))
    commune = hue_units["commune"]
    assert lists["commune_code"] == ("stop", [f"{commune.code} — {commune.name}"])
    assert lists["gender"] == ("stop", ["M — Nam", "F — Nữ"])
    assert lists["disability_level"][1] == ["severe — Nặng", "extremely_severe — Đặc biệt nặng"]
    assert lists["recipient_kind"][1] == [
        "authorized — Người được ủy quyền (nhận thay)",
        "guardian — Người giám hộ",
    ]
    assert lists["account_holder"][1] == [
        "beneficiary — Đối tượng",
        "recipient — Người nhận thay / giám hộ",
    ]
    # The active providers that hold accounts, by name; cash (VNPost) is an empty column.
    assert lists["account_provider"] == (
        "stop",
        ["VIETINBANK — VietinBank", "VIETTELPAY — Viettel Pay (Viettel Money)"],
    )
    style, categories = lists["category"]
    assert style == "warning"  # several categories ("K5C;K6") may be typed
    assert categories[0] == "K1 — Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng"
    assert [c.split(" — ")[0] for c in categories] == [
        "K1", "K2", "K3", "K4", "K5A", "K5B", "K5C", "K5D", "K6", "K7", "K8",
    ]  # fmt: skip


def test_a_district_officer_is_offered_every_commune_of_the_district(officers, hue_units):
    lists = drop_downs(template(officers["district"]))
    expected = AdministrativeUnit.objects.filter(
        parent=hue_units["district"], level=UnitLevel.COMMUNE, active=True
    )
    codes = [value.split(" — ")[0] for value in lists["commune_code"][1]]
    assert sorted(codes) == sorted(u.code for u in expected) and len(codes) > 1
    assert hue_units["far_commune"].code not in codes


def test_the_untouched_template_imports_nothing_and_says_so(officers):
    result = beneficiaries_import(
        name="mau.xlsx",
        content=import_template_workbook(user=officers["commune"], today=TODAY),
        user=officers["commune"],
        today=TODAY,
    )
    assert [e.code for e in result.errors] == [Code.IMPORT_NO_ROWS]
    assert "không có dòng" in result.errors[0].message
    assert result.imported == 0 and Beneficiary.objects.count() == 0


def test_the_example_row_is_a_correct_row_once_copied_into_the_list(officers):
    """The example sheet is never read; its row, copied to the list, imports as shown."""
    workbook = template(officers["commune"])
    example = [c.value for c in workbook["Ví dụ"][2]]
    workbook["Danh sách"].append(example)
    result = import_sheet(officers["commune"], workbook)
    assert result.errors == [] and result.imported == 1
    person = Beneficiary.objects.get()
    assert person.full_name == "Nguyễn Văn Ví Dụ"
    assert person.recipients.get().kind == RecipientKind.AUTHORIZED


def test_the_template_filled_with_drop_down_values_imports(officers, hue_units):
    """What an officer does: download the template, pick values from the lists, type the rest
    (dates as dates, an ID typed as a number), upload it."""
    commune = hue_units["commune"]
    workbook = template(officers["commune"])
    lists = drop_downs(workbook)
    sheet = workbook["Danh sách"]
    data = rows(commune.code, 3)
    for number, row in enumerate(data):
        row.update(
            gender="F — Nữ" if row["gender"] in ("F", "Nữ") else "M — Nam",
            commune_code=lists["commune_code"][1][0],
            category=next(c for c in lists["category"][1] if c.startswith("K5C")),
            disability_level="",
            decision_date=datetime.date(2024, 7, 5),
        )
        if number == 1:
            row.update(
                category=next(c for c in lists["category"][1] if c.startswith("K4")),
                dependent_children=2,
                account_provider="VIETTELPAY — Viettel Pay (Viettel Money)",
                account_holder="recipient — Người nhận thay / giám hộ",
                recipient_kind="guardian — Người giám hộ",
            )
        sheet.append([row[c] for c in COLUMNS])
    result = import_sheet(officers["commune"], workbook)
    assert result.errors == [] and result.imported == 3
    second = Beneficiary.objects.get(external_id=data[1]["external_id"])
    assert second.commune == commune
    assert [c.category.code for c in second.categories.all()] == ["K4"]
    # The kind chosen, not the default (an adult's recipient would be "authorized").
    assert second.recipients.get().kind == RecipientKind.GUARDIAN
    assert second.accounts.get().provider.code == "VIETTELPAY"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda c: c, id="contract keys"),
        pytest.param(lambda c: LABELS[c], id="labels"),
        pytest.param(
            lambda c: "  " + unicodedata.normalize("NFD", LABELS[c]).upper() + " *", id="NFD caps"
        ),
        pytest.param(lambda c: c.replace("_", " ").title(), id="keys with spaces"),
    ],
)
def test_a_header_of_labels_or_keys_is_read(officers, hue_units, header):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([header(c) for c in COLUMNS])
    for row in rows(hue_units["commune"].code, 2):
        sheet.append([row[c] for c in COLUMNS])
    result = import_sheet(officers["commune"], workbook, dry_run=True)
    assert result.errors == [] and result.total_rows == 2


def test_an_older_file_without_the_recipient_kind_column_still_imports(officers, hue_units):
    data = rows(hue_units["commune"].code, 2)
    older = [c for c in COLUMNS if c != "recipient_kind"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=older, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(data)
    result = beneficiaries_import(
        name="cu.csv", content=buffer.getvalue().encode(), user=officers["commune"], today=TODAY
    )
    assert result.errors == [] and result.imported == 2
    # Empty kind keeps the default: an adult's recipient is an authorized one.
    assert AuthorizedRecipient.objects.get().kind == RecipientKind.AUTHORIZED


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (["Họ và tên", "Ngày sinh", "Tên lạ"], "«Tên lạ»"),
        ([*(LABELS[c] for c in COLUMNS), "full_name"], "«Họ và tên»"),
        ([LABELS[c] for c in COLUMNS if c != "date_of_birth"], "«Ngày sinh» (date_of_birth)"),
    ],
    ids=["unknown", "twice by label and key", "missing"],
)
def test_a_header_it_does_not_know_twice_or_missing_is_refused_by_label(officers, header, says):
    content = ",".join(header).encode() + b"\n"
    with pytest.raises(ImportFileError) as refused:
        beneficiaries_import(name="x.csv", content=content, user=officers["commune"])
    assert refused.value.code == Code.IMPORT_HEADER_INVALID
    assert says in str(refused.value)


def csv_of(data) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode()


def errors_of(officers, data) -> set[tuple[int, str, str]]:
    result = beneficiaries_import(
        name="dt.csv", content=csv_of(data), user=officers["commune"], today=TODAY, dry_run=True
    )
    return {(e.row, e.column, str(e.code)) for e in result.errors}


def test_the_recipient_kind_goes_through_the_forms_rulebook(officers, hue_units):
    data = rows(hue_units["commune"].code, 4)
    data[1]["recipient_kind"] = "người giám hộ"  # bare Vietnamese word, any case
    data[3]["recipient_kind"] = "nhận lương"  # not a kind
    data[0]["recipient_kind"] = "Người nhận thay"  # a kind alone: the recipient is unnamed
    assert errors_of(officers, data) == {
        (5, "recipient_kind", Code.RECIPIENT_KIND_INVALID),
        (2, "recipient_full_name", Code.REQUIRED),
        (2, "recipient_id_number", Code.REQUIRED),
        (2, "recipient_relationship", Code.REQUIRED),
    }


def test_a_formula_is_refused_not_evaluated(officers, hue_units):
    attack = '=HYPERLINK("http://evil.example/","Bấm vào đây")'
    data = rows(hue_units["commune"].code, 2)
    data[0]["address"] = attack
    assert errors_of(officers, data) == {(2, "address", Code.IMPORT_FORMULA)}
    # In an .xlsx, a real formula cell (with a cached value, as Excel leaves it) too.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows(hue_units["commune"].code, 2):
        sheet.append([row[c] for c in COLUMNS])
    sheet.cell(row=3, column=COLUMNS.index("full_name") + 1).value = attack
    sheet.cell(row=2, column=COLUMNS.index("phone") + 1).value = "=0971234567"
    result = import_sheet(officers["commune"], workbook, dry_run=True)
    assert {(e.row, e.column, e.code) for e in result.errors} == {
        (3, "full_name", Code.IMPORT_FORMULA),
        (2, "phone", Code.IMPORT_FORMULA),
    }


@pytest.fixture
def checked(eager_celery, django_capture_on_commit_callbacks, settings, tmp_path):
    """Upload a file; its check runs at once; the job's page is returned."""
    settings.MEDIA_ROOT = tmp_path

    def post(client, data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("beneficiaries:import"), {"file": upload_of(data)})
        return client.get(response.url)

    return post


def test_the_page_and_the_report_name_the_column_by_its_label(client, officers, hue_units, checked):
    data = rows(hue_units["commune"].code, 7)
    data[5]["date_of_birth"] = "31/02/1940"
    data[2]["address"] = "=1+1"
    client.force_login(officers["commune"])
    html = checked(client, data).content.decode()
    assert 'data-column="date_of_birth"' in html and "«Ngày sinh»" in html
    assert "«Địa chỉ»" in html
    job = ImportJob.objects.get()
    report = client.get(reverse("beneficiaries:import_errors", args=[job.uuid]))
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    text = report.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Dòng", "Cột", "Lỗi", "Mã cột", "Mã lỗi"]
    assert lines[1][:2] == ["4", "Địa chỉ"] and lines[1][3:] == ["address", Code.IMPORT_FORMULA]
    assert lines[2][:2] == ["7", "Ngày sinh"] and lines[2][3] == "date_of_birth"
    # Another officer cannot read this job's report.
    client.force_login(officers["neighbour"])
    assert client.get(reverse("beneficiaries:import_errors", args=[job.uuid])).status_code == 404


def test_fullwidth_digits_and_the_code_of_a_commune_choice(officers, hue_units):
    commune = hue_units["commune"]
    data = rows(commune.code, 1)
    data[0]["commune_code"] = f"{commune.code} — {commune.name}"
    data[0]["id_number"] = data[0]["id_number"].translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert errors_of(officers, data) == set()


def test_a_commune_outside_the_area_is_refused_even_as_a_choice(officers, hue_units):
    far = hue_units["far_commune"]
    data = rows(hue_units["commune"].code, 1)
    data[0]["commune_code"] = f"{far.code} — {far.name}"
    assert errors_of(officers, data) == {(2, "commune_code", Code.COMMUNE_INVALID)}


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("K1 — Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng", ("K1",)),
        (
            "K5C — Người từ 80 tuổi trở lên; K4 — Người đơn thân thuộc hộ nghèo, cận nghèo",
            ("K5C", "K4"),
        ),
        ("k5c; K6", ("K5C", "K6")),
        ("K5C,K6", ("K5C", "K6")),
    ],
)
def test_categories_are_read_from_codes_or_the_drop_downs_values(cell, codes):
    from beneficiaries.resources import CategoriesCell

    assert CategoriesCell(required=True).clean(cell) == codes
