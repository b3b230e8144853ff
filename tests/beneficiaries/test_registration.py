"""Registering a new beneficiary (an increase): validation, nothing half-saved, maker-checker."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import PaymentAccount
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import AuthorizedRecipient, Beneficiary, BeneficiaryCategory, ChangeRecord
from beneficiaries.services.changes import change_record_approve, change_record_reject
from beneficiaries.services.inputs import AccountInput, RecipientInput, RegistrationInput
from beneficiaries.services.registration import beneficiary_register
from core.errors import AppError, error_codes
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


def registration(commune, **overrides) -> RegistrationInput:
    values = dict(
        full_name="Hồ Thị Lài",
        date_of_birth=datetime.date(2019, 2, 10),
        sex="F",
        commune=commune,
        categories=("K1",),
        decision_number="215/QĐ-UBND",
        decision_date=datetime.date(2026, 10, 5),
        start_month=datetime.date(2026, 10, 1),
        id_number="046319004512",
        recipient=RecipientInput(
            kind="guardian",
            full_name="Hồ Văn Kăn",
            id_number="046085001234",
            relationship="Ông nội",
            phone="0971234567",
        ),
        account=AccountInput(
            provider_code="VIETTELPAY", account_number="0971234567", holder="recipient"
        ),
    )
    values.update(overrides)
    return RegistrationInput(**values)


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def nothing_saved():
    assert Beneficiary.objects.count() == 0
    assert BeneficiaryCategory.objects.count() == 0
    assert AuthorizedRecipient.objects.count() == 0
    assert PaymentAccount.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


def test_registration_waits_for_approval_then_becomes_active(officers, hue_units):
    change = beneficiary_register(
        data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
    )
    b = change.beneficiary
    assert (b.status, change.status, change.kind) == ("pending", "submitted", "register")
    assert change.effective_month == datetime.date(2026, 10, 1)
    account = PaymentAccount.objects.get(beneficiary=b)
    assert (account.status, account.holder, account.recipient.full_name) == (
        "pending",
        "recipient",
        "Hồ Văn Kăn",
    )
    assert account.account_name == "HO VAN KAN"
    assert b.search_name == "ho thi lai"

    change_record_approve(change=change, approved_by=officers["district"])
    b.refresh_from_db()
    account.refresh_from_db()
    assert b.status == "active"
    assert account.status == "active"
    change.refresh_from_db()
    assert change.checker == officers["district"] and change.decided_at is not None
    # History knows who did what.
    assert b.history.earliest("history_date").history_user == officers["commune"]
    assert b.history.latest("history_date").history_user == officers["district"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"id_number": "04631900451"}, "id_number", Code.ID_NUMBER_FORMAT),
        ({"id_number": "046219004512"}, "id_number", Code.ID_NUMBER_SEX_MISMATCH),  # 2 = male
        ({"id_number": "046318004512"}, "id_number", Code.ID_NUMBER_YEAR_MISMATCH),  # 2018
        (
            {"date_of_birth": datetime.date(2027, 1, 1), "id_number": ""},
            "date_of_birth",
            Code.DATE_OF_BIRTH_FUTURE,
        ),
        ({"decision_date": datetime.date(2018, 1, 1)}, "decision_date", Code.DECISION_BEFORE_BIRTH),
        ({"start_month": datetime.date(2026, 9, 1)}, "start_month", Code.START_BEFORE_DECISION),
        ({"categories": ("K6",)}, "disability_level", Code.DISABILITY_LEVEL_REQUIRED),
        ({"categories": ("K4",)}, "dependent_children", Code.DEPENDENT_CHILDREN_REQUIRED),
        ({"categories": ()}, "categories", Code.CATEGORY_REQUIRED),
        ({"categories": ("K5C",)}, "categories", Code.CATEGORY_AGE),  # a 7-year-old is not 80+
        ({"categories": ("K1", "K2")}, "categories", Code.CATEGORY_AGE),  # nor a student of 16-22
        ({"phone": "12345"}, "phone", Code.PHONE_INVALID),
        (
            {"account": AccountInput("VIETTELPAY", "0912345678", "recipient")},
            "account_number",
            Code.ACCOUNT_NOT_VIETTEL,
        ),
        (
            {"account": AccountInput("VIETINBANK", "12AB", "beneficiary")},
            "account_number",
            Code.ACCOUNT_NUMBER_INVALID,
        ),
        ({"recipient": None}, "account_holder", Code.ACCOUNT_HOLDER_NO_RECIPIENT),
    ],
)
def test_every_bad_input_gets_a_coded_message_on_its_field_and_nothing_is_saved(
    officers, hue_units, overrides, field, code
):
    with pytest.raises(AppError) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"], **overrides),
            maker=officers["commune"],
            today=TODAY,
        )
    codes = error_codes(excinfo.value)
    assert code in codes.get(field, []), codes
    assert all(errors_of(excinfo)[field])  # every code comes with its message
    nothing_saved()


def test_a_duplicate_id_anywhere_in_the_database_is_refused(officers, hue_units):
    other = BeneficiaryFactory(
        commune=hue_units["far_commune"], id_number="046319004512", full_name="Lê Thị Mận"
    )
    with pytest.raises(ValidationError) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
        )
    assert error_codes(excinfo.value)["id_number"] == [Code.ID_NUMBER_TAKEN]
    # Issue 17: out of the officer's scope the message says neither who nor where.
    message = errors_of(excinfo)["id_number"][0]
    assert "Lê Thị Mận" not in message and hue_units["far_commune"].name not in message
    assert "another unit" in message or "đơn vị khác" in message
    assert Beneficiary.objects.count() == 1 and Beneficiary.objects.get() == other


def test_a_duplicate_in_the_officers_own_commune_names_the_person(officers, hue_units):
    BeneficiaryFactory(
        commune=hue_units["commune"], id_number="046319004512", full_name="Lê Thị Mận"
    )
    with pytest.raises(ValidationError) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
        )
    assert error_codes(excinfo.value)["id_number"] == [Code.ID_NUMBER_TAKEN]
    assert "Lê Thị Mận" in errors_of(excinfo)["id_number"][0]  # the officer sees who has it


def test_only_an_officer_of_the_commune_can_register(officers, hue_units):
    with pytest.raises(PermissionDenied) as excinfo:
        beneficiary_register(
            data=registration(hue_units["far_commune"]), maker=officers["commune"], today=TODAY
        )
    assert excinfo.value.code == Code.NOT_MAKER
    with pytest.raises(PermissionDenied) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"]), maker=officers["district"], today=TODAY
        )
    assert excinfo.value.code == Code.NOT_MAKER
    nothing_saved()


def test_nobody_approves_their_own_change_and_only_the_district_above_decides(officers, hue_units):
    from org.models import Role
    from tests.factories import UserFactory

    change = beneficiary_register(
        data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
    )
    with pytest.raises(PermissionDenied) as excinfo:
        change_record_approve(change=change, approved_by=officers["commune"])
    assert excinfo.value.code == Code.NOT_CHECKER
    other_district = UserFactory(
        username="huyenkhac", role=Role.DISTRICT_OFFICER, unit=hue_units["other_district"]
    )
    with pytest.raises(PermissionDenied):
        change_record_approve(change=change, approved_by=other_district)
    with pytest.raises(PermissionDenied):
        change_record_approve(change=change, approved_by=officers["province"])
    change.refresh_from_db()
    assert change.status == "submitted"


def test_rejection_needs_a_reason_and_leaves_nothing_active(officers, hue_units):
    change = beneficiary_register(
        data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
    )
    with pytest.raises(ValidationError) as excinfo:
        change_record_reject(change=change, rejected_by=officers["district"], reason="  ")
    assert error_codes(excinfo.value) == {"rejection_reason": [Code.REJECTION_REASON_REQUIRED]}
    change_record_reject(
        change=change, rejected_by=officers["district"], reason="Thiếu giấy khai sinh"
    )
    change.refresh_from_db()
    assert change.status == "rejected" and change.rejection_reason == "Thiếu giấy khai sinh"
    assert change.beneficiary.status == "rejected"
    assert PaymentAccount.objects.get().status == "closed"
    with pytest.raises(ValidationError) as excinfo:
        change_record_approve(change=change, approved_by=officers["district"])
    assert excinfo.value.code == Code.NOT_WAITING


def test_decision_scans_are_checked_by_content_and_size(officers, hue_units):
    fake_pdf = SimpleUploadedFile(
        "quyet-dinh.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"]),
            maker=officers["commune"],
            decision_file=fake_pdf,
            today=TODAY,
        )
    assert error_codes(excinfo.value)["decision_file"] == [Code.DECISION_FILE_TYPE]
    big = SimpleUploadedFile(
        "qd.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1), content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as excinfo:
        beneficiary_register(
            data=registration(hue_units["commune"]),
            maker=officers["commune"],
            decision_file=big,
            today=TODAY,
        )
    assert error_codes(excinfo.value)["decision_file"] == [Code.DECISION_FILE_TOO_LARGE]
    assert "5 MB" in errors_of(excinfo)["decision_file"][0]  # the officer sees the limit
    nothing_saved()
    good = SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    change = beneficiary_register(
        data=registration(hue_units["commune"]),
        maker=officers["commune"],
        decision_file=good,
        today=TODAY,
    )
    assert change.decision_file.name.endswith(".pdf")


def test_initial_load_makes_people_active_and_approved_at_once(officers, hue_units):
    # Issue 16: the administrator's alone (a commune officer could do it before).
    for role in ("commune", "district", "province"):
        with pytest.raises(PermissionDenied) as excinfo:
            beneficiary_register(
                data=registration(hue_units["commune"]),
                maker=officers[role],
                initial_load=True,
                source="import",
                today=TODAY,
            )
        assert excinfo.value.code == Code.INITIAL_LOAD_NOT_ALLOWED
    assert not Beneficiary.objects.exists()
    change = beneficiary_register(
        data=registration(hue_units["commune"]),
        maker=officers["admin"],
        initial_load=True,
        source="import",
        today=TODAY,
    )
    assert change.status == "approved" and change.checker is None
    assert change.beneficiary.status == "active"
    assert PaymentAccount.objects.get().status == "active"
    assert change.history.get().history_change_reason == (
        f"Nạp dữ liệu ban đầu do {officers['admin']} thực hiện"
    )
