"""The rulebook's pure functions (beneficiaries/rules): examples for each finding of issue 17,
and Hypothesis properties: a well-formed ID number passes, anything else is refused with a code
and never an exception, and nobody under 18 may receive money for a beneficiary."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries import rules
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.policy import CoefficientBand, PolicyTables
from beneficiaries.validation import normalize_id_number

TODAY = datetime.date(2026, 11, 21)
CODES = {str(code) for code in Code}


@dataclass(frozen=True)
class Recipient:
    id_number: str
    kind: str = "guardian"
    full_name: str = "Lê Văn Tư"
    relationship: str = "Con trai"
    phone: str = ""


def codes(errors) -> set[str]:
    if isinstance(errors, dict):
        return {e.code for found in errors.values() for e in found}
    return {e.code for e in errors}


def id_for(year: int, sex: str = "M", province: str = "046", serial: int = 1234) -> str:
    digit4 = (year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"{province}{digit4}{year % 100:02d}{serial:06d}"


# --- Examples -----------------------------------------------------------------------------------


def test_the_province_codes_are_the_63_of_circular_07_2016():
    assert len(rules.PROVINCE_CODES) == 63
    assert {"001", "046", "079", "096"} <= rules.PROVINCE_CODES
    assert not {"000", "003", "097", "999"} & rules.PROVINCE_CODES


def test_an_id_number_whose_province_code_does_not_exist_is_refused():
    assert codes(rules.check_id_number("999138004512")) == {Code.ID_NUMBER_PROVINCE}
    assert rules.check_id_number("046138004512", datetime.date(1938, 4, 12), "F") == []


def test_a_guardian_whose_id_number_says_born_in_2010_is_under_18():
    assert codes(rules.check_adult(id_for(2010), today=TODAY)) == {Code.NOT_ADULT}
    # Born in 2008: 18 only if born by 21 November; the number does not say, so not yet.
    assert codes(rules.check_adult(id_for(2008), today=TODAY)) == {Code.NOT_ADULT}
    assert rules.check_adult(id_for(2008), today=datetime.date(2026, 12, 31)) == []
    assert rules.check_adult(id_for(2007), today=TODAY) == []
    # With a date of birth the age is exact.
    born = datetime.date(2008, 11, 21)
    assert rules.check_adult(id_for(2008), today=TODAY, date_of_birth=born) == []


def test_a_recipient_is_an_adult_other_person_alive_with_a_valid_id():
    ok = Recipient(id_number=id_for(1980))
    assert rules.recipient_errors(ok, today=TODAY) == {}
    own = rules.recipient_errors(ok, today=TODAY, beneficiary_id_numbers=(ok.id_number,))
    assert codes(own) == {Code.SAME_PERSON_AS_BENEFICIARY}
    dead = rules.recipient_errors(ok, today=TODAY, recorded_dead=True)
    assert codes(dead) == {Code.RECORDED_DEAD}
    young = rules.recipient_errors(Recipient(id_number=id_for(2010)), today=TODAY)
    assert codes(young) == {Code.NOT_ADULT}
    assert codes(rules.recipient_errors(Recipient(id_number=""), today=TODAY)) == {Code.REQUIRED}


def test_a_funeral_payee_needs_a_name_an_id_number_and_a_relationship():
    missing = rules.funeral_payee_errors(
        name="Trần Văn Bình", id_number="", relationship="", today=TODAY
    )
    assert {name: codes(found) for name, found in missing.items()} == {
        "funeral_payee_id_number": {Code.REQUIRED},
        "funeral_payee_relationship": {Code.REQUIRED},
    }
    deceased = id_for(1940, "F")
    same = rules.funeral_payee_errors(
        name="Trần Văn Bình",
        id_number=deceased,
        relationship="Con trai",
        today=TODAY,
        deceased_id_numbers=(deceased,),
    )
    assert codes(same) == {Code.SAME_PERSON_AS_BENEFICIARY}
    child = rules.funeral_payee_errors(
        name="Trần Văn Bình", id_number=id_for(2012), relationship="Cháu", today=TODAY
    )
    assert codes(child) == {Code.NOT_ADULT}


def band(code: str, coefficient: str, *, min_age=None, max_age=None, level=""):
    return CoefficientBand(
        category_code=code,
        min_age=min_age,
        max_age=max_age,
        age_group="",
        disability_level=level,
        per_child=False,
        variant="",
        coefficient=Decimal(coefficient),
        valid_from=datetime.date(2021, 7, 1),
        valid_to=None,
    )


def test_a_category_that_does_not_apply_in_the_month_is_category_age():
    tables = PolicyTables(
        bands=(band("K1", "1.5", max_age=16), band("K6", "2.0", level="extremely_severe")),
        levels=(),
        additive={},
    )
    common = dict(tables=tables, month=datetime.date(2026, 12, 1), age_rule="first_day")
    k1_at_64 = rules.category_age_errors(
        categories=["K1"],
        date_of_birth=datetime.date(1962, 3, 1),
        disability_level="",
        dependent_children=None,
        **common,
    )
    assert codes(k1_at_64) == {Code.CATEGORY_AGE}
    k6_severe = rules.category_age_errors(
        categories=["K6"],
        date_of_birth=datetime.date(1962, 3, 1),
        disability_level="severe",
        dependent_children=None,
        **common,
    )
    assert codes(k6_severe) == {Code.CATEGORY_AGE}


# --- Properties ---------------------------------------------------------------------------------

provinces = st.sampled_from(sorted(rules.PROVINCE_CODES))
birth_dates = st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31))


@given(
    province=provinces, born=birth_dates, sex=st.sampled_from("MF"), serial=st.integers(0, 999999)
)
def test_any_well_formed_id_number_passes(province, born, sex, serial):
    number = id_for(born.year, sex, province, serial)
    assert rules.check_id_number(number, born, sex) == []
    assert rules.id_birth_year(number) == born.year


@given(number=st.text(max_size=20))
def test_any_other_string_is_refused_with_a_code_never_an_exception(number):
    errors = rules.check_id_number(number)
    assert all(isinstance(e, ValidationError) and e.code in CODES for e in errors)
    well_formed = (
        number.isascii()
        and number.isdigit()
        and len(number) == 12
        and number[:3] in rules.PROVINCE_CODES
        and number[3] in "012345"
    )
    assert bool(errors) != well_formed or number == ""


@given(number_tail=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_twelve_digits_with_an_unknown_province_code_are_refused(number_tail):
    for code in ("000", "003", "097", "999"):
        assert Code.ID_NUMBER_PROVINCE in codes(rules.check_id_number(code + number_tail))


@given(
    today=st.dates(datetime.date(2020, 1, 1), datetime.date(2090, 12, 31)),
    days_young=st.integers(0, 18 * 365 + 3),
    sex=st.sampled_from("MF"),
)
def test_a_recipient_under_18_is_always_refused(today, days_young, sex):
    born = today - datetime.timedelta(days=days_young)
    if rules.age_on(born, today) >= 18:
        return
    recipient = Recipient(id_number=id_for(born.year, sex))
    assert Code.NOT_ADULT in codes(rules.recipient_errors(recipient, today=today))
    payee = rules.funeral_payee_errors(
        name="Trần Văn Bình", id_number=recipient.id_number, relationship="Con", today=today
    )
    assert Code.NOT_ADULT in codes(payee)


@given(
    kind=st.text(max_size=12),
    full_name=st.text(max_size=30),
    id_number=st.text(max_size=15),
    relationship=st.text(max_size=10),
    phone=st.text(max_size=12),
)
def test_any_recipient_gets_coded_refusals_never_an_exception(
    kind, full_name, id_number, relationship, phone
):
    recipient = Recipient(
        kind=kind, full_name=full_name, id_number=id_number, relationship=relationship, phone=phone
    )
    problems = rules.recipient_errors(recipient, today=TODAY)
    assert all(e.code in CODES for found in problems.values() for e in found)


@given(
    provider=st.sampled_from(["VIETTELPAY", "VIETINBANK", "VNPOST", "", "X"]),
    number=st.text(max_size=16),
    holder=st.sampled_from(["beneficiary", "recipient", "", "x"]),
    has_recipient=st.booleans(),
)
def test_any_account_gets_coded_refusals_never_an_exception(
    provider, number, holder, has_recipient
):
    problems = rules.account_errors(
        provider_code=provider, account_number=number, holder=holder, has_recipient=has_recipient
    )
    assert all(e.code in CODES for found in problems.values() for e in found)
    if provider not in ("VIETTELPAY", "VIETINBANK"):
        assert problems


@pytest.mark.parametrize("number", ["046185001234", "０４６１８５００１２３４"])
def test_the_rule_sees_numbers_as_the_doors_normalise_them(number):
    assert rules.check_id_number(normalize_id_number(number)) == []
