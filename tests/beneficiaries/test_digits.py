"""Digits are digits (issue 17): an ID, phone or account number typed in fullwidth digits, or
with invisible characters pasted in, is the same number; one in another script's digits is
refused. The duplicate-ID check can no longer be walked around."""

import datetime

import pytest

from beneficiaries import validation
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary
from beneficiaries.services.registration import beneficiary_register
from core.errors import AppError, all_codes, error_codes
from tests.beneficiaries.test_registration import registration

ID = "046319004512"
FULLWIDTH = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ARABIC_INDIC = ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
TODAY = datetime.date(2026, 11, 21)


def test_fullwidth_digits_and_invisible_characters_are_normalised():
    assert validation.normalize_id_number(FULLWIDTH) == ID
    assert validation.normalize_id_number("046\u200b3190\u2060045\ufeff12 ") == ID
    assert validation.normalize_phone("０９７１ ２３４ ５６７") == "0971234567"
    assert validation.check_id_number(validation.normalize_id_number(FULLWIDTH), None, None) == []


def test_digits_of_another_script_are_refused_not_taken_for_numbers():
    assert ARABIC_INDIC.isdigit()  # what the old check asked, and why it let them through
    assert {e.code for e in validation.check_id_number(ARABIC_INDIC, None, None)} == {
        Code.ID_NUMBER_FORMAT
    }
    phone = "٠٩٧١٢٣٤٥٦٧"
    assert {e.code for e in validation.check_phone(phone)} == {Code.PHONE_INVALID}
    assert validation.check_account_number("VIETTELPAY", phone) != []
    assert validation.check_account_number("VIETINBANK", "١٢٣٤٥٦٧٨٩") != []


@pytest.mark.django_db
def test_the_same_id_in_fullwidth_digits_is_a_duplicate_on_every_door(hue_units, officers):
    """The service normalises what any door gives it (the portal hands it raw JSON)."""
    beneficiary_register(
        data=registration(hue_units["commune"]), maker=officers["commune"], today=TODAY
    )
    with pytest.raises(AppError) as refused:
        beneficiary_register(
            data=registration(
                hue_units["commune"], id_number=FULLWIDTH, recipient=None, account=None
            ),
            maker=officers["commune"],
            today=TODAY,
        )
    assert Code.ID_NUMBER_TAKEN in error_codes(refused.value)["id_number"]
    with pytest.raises(AppError) as refused:
        beneficiary_register(
            data=registration(
                hue_units["commune"], id_number=ARABIC_INDIC, recipient=None, account=None
            ),
            maker=officers["commune"],
            today=TODAY,
        )
    assert Code.ID_NUMBER_FORMAT in all_codes(refused.value)
    assert Beneficiary.objects.count() == 1


@pytest.mark.django_db
def test_a_fullwidth_id_is_stored_as_ascii_digits(hue_units, officers):
    beneficiary_register(
        data=registration(hue_units["commune"], id_number=FULLWIDTH),
        maker=officers["commune"],
        today=TODAY,
    )
    assert Beneficiary.objects.get().id_number == ID
