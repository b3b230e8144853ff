"""Care arrangements under maker-checker (issue 21): SET_CARE and END_CARE approved, rejected or
withdrawn; a death or a stop of the person cared for ends their arrangements with the allowance;
a registration with a care section."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.care_models import CareArrangement, CareStatus
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Category, ChangeRecord
from beneficiaries.services.changes import (
    change_record_approve,
    change_record_cancel,
    change_record_create,
    change_record_reject,
)
from beneficiaries.services.inputs import CareInput, ChangeInput, RegistrationInput
from beneficiaries.services.registration import beneficiary_register
from core.errors import AppForbidden, all_codes
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, id_number_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
M = datetime.date(2026, 12, 1)
CARER_ID = id_number_for(datetime.date(1980, 4, 2), "F", 77)
CARE = CareInput(
    code="CS_FOSTER_K1",
    carer_full_name="Trần Thị Mai",
    carer_id_number=CARER_ID,
    carer_relationship="Cô ruột",
)


@pytest.fixture
def child(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2020, 5, 1), sex="M"
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K1"))
    return b


def set_care(person, officers, month=M, care=CARE):
    return change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="set_care",
            reason="new_decision",
            effective_month=month,
            decision_number="12/QĐ-UBND",
            care=care,
        ),
        maker=officers["commune"],
        today=TODAY,
    )


def approve(change, officers):
    change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    change.refresh_from_db()
    return change


def active_arrangement(person, start=datetime.date(2026, 3, 1)) -> CareArrangement:
    return CareArrangement.objects.create(
        beneficiary=person,
        code="CS_FOSTER_K1",
        status=CareStatus.ACTIVE,
        carer_full_name="Trần Thị Mai",
        carer_id_number=CARER_ID,
        carer_relationship="Cô ruột",
        start_month=start,
    )


def test_approval_activates_the_arrangement_from_its_month(child, officers):
    change = set_care(child, officers)
    arrangement = change.care_arrangement
    assert (change.effective_month, arrangement.status) == (M, "pending")
    approve(change, officers)
    arrangement.refresh_from_db()
    # Applied on approval (a month ahead): the next list, generated before 12/2026, pays it.
    assert change.applied_at is not None
    assert (arrangement.status, arrangement.start_month, arrangement.end_month) == (
        "active",
        M,
        None,
    )
    assert arrangement.decision_number == "12/QĐ-UBND"
    assert arrangement.history.latest("history_date").history_user == officers["district"]
    assert arrangement.history.earliest("history_date").history_user == officers["commune"]


def test_the_maker_cannot_approve_their_own_set_care(child, officers, hue_units):
    from tests.factories import UserFactory

    maker = UserFactory(username="xa2", role="district_officer", unit=hue_units["district"])
    change = set_care(child, officers)
    change.maker = maker
    change.save()
    with pytest.raises(AppForbidden) as caught:
        change_record_approve(change=change, approved_by=maker, today=TODAY)
    assert caught.value.code == Code.OWN_CHANGE
    with pytest.raises(AppForbidden):
        change_record_approve(change=change, approved_by=officers["commune"], today=TODAY)
    assert CareArrangement.objects.get().status == "pending"


def test_the_commune_leader_approves_on_two_tier_units(two_tier):
    person = BeneficiaryFactory(commune=two_tier["a"], date_of_birth=datetime.date(2020, 5, 1))
    BeneficiaryCategoryFactory(beneficiary=person, category=Category.objects.get(code="K1"))
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(kind="set_care", reason="new_decision", effective_month=M, care=CARE),
        maker=two_tier["officer_a"],
        today=TODAY,
    )
    change_record_approve(change=change, approved_by=two_tier["leader_a"], today=TODAY)
    assert CareArrangement.objects.get().status == "active"


def test_rejection_rejects_the_arrangement(child, officers):
    change = set_care(child, officers)
    change_record_reject(change=change, rejected_by=officers["district"], reason="Thiếu hồ sơ")
    assert CareArrangement.objects.get().status == "rejected"
    # ... and frees its months for a new proposal
    assert set_care(child, officers).care_arrangement.status == "pending"


def test_withdrawal_rejects_the_arrangement(child, officers):
    change = set_care(child, officers)
    change_record_cancel(change=change, user=officers["commune"])
    assert CareArrangement.objects.get().status == "rejected"


def test_approval_runs_the_rule_again(child, officers):
    """The child lost K1 between the proposal and the decision: the checker is refused."""
    change = set_care(child, officers)
    child.categories.update(active=False)
    with pytest.raises(ValidationError) as caught:
        change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    assert Code.CARE_REQUIREMENT_NOT_MET in all_codes(caught.value)
    assert CareArrangement.objects.get().status == "pending"


def end_care(person, officers, arrangement, month=M):
    return change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="end_care",
            reason="other",
            effective_month=month,
            care_arrangement_id=arrangement.pk,
        ),
        maker=officers["commune"],
        today=TODAY,
    )


def test_end_care_sets_the_last_month_paid_on_approval(child, officers):
    arrangement = active_arrangement(child)
    change = end_care(child, officers, arrangement)
    assert change.care_arrangement == arrangement and change.effective_month == M
    arrangement.refresh_from_db()
    assert arrangement.status == "active"  # nothing before approval
    approve(change, officers)
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_month) == ("ended", datetime.date(2026, 11, 1))
    assert arrangement.runs_in(datetime.date(2026, 11, 1)) and not arrangement.runs_in(M)


def test_end_care_refuses_another_persons_or_an_ended_arrangement(child, officers, hue_units):
    active_arrangement(child)
    other = BeneficiaryFactory(commune=hue_units["commune"])
    theirs = active_arrangement(other)
    with pytest.raises(ValidationError) as caught:
        end_care(child, officers, theirs)
    assert Code.CARE_NOT_ACTIVE in all_codes(caught.value)


def test_end_care_from_its_first_month_is_refused(child, officers):
    arrangement = active_arrangement(child, start=M)
    with pytest.raises(ValidationError) as caught:
        end_care(child, officers, arrangement, month=M)
    assert Code.CARE_END_BEFORE_START in all_codes(caught.value)


def test_end_care_for_a_closed_month_moves_to_the_next_open_one(child, officers):
    from beneficiaries.services import closed_months

    arrangement = active_arrangement(child)
    before = closed_months._finder
    closed_months.closed_month_finder_register(lambda commune_id: datetime.date(2026, 11, 1))
    try:
        change = end_care(child, officers, arrangement, month=datetime.date(2026, 10, 1))
    finally:
        closed_months._finder = before
    assert (change.effective_month, change.requested_month) == (M, datetime.date(2026, 10, 1))
    approve(change, officers)
    arrangement.refresh_from_db()
    assert arrangement.end_month == datetime.date(2026, 11, 1)


def death(person, officers, day):
    return change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="stop",
            reason="death",
            date_of_death=day,
            funeral_payee_name="Trần Văn Bình",
            funeral_payee_id_number="046080001234",
            funeral_payee_relationship="Chú ruột",
        ),
        maker=officers["commune"],
        today=TODAY,
    )


def test_a_death_ends_the_arrangement_from_the_same_month_as_the_allowance(child, officers):
    arrangement = active_arrangement(child)
    change = death(child, officers, datetime.date(2026, 10, 14))
    approve(change, officers)
    arrangement.refresh_from_db()
    child.refresh_from_db()
    # Died in 10/2026: the allowance's last month is 10/2026, and so is the care support's.
    assert child.end_month == datetime.date(2026, 10, 1)
    assert (arrangement.status, arrangement.end_month) == ("ended", datetime.date(2026, 10, 1))
    assert arrangement.history.latest("history_date").history_user == officers["district"]


def test_a_stop_ends_it_and_rejects_what_was_waiting(child, officers):
    arrangement = active_arrangement(child)
    # A second code waiting (a pending arrangement with its open change).
    child.disability_level = "extremely_severe"
    child.save()
    BeneficiaryCategoryFactory(beneficiary=child, category=Category.objects.get(code="K6"))
    waiting = set_care(
        child,
        officers,
        care=CareInput(
            code="CS_FOSTER_DISABLED",
            carer_full_name="Lê Văn Hòa",
            carer_id_number=id_number_for(datetime.date(1975, 1, 1), "M", 5),
            carer_relationship="Hàng xóm",
        ),
    )
    stop = change_record_create(
        beneficiary=child,
        data=ChangeInput(kind="stop", reason="not_eligible", effective_month=M),
        maker=officers["commune"],
        today=TODAY,
    )
    approve(stop, officers)
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_month) == ("ended", datetime.date(2026, 11, 1))
    assert CareArrangement.objects.get(pk=waiting.care_arrangement_id).status == "rejected"
    assert ChangeRecord.objects.get(pk=waiting.pk).status == "cancelled"


def test_a_stop_before_an_arrangement_started_withdraws_it(child, officers):
    later = active_arrangement(child, start=datetime.date(2027, 3, 1))
    stop = change_record_create(
        beneficiary=child,
        data=ChangeInput(kind="stop", reason="not_eligible", effective_month=M),
        maker=officers["commune"],
        today=TODAY,
    )
    approve(stop, officers)
    later.refresh_from_db()
    assert later.status == "rejected" and later.end_month is None


def registration(hue_units, care, **kwargs) -> RegistrationInput:
    born = datetime.date(2021, 2, 3)
    values = dict(
        full_name="Hồ Văn Tí",
        date_of_birth=born,
        sex="M",
        commune=hue_units["commune"],
        categories=("K1",),
        decision_number="99/QĐ-UBND",
        decision_date=datetime.date(2026, 11, 2),
        start_month=M,
        id_number=id_number_for(born, "M", 4321),
        care=care,
    )
    values.update(kwargs)
    return RegistrationInput(**values)


def test_a_registration_with_care_activates_it_on_approval(hue_units, officers):
    change = beneficiary_register(
        data=registration(hue_units, CARE), maker=officers["commune"], today=TODAY
    )
    arrangement = change.care_arrangement
    assert (arrangement.status, arrangement.start_month) == ("pending", M)
    approve(change, officers)
    arrangement.refresh_from_db()
    assert arrangement.status == "active"


def test_a_registration_with_bad_care_saves_nothing(hue_units, officers):
    from beneficiaries.models import Beneficiary

    bad = CareInput(code="CS_FOSTER_K5D", carer_full_name="A", carer_relationship="B")
    with pytest.raises(ValidationError) as caught:
        beneficiary_register(
            data=registration(hue_units, bad), maker=officers["commune"], today=TODAY
        )
    codes = caught.value.error_dict
    assert Code.CARE_REQUIREMENT_NOT_MET in [e.code for e in codes["care_code"]]
    assert Code.REQUIRED in [e.code for e in codes["carer_id_number"]]
    assert not Beneficiary.objects.exists() and not CareArrangement.objects.exists()


def test_a_rejected_registration_rejects_its_arrangement(hue_units, officers):
    change = beneficiary_register(
        data=registration(hue_units, CARE), maker=officers["commune"], today=TODAY
    )
    change_record_reject(change=change, rejected_by=officers["district"], reason="Sai")
    assert CareArrangement.objects.get().status == "rejected"


def test_an_initial_load_with_care_is_active_at_once(hue_units, officers):
    change = beneficiary_register(
        data=registration(
            hue_units,
            CARE,
            start_month=datetime.date(2024, 7, 1),
            decision_date=datetime.date(2024, 7, 1),
        ),
        maker=officers["admin"],
        initial_load=True,
        today=TODAY,
    )
    assert change.care_arrangement.status == "active"


def test_an_open_set_care_moves_with_the_person_in_the_2025_reform(db):
    """The reform moves the person and their open changes to the new commune: the new commune's
    leader (the checker on two-tier units) approves the SET_CARE, and the arrangement follows."""
    import io

    from django.core.management import call_command

    from org.services import DATA_DIR
    from tests.factories import UserFactory, unit

    call_command(
        "load_units",
        str(DATA_DIR / "units_2025-01_three_tier_hue_thai_nguyen.json"),
        province="19",
        stdout=io.StringIO(),
    )
    whole = unit("05431")  # Phường Quán Triều: moves whole to one new commune
    maker = UserFactory(username="xa05431", role="commune_officer", unit=whole)
    person = BeneficiaryFactory(commune=whole, date_of_birth=datetime.date(2020, 5, 1), sex="M")
    BeneficiaryCategoryFactory(beneficiary=person, category=Category.objects.get(code="K1"))
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(kind="set_care", reason="new_decision", effective_month=M, care=CARE),
        maker=maker,
        today=TODAY,
    )
    call_command(
        "apply_unit_reform", province="19", effective_month="2026-01", stdout=io.StringIO()
    )
    person.refresh_from_db()
    change.refresh_from_db()
    assert person.commune.code_version == "2025-10" and change.commune == person.commune
    arrangement = CareArrangement.objects.get()
    assert (arrangement.beneficiary, arrangement.status) == (person, "pending")
    leader = UserFactory(username="ld_new", role="commune_leader", unit=person.commune)
    change_record_approve(change=change, approved_by=leader, today=TODAY)
    arrangement.refresh_from_db()
    assert arrangement.status == "active"


def test_a_new_arrangement_after_one_that_ran_its_months_is_approved(hue_units, officers):
    """A disabled parent's support ran to its end month (still "active"): a new one of the same
    code from later months is approved, and the old one is marked ended (one in force a code)."""
    parent = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1995, 5, 1),
        disability_level="severe",
    )
    BeneficiaryCategoryFactory(beneficiary=parent, category=Category.objects.get(code="K6"))
    old = CareArrangement.objects.create(
        beneficiary=parent,
        code="CS_DISABLED_PARENT",
        status=CareStatus.ACTIVE,
        start_month=datetime.date(2023, 1, 1),
        end_month=datetime.date(2026, 9, 1),
    )
    change = set_care(
        parent,
        officers,
        care=CareInput(code="CS_DISABLED_PARENT", end_month=datetime.date(2027, 12, 1)),
    )
    approve(change, officers)
    old.refresh_from_db()
    assert (old.status, old.end_month) == ("ended", datetime.date(2026, 9, 1))
    assert CareArrangement.objects.get(pk=change.care_arrangement_id).status == "active"


def test_losing_k1_ends_the_fostering_from_the_same_month(child, officers):
    arrangement = active_arrangement(child)
    change = change_record_create(
        beneficiary=child,
        data=ChangeInput(
            kind="change_category",
            reason="new_decision",
            effective_month=M,
            old_category="K1",
            decision_number="30/QĐ-UBND",
        ),
        maker=officers["commune"],
        today=TODAY,
    )
    arrangement.refresh_from_db()
    assert arrangement.status == "active"  # nothing before approval
    approve(change, officers)
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_month) == ("ended", datetime.date(2026, 11, 1))


def test_a_disability_no_longer_extremely_severe_ends_household_care(hue_units, officers):
    person = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1990, 5, 1),
        disability_level="extremely_severe",
    )
    BeneficiaryCategoryFactory(beneficiary=person, category=Category.objects.get(code="K6"))
    household = CareArrangement.objects.create(
        beneficiary=person,
        code="CS_HOUSEHOLD_DISABLED",
        status=CareStatus.ACTIVE,
        carer_full_name="Trần Thị Mai",
        carer_id_number=CARER_ID,
        carer_relationship="Mẹ",
        start_month=datetime.date(2025, 1, 1),
    )
    parent = CareArrangement.objects.create(
        beneficiary=person,
        code="CS_DISABLED_PARENT",
        status=CareStatus.ACTIVE,
        start_month=datetime.date(2026, 1, 1),
        end_month=datetime.date(2027, 6, 1),
    )
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(
            kind="change_disability",
            reason="new_decision",
            effective_month=M,
            new_disability_level="severe",
            decision_number="31/QĐ-UBND",
        ),
        maker=officers["commune"],
        today=TODAY,
    )
    approve(change, officers)
    household.refresh_from_db()
    parent.refresh_from_db()
    assert (household.status, household.end_month) == ("ended", datetime.date(2026, 11, 1))
    assert (parent.status, parent.end_month) == (
        "active",
        datetime.date(2027, 6, 1),
    )  # severe: kept
