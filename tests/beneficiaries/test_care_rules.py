"""Care arrangements (issue 21): the rulebook's care rule, through the change service (the door
every other door shares), each refusal by its code."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.care_models import CareArrangement, CareStatus
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Category
from beneficiaries.rules.care import CareFacts, CareInput, care_errors, carer_adult_errors
from beneficiaries.services.applicable import PersonFacts, kind_refusal
from beneficiaries.services.changes import change_record_create
from beneficiaries.services.inputs import ChangeInput
from core.errors import all_codes
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, id_number_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
M = datetime.date(2026, 12, 1)
ADULT_ID = id_number_for(datetime.date(1980, 4, 2), "F", 77)


def person_with(hue_units, category: str, *, born=datetime.date(2020, 5, 1), level=""):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=born, disability_level=level, sex="M"
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code=category))
    return b


def care(code="CS_FOSTER_K1", **kwargs) -> CareInput:
    values = {
        "carer_full_name": "Trần Thị Mai",
        "carer_id_number": ADULT_ID,
        "carer_relationship": "Cô ruột",
        "carer_phone": "0981234567",
    }
    values.update(kwargs)
    return CareInput(code=code, **values)


def set_care(person, officers, month=M, **kwargs):
    return change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="set_care",
            reason="new_decision",
            effective_month=month,
            decision_number="12/QĐ-UBND",
            care=kwargs.pop("care_input", None) or care(**kwargs),
        ),
        maker=officers["commune"],
        today=TODAY,
    )


def refused(person, officers, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        set_care(person, officers, **kwargs)
    assert not CareArrangement.objects.filter(beneficiary=person).exists()  # nothing half-saved
    return caught.value.message_dict and {
        name: [e.code for e in errors] for name, errors in caught.value.error_dict.items()
    }


# --- What each code needs of the person cared for -------------------------------------------


@pytest.mark.parametrize(
    ("code", "category", "level", "born"),
    [
        ("CS_FOSTER_K1", "K1", "", datetime.date(2020, 5, 1)),
        ("CS_FOSTER_K5D", "K5D", "", datetime.date(1945, 5, 1)),
        ("CS_HOUSEHOLD_DISABLED", "K6", "extremely_severe", datetime.date(1990, 5, 1)),
        ("CS_FOSTER_DISABLED", "K6", "extremely_severe", datetime.date(1990, 5, 1)),
    ],
)
def test_each_code_is_accepted_for_a_person_who_holds_what_it_needs(
    hue_units, officers, code, category, level, born
):
    person = person_with(hue_units, category, born=born, level=level)
    change = set_care(person, officers, code=code)
    arrangement = change.care_arrangement
    assert (arrangement.code, arrangement.status, arrangement.start_month) == (code, "pending", M)
    assert arrangement.carer_id_number == ADULT_ID and arrangement.end_month is None


@pytest.mark.parametrize(
    ("code", "category", "level", "born"),
    [
        ("CS_FOSTER_K1", "K5C", "", datetime.date(1940, 5, 1)),
        ("CS_FOSTER_K5D", "K5A", "", datetime.date(1945, 5, 1)),
        ("CS_HOUSEHOLD_DISABLED", "K6", "severe", datetime.date(1990, 5, 1)),
        ("CS_FOSTER_DISABLED", "K6", "severe", datetime.date(1990, 5, 1)),
        ("CS_DISABLED_PARENT", "K8", "", datetime.date(1990, 5, 1)),
    ],
)
def test_each_code_is_refused_for_a_person_without_what_it_needs(
    hue_units, officers, code, category, level, born
):
    person = person_with(hue_units, category, born=born, level=level)
    extra = {}
    if code == "CS_DISABLED_PARENT":
        extra = dict(
            care_input=CareInput(code=code, end_month=datetime.date(2027, 12, 1)),
        )
    found = refused(person, officers, code=code, **extra)
    assert Code.CARE_REQUIREMENT_NOT_MET in found["care_code"]


def test_the_disabled_parent_is_paid_themself_with_an_end_month(hue_units, officers):
    person = person_with(hue_units, "K6", born=datetime.date(1995, 5, 1), level="severe")
    last = datetime.date(2030, 8, 1)  # 45 months from 12/2026
    change = set_care(
        person,
        officers,
        care_input=CareInput(
            code="CS_DISABLED_PARENT", variant="both_or_two_children", end_month=last
        ),
    )
    arrangement = change.care_arrangement
    assert arrangement.pays_the_person and arrangement.carer_full_name == ""
    assert (arrangement.variant, arrangement.end_month) == ("both_or_two_children", last)


@pytest.mark.parametrize(
    ("care_input", "field", "code"),
    [
        (CareInput(code="CS_DISABLED_PARENT"), "care_end_month", Code.CARE_END_REQUIRED),
        (
            CareInput(code="CS_DISABLED_PARENT", end_month=datetime.date(2030, 9, 1)),
            "care_end_month",
            Code.CARE_TOO_LONG,
        ),
        (
            CareInput(
                code="CS_DISABLED_PARENT",
                end_month=datetime.date(2027, 9, 1),
                carer_full_name="Ai đó",
            ),
            "carer_full_name",
            Code.CARER_NOT_ALLOWED,
        ),
        (
            CareInput(code="CS_DISABLED_PARENT", end_month=datetime.date(2026, 11, 1)),
            "care_end_month",
            Code.CARE_END_BEFORE_START,
        ),
    ],
)
def test_the_disabled_parents_support_refusals(hue_units, officers, care_input, field, code):
    person = person_with(hue_units, "K6", born=datetime.date(1995, 5, 1), level="severe")
    assert code in refused(person, officers, care_input=care_input)[field]


def test_a_variant_belongs_only_to_the_disabled_parents_support(hue_units, officers):
    person = person_with(hue_units, "K1")
    found = refused(person, officers, variant="both_or_two_children")
    assert Code.CARE_VARIANT_INVALID in found["care_variant"]


def test_an_unknown_code_is_refused(hue_units, officers):
    person = person_with(hue_units, "K1")
    assert Code.CARE_CODE_INVALID in refused(person, officers, code="CS_NOTHING")["care_code"]


# --- The carer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "date_of_birth", "expected"),
    [
        (2007, None, None),  # 19 by year: an adult whatever the day
        (2008, None, Code.CARER_BIRTH_DATE_NEEDED),  # 18 by year: the date of birth decides
        (2009, None, Code.NOT_ADULT),  # 17 by year
        (2008, datetime.date(2008, 12, 1), None),  # 18 on 01/12/2026, the first day
        (2008, datetime.date(2008, 12, 2), Code.NOT_ADULT),  # turns 18 the day after
    ],
)
def test_the_carer_is_an_adult_on_the_first_day_of_the_start_month(
    hue_units, officers, born, date_of_birth, expected
):
    person = person_with(hue_units, "K1")
    number = id_number_for(datetime.date(born, 6, 1), "F", 91)
    if expected is None:
        change = set_care(
            person, officers, carer_id_number=number, carer_date_of_birth=date_of_birth
        )
        assert change.care_arrangement.carer_date_of_birth == date_of_birth
    else:
        found = refused(person, officers, carer_id_number=number, carer_date_of_birth=date_of_birth)
        assert found["carer_id_number"] == [expected]


def test_the_adult_rule_is_pure_and_reads_the_start_month():
    number = id_number_for(datetime.date(2008, 6, 1), "F", 91)
    assert (
        carer_adult_errors(number, start_month=datetime.date(2027, 1, 1), date_of_birth=None) == []
    )
    assert [e.code for e in carer_adult_errors(number, start_month=M, date_of_birth=None)] == [
        Code.CARER_BIRTH_DATE_NEEDED
    ]


def test_the_carer_is_not_the_person_cared_for(hue_units, officers):
    person = person_with(hue_units, "K6", born=datetime.date(1990, 5, 1), level="extremely_severe")
    found = refused(
        person, officers, code="CS_HOUSEHOLD_DISABLED", carer_id_number=person.id_number
    )
    assert found["carer_id_number"] == [Code.SAME_PERSON_AS_BENEFICIARY]


def test_the_carer_is_not_the_person_cared_for_by_register_record():
    facts = CareFacts(categories=frozenset({"K1"}), disability_level="", carer_is_person=True)
    found = care_errors(
        CareInput(
            code="CS_FOSTER_K1",
            carer_full_name="A",
            carer_relationship="B",
            carer_id_number=ADULT_ID,
        ),
        start_month=M,
        facts=facts,
    )
    assert [e.code for e in found["carer_id_number"]] == [Code.SAME_PERSON_AS_BENEFICIARY]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"carer_full_name": "  "}, "carer_full_name", Code.REQUIRED),
        ({"carer_relationship": ""}, "carer_relationship", Code.REQUIRED),
        ({"carer_id_number": ""}, "carer_id_number", Code.REQUIRED),
        ({"carer_id_number": "04618012345"}, "carer_id_number", Code.ID_NUMBER_FORMAT),
        ({"carer_id_number": "999180012345"}, "carer_id_number", Code.ID_NUMBER_PROVINCE),
        ({"carer_phone": "0123"}, "carer_phone", Code.PHONE_INVALID),
        (
            {"account_provider": "VNPOST", "account_number": "1"},
            "care_account_provider",
            Code.PROVIDER_INVALID,
        ),
        (
            {"account_provider": "VIETINBANK", "account_number": "12ab"},
            "care_account_number",
            Code.ACCOUNT_NUMBER_INVALID,
        ),
        (
            {"account_provider": "VIETTELPAY", "account_number": "0912345678"},
            "care_account_number",
            Code.ACCOUNT_NOT_VIETTEL,
        ),
    ],
)
def test_the_carers_fields(hue_units, officers, kwargs, field, code):
    person = person_with(hue_units, "K1")
    assert code in refused(person, officers, **kwargs)[field]


def test_fullwidth_digits_and_spaces_are_normalised(hue_units, officers):
    person = person_with(hue_units, "K1")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in ADULT_ID)
    change = set_care(
        person,
        officers,
        carer_id_number=f" {fullwidth[:6]} {fullwidth[6:]} ",
        carer_phone="+84 98 123 4567",
        account_provider="VIETTELPAY",
        account_number="098 123 4567",
    )
    arrangement = change.care_arrangement
    assert arrangement.carer_id_number == ADULT_ID
    assert arrangement.carer_phone == "0981234567"
    assert (arrangement.account_provider.code, arrangement.account_number) == (
        "VIETTELPAY",
        "0981234567",
    )


def test_a_carer_on_the_register_is_linked(hue_units, officers):
    carer = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1960, 1, 1)
    )
    person = person_with(hue_units, "K1")
    change = set_care(person, officers, carer_id_number=carer.id_number)
    assert change.care_arrangement.carer_beneficiary == carer


# --- Months and other arrangements ----------------------------------------------------------


def test_one_arrangement_per_code_at_a_time_and_pending_ones_count(hue_units, officers):
    person = person_with(hue_units, "K1")
    CareArrangement.objects.create(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.PENDING,
        carer_full_name="X",
        carer_id_number=ADULT_ID,
        start_month=datetime.date(2026, 10, 1),
    )
    found = refused_keep(person, officers)
    assert Code.CARE_OVERLAP in found["care_code"]


def refused_keep(person, officers, **kwargs):
    """A refusal where the person already has arrangements (they stay as they were)."""
    before = set(CareArrangement.objects.filter(beneficiary=person).values_list("pk", "status"))
    with pytest.raises(ValidationError) as caught:
        set_care(person, officers, **kwargs)
    after = set(CareArrangement.objects.filter(beneficiary=person).values_list("pk", "status"))
    assert before == after
    return {name: [e.code for e in errors] for name, errors in caught.value.error_dict.items()}


def test_an_ended_arrangement_leaves_the_later_months_free(hue_units, officers):
    person = person_with(hue_units, "K1")
    CareArrangement.objects.create(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.ENDED,
        carer_full_name="X",
        carer_id_number=ADULT_ID,
        start_month=datetime.date(2026, 1, 1),
        end_month=datetime.date(2026, 11, 1),
    )
    assert set_care(person, officers).care_arrangement.status == "pending"
    # but not overlapping its months
    with pytest.raises(ValidationError):
        set_care(person, officers, month=datetime.date(2026, 11, 1))


def test_a_rejected_arrangement_does_not_count(hue_units, officers):
    person = person_with(hue_units, "K1")
    CareArrangement.objects.create(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.REJECTED,
        carer_full_name="X",
        carer_id_number=ADULT_ID,
        start_month=datetime.date(2026, 10, 1),
    )
    assert set_care(person, officers).care_arrangement.status == "pending"


def test_household_care_and_fostering_a_disabled_person_exclude_each_other(hue_units, officers):
    person = person_with(hue_units, "K6", born=datetime.date(1990, 5, 1), level="extremely_severe")
    CareArrangement.objects.create(
        beneficiary=person,
        code="CS_HOUSEHOLD_DISABLED",
        status=CareStatus.ACTIVE,
        carer_full_name="X",
        carer_id_number=ADULT_ID,
        start_month=datetime.date(2026, 1, 1),
    )
    found = refused_keep(person, officers, code="CS_FOSTER_DISABLED")
    assert Code.CARE_EXCLUSIVE in found["care_code"]


def test_the_start_month_is_inside_the_change_window(hue_units, officers, settings):
    settings.TROCAP_BACKDATE_MONTHS = 3
    person = person_with(hue_units, "K1")
    found = refused(person, officers, month=datetime.date(2026, 1, 1))
    assert Code.EFFECTIVE_MONTH_OUT_OF_RANGE in found["effective_month"]


def test_an_end_month_before_the_start_is_refused(hue_units, officers):
    person = person_with(hue_units, "K1")
    found = refused(person, officers, end_month=datetime.date(2026, 11, 1))
    assert Code.CARE_END_BEFORE_START in found["care_end_month"]


# --- Which kinds apply (the menu and the service) ---------------------------------------------


def test_kind_refusal_for_setting_care(hue_units):
    person = person_with(hue_units, "K1")
    assert kind_refusal(PersonFacts.of(person), "set_care") is None
    person.status = "suspended"
    assert kind_refusal(PersonFacts.of(person), "set_care").code == Code.NOT_ACTIVE
    person.status = "pending"
    assert kind_refusal(PersonFacts.of(person), "set_care").code == Code.BENEFICIARY_PENDING
    person.status = "stopped"
    assert kind_refusal(PersonFacts.of(person), "set_care").code == Code.BENEFICIARY_CLOSED


def test_kind_refusal_for_ending_care(hue_units, officers):
    person = person_with(hue_units, "K1")
    assert kind_refusal(PersonFacts.of(person), "end_care").code == Code.NO_ACTIVE_CARE
    with pytest.raises(ValidationError) as caught:
        change_record_create(
            beneficiary=person,
            data=ChangeInput(kind="end_care", reason="other", effective_month=M),
            maker=officers["commune"],
            today=TODAY,
        )
    assert Code.NO_ACTIVE_CARE in all_codes(caught.value)
    CareArrangement.objects.create(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.ACTIVE,
        carer_full_name="X",
        carer_id_number=ADULT_ID,
        start_month=datetime.date(2026, 1, 1),
    )
    assert kind_refusal(PersonFacts.of(person), "end_care") is None


def test_a_carer_recorded_dead_is_refused(hue_units, officers):
    dead = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1950, 1, 1),
        date_of_death=datetime.date(2026, 5, 1),
        status="stopped",
    )
    person = person_with(hue_units, "K1")
    found = refused(person, officers, carer_id_number=dead.id_number)
    assert Code.RECORDED_DEAD in found["carer_id_number"]


def test_a_registration_whose_carer_is_the_person_registered_is_refused(hue_units, officers):
    from beneficiaries.services.checks import registration_errors
    from beneficiaries.services.inputs import RegistrationInput

    born = datetime.date(1990, 2, 3)
    number = id_number_for(born, "M", 55)
    errors = registration_errors(
        data=RegistrationInput(
            full_name="Hồ Văn Tí",
            date_of_birth=born,
            sex="M",
            commune=hue_units["commune"],
            categories=("K6",),
            disability_level="extremely_severe",
            decision_number="1/QĐ",
            decision_date=datetime.date(2026, 11, 2),
            start_month=datetime.date(2026, 11, 1),
            id_number=number,
            care=care("CS_HOUSEHOLD_DISABLED", carer_id_number=number),
        ),
        today=TODAY,
    )
    assert [e.code for e in errors.by_field["carer_id_number"]] == [Code.SAME_PERSON_AS_BENEFICIARY]
