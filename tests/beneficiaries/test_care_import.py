"""The import's care columns (issue 21): `care_code, carer_full_name, carer_id_number,
carer_relationship, carer_phone`, optional and may be absent; the same care rule as every door,
each bad row reported by row and column, nothing half-saved; the register's export carries them
back in."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from beneficiaries.care_models import CareArrangement
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.exporting import register_workbook
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import RegisterFilters, register_search
from beneficiaries.services.changes import change_record_approve
from beneficiaries.services.import_file import COLUMNS, LABELS
from beneficiaries.services.import_template import import_template_workbook
from beneficiaries.services.importing import beneficiaries_import
from org.privacy import identifiers_for
from tests.factories import id_number_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
CARER_ID = id_number_for(datetime.date(1980, 4, 2), "F", 77)


def child_row(commune_code: str, i: int, **care) -> dict:
    born = datetime.date(2019, 1 + i % 12, 1 + i)
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        full_name=f"Hồ Văn Tí {i}",
        date_of_birth=born.isoformat(),
        gender="M",
        id_number=id_number_for(born, "M", 300 + i),
        commune_code=commune_code,
        category="K1",
        decision_number=f"{i}/QĐ-UBND",
        decision_date="2026-11-02",
        start_month="2026-11",
    )
    row.update(care)
    return row


CARE = dict(
    care_code="CS_FOSTER_K1",
    carer_full_name="Trần Thị Mai",
    carer_id_number=CARER_ID,
    carer_relationship="Cô ruột",
    carer_phone="0981234567",
)


def csv_bytes(data: list[dict], columns=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode()


def run(user, data, columns=COLUMNS, **kwargs):
    return beneficiaries_import(
        name="dt.csv", content=csv_bytes(data, columns), user=user, today=TODAY, **kwargs
    )


def test_rows_with_and_without_care(officers, hue_units):
    code = hue_units["commune"].code
    data = [child_row(code, 1, **CARE), child_row(code, 2)]
    data[0]["carer_id_number"] = f" {CARER_ID[:6]} {CARER_ID[6:]}"  # spaces are normalised
    result = run(officers["commune"], data)
    assert not result.errors
    care = CareArrangement.objects.get()
    assert (care.code, care.status, care.start_month) == (
        "CS_FOSTER_K1",
        "pending",
        datetime.date(2026, 11, 1),
    )
    assert (care.carer_full_name, care.carer_id_number, care.carer_phone) == (
        "Trần Thị Mai",
        CARER_ID,
        "0981234567",
    )
    assert care.beneficiary.full_name == "Hồ Văn Tí 1"
    # The registration's approval makes it active.
    change = care.beneficiary.changes.get(kind="register")
    assert change.care_arrangement == care
    change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    care.refresh_from_db()
    assert care.status == "active"


def test_a_file_without_the_care_columns_imports_as_before(officers, hue_units):
    columns = [c for c in COLUMNS if not c.startswith("care") and not c.startswith("carer")]
    result = run(officers["commune"], [child_row(hue_units["commune"].code, 1)], columns)
    assert not result.errors and Beneficiary.objects.count() == 1
    assert not CareArrangement.objects.exists()


def test_vietnamese_headers_are_accepted(officers, hue_units):
    row = child_row(hue_units["commune"].code, 1, **CARE)
    labelled = {LABELS[c]: v for c, v in row.items()}
    content = csv_bytes([labelled], [LABELS[c] for c in COLUMNS])
    result = beneficiaries_import(
        name="dt.csv", content=content, user=officers["commune"], today=TODAY
    )
    assert not result.errors and CareArrangement.objects.count() == 1


def test_every_bad_care_column_is_reported_by_row_and_column(officers, hue_units):
    code = hue_units["commune"].code
    young = id_number_for(datetime.date(2010, 1, 1), "F", 9)
    data = [
        child_row(code, 1, **CARE),  # fine
        child_row(code, 2, **{**CARE, "care_code": "CS_FOSTER_K5D"}),  # the child is not K5D
        child_row(code, 3, **{**CARE, "carer_id_number": young}),  # the carer is 16
        child_row(code, 4, **{**CARE, "carer_full_name": ""}),
        child_row(code, 5, **{**CARE, "carer_relationship": ""}),
        child_row(code, 6, **{**CARE, "carer_phone": "12345"}),
        child_row(code, 7, **{**CARE, "care_code": "", "carer_full_name": "Ai đó"}),
        child_row(code, 8, **{**CARE, "care_code": "CS_NOTHING"}),
        child_row(code, 9, **{**CARE, "care_code": "CS_DISABLED_PARENT"}),
        child_row(code, 10, **{**CARE, "carer_id_number": "046180000"}),
    ]
    data[-2]["carer_full_name"] = ""
    result = run(officers["commune"], data)
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert found >= {
        (3, "care_code", Code.CARE_REQUIREMENT_NOT_MET),
        (4, "carer_id_number", Code.NOT_ADULT),
        (5, "carer_full_name", Code.REQUIRED),
        (6, "carer_relationship", Code.REQUIRED),
        (7, "carer_phone", Code.PHONE_INVALID),
        (8, "care_code", Code.CARE_CODE_INVALID),
        (9, "care_code", Code.CARE_CODE_INVALID),
        (11, "carer_id_number", Code.ID_NUMBER_FORMAT),
    }
    # The disabled parent's support needs an end month the file cannot give (and no carer).
    assert (10, "care_code", Code.CARE_END_REQUIRED) in found
    assert {e.row for e in result.errors} == set(range(3, 12))
    assert all(e.message for e in result.errors)
    assert not Beneficiary.objects.exists() and not CareArrangement.objects.exists()


def test_the_initial_load_imports_it_active(officers, hue_units):
    data = [child_row(hue_units["commune"].code, 1, **CARE)]
    data[0]["start_month"] = "2024-07"
    data[0]["decision_date"] = "2024-07-01"
    result = run(officers["admin"], data, initial_load=True)
    assert not result.errors
    care = CareArrangement.objects.get()
    assert (care.status, care.start_month) == ("active", datetime.date(2024, 7, 1))


def test_the_register_export_reads_back_in_to_the_same_arrangements(officers, hue_units):
    code = hue_units["commune"].code
    data = [child_row(code, 1, **CARE), child_row(code, 2)]
    data[0]["start_month"] = data[1]["start_month"] = "2024-07"
    data[0]["decision_date"] = data[1]["decision_date"] = "2024-07-01"
    assert not run(officers["admin"], data, initial_load=True).errors
    before = list(
        CareArrangement.objects.values_list(
            "beneficiary__id_number",
            "code",
            "carer_full_name",
            "carer_id_number",
            "carer_relationship",
            "carer_phone",
            "start_month",
        )
    )
    queryset = register_search(user=officers["district"], filters=RegisterFilters())
    content, count = register_workbook(queryset, identifiers_for(officers["district"]))
    assert count == 2
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for column in ("care_code", "carer_full_name", "carer_id_number"):
        assert column in header
    # Start again from an empty register and read the export back in.
    from beneficiaries.models import BeneficiaryCategory, ChangeRecord

    ChangeRecord.objects.all().delete()
    CareArrangement.objects.all().delete()
    BeneficiaryCategory.objects.all().delete()
    Beneficiary.objects.all().delete()
    exported = [
        {
            k: ("" if v is None else str(v))
            for k, v in zip(header, row, strict=True)
            if k != "status"
        }
        for row in rows[1:]
    ]
    result = run(officers["admin"], exported, initial_load=True)
    assert not result.errors, result.errors
    after = list(
        CareArrangement.objects.values_list(
            "beneficiary__id_number",
            "code",
            "carer_full_name",
            "carer_id_number",
            "carer_relationship",
            "carer_phone",
            "start_month",
        )
    )
    assert after == before and len(after) == 1


def test_the_template_offers_the_care_codes(officers, hue_units):
    book = load_workbook(io.BytesIO(import_template_workbook(user=officers["commune"])))
    header = [c.value for c in book["Danh sách"][1]]
    assert LABELS["care_code"] in header and LABELS["carer_id_number"] in header
    lists = book["Danh mục"]
    values = {c.value for row in lists.iter_rows() for c in row if c.value}
    assert any(str(v).startswith("CS_FOSTER_K1 — ") for v in values)


def test_one_care_rule_on_every_door(officers, hue_units, client):
    """A carer aged 16 is refused with the same code, on the same field, by the registration
    service, the change service, the change page and the import."""
    from django.core.exceptions import ValidationError

    from beneficiaries.models import Category
    from beneficiaries.services.changes import change_record_create
    from beneficiaries.services.inputs import CareInput, ChangeInput, RegistrationInput
    from beneficiaries.services.registration import beneficiary_register
    from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

    young = id_number_for(datetime.date(2010, 1, 1), "F", 9)
    care = CareInput(
        code="CS_FOSTER_K1",
        carer_full_name="Trần Thị Mai",
        carer_id_number=young,
        carer_relationship="Chị",
    )
    codes = {}
    born = datetime.date(2021, 2, 3)
    with pytest.raises(ValidationError) as caught:
        beneficiary_register(
            data=RegistrationInput(
                full_name="Hồ Văn Tí",
                date_of_birth=born,
                sex="M",
                commune=hue_units["commune"],
                categories=("K1",),
                decision_number="1/QĐ",
                decision_date=datetime.date(2026, 11, 2),
                start_month=datetime.date(2026, 11, 1),
                id_number=id_number_for(born, "M", 1),
                care=care,
            ),
            maker=officers["commune"],
            today=TODAY,
        )
    codes["registration"] = [e.code for e in caught.value.error_dict["carer_id_number"]]
    child = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=born, sex="M")
    BeneficiaryCategoryFactory(beneficiary=child, category=Category.objects.get(code="K1"))
    with pytest.raises(ValidationError) as caught:
        change_record_create(
            beneficiary=child,
            data=ChangeInput(
                kind="set_care",
                reason="new_decision",
                effective_month=datetime.date(2026, 12, 1),
                care=care,
            ),
            maker=officers["commune"],
            today=TODAY,
        )
    codes["change"] = [e.code for e in caught.value.error_dict["carer_id_number"]]
    result = run(
        officers["commune"],
        [child_row(hue_units["commune"].code, 1, **{**CARE, "carer_id_number": young})],
    )
    codes["import"] = [e.code for e in result.errors if e.column == "carer_id_number"]
    assert codes == {door: [Code.NOT_ADULT] for door in ("registration", "change", "import")}
    assert not CareArrangement.objects.exists()
