"""The rulebook on every change kind (issue 17): a category or disability change is checked as a
registration is, in its effective month; a new recipient or guardian is an adult, alive, and not
the beneficiary; a death's funeral payee has a name, an ID number and a relationship, whether the
officer enters the death or submits the system's proposal."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Category, ChangeRecord
from beneficiaries.policy_models import CategoryCoefficient
from beneficiaries.services.changes import (
    change_record_approve,
    change_record_create,
    change_record_submit,
)
from beneficiaries.services.inputs import ChangeInput, RecipientInput
from core.errors import error_codes
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
M = datetime.date(2026, 12, 1)


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1962, 3, 2), sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b)
    return b


def refused(person, officers, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        change_record_create(
            beneficiary=person, data=ChangeInput(**kwargs), maker=officers["commune"], today=TODAY
        )
    assert not ChangeRecord.objects.exists()
    return error_codes(excinfo.value)


def guardian(id_number: str) -> RecipientInput:
    return RecipientInput(
        kind="guardian", full_name="Lê Văn Tư", id_number=id_number, relationship="Con trai"
    )


def test_a_category_change_cannot_move_a_64_year_old_into_k1(person, officers):
    codes = refused(
        person,
        officers,
        kind="change_category",
        reason="new_decision",
        effective_month=M,
        new_category="K1",
        decision_number="9/QĐ-UBND",
    )
    assert codes == {"new_category": [Code.CATEGORY_AGE]}


def test_a_category_change_is_checked_at_the_age_of_its_effective_month(hue_units, officers):
    # Turns 80 on 1 December 2026: K5C applies from December, not in November.
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1946, 12, 1), sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5A"))
    data = dict(
        kind="change_category", reason="age", new_category="K5C", decision_number="10/QĐ-UBND"
    )
    assert refused(b, officers, effective_month=datetime.date(2026, 11, 1), **data) == {
        "new_category": [Code.CATEGORY_AGE]
    }
    change = change_record_create(
        beneficiary=b,
        data=ChangeInput(effective_month=M, **data),
        maker=officers["commune"],
        today=TODAY,
    )
    assert change.new_category.code == "K5C"


def test_a_disability_change_that_leaves_no_category_is_refused_as_at_registration(
    hue_units, officers
):
    b = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1990, 1, 1),
        sex="M",
        disability_level="extremely_severe",
    )
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K6"))
    # A province's table no longer pays K6 for a severe disability.
    CategoryCoefficient.objects.filter(category__code="K6", disability_level="severe").delete()
    codes = refused(
        b,
        officers,
        kind="change_disability",
        reason="new_decision",
        effective_month=M,
        new_disability_level="severe",
        decision_number="11/QĐ-UBND",
    )
    assert codes == {"new_disability_level": [Code.CATEGORY_AGE]}


def test_a_guardian_aged_16_or_with_the_beneficiarys_own_id_is_refused(person, officers):
    young = refused(
        person,
        officers,
        kind="set_recipient",
        reason="new_decision",
        effective_month=M,
        recipient=guardian("046210001234"),  # born in 2010
    )
    assert young == {"recipient_id_number": [Code.NOT_ADULT]}
    own = refused(
        person,
        officers,
        kind="set_recipient",
        reason="new_decision",
        effective_month=M,
        recipient=guardian(person.id_number),
    )
    assert own == {"recipient_id_number": [Code.SAME_PERSON_AS_BENEFICIARY]}


def test_a_guardian_recorded_dead_is_refused(person, officers, hue_units):
    dead = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1950, 1, 1),
        sex="M",
        status="stopped",
        date_of_death=datetime.date(2026, 5, 2),
    )
    codes = refused(
        person,
        officers,
        kind="set_recipient",
        reason="new_decision",
        effective_month=M,
        recipient=guardian(dead.id_number),
    )
    assert codes == {"recipient_id_number": [Code.RECORDED_DEAD]}


def death(**payee) -> dict:
    return dict(kind="stop", reason="death", date_of_death=datetime.date(2026, 10, 14), **payee)


def test_a_funeral_payee_with_a_name_but_no_id_number_is_refused(person, officers):
    codes = refused(person, officers, **death(funeral_payee_name="Trần Văn Bình"))
    assert codes == {
        "funeral_payee_id_number": [Code.REQUIRED],
        "funeral_payee_relationship": [Code.REQUIRED],
    }
    codes = refused(
        person,
        officers,
        **death(
            funeral_payee_name="Trần Văn Bình",
            funeral_payee_id_number=person.id_number,
            funeral_payee_relationship="Con trai",
        ),
    )
    assert codes == {"funeral_payee_id_number": [Code.SAME_PERSON_AS_BENEFICIARY]}


def test_a_proposed_death_is_submitted_only_with_a_complete_payee(person, officers):
    proposal = ChangeRecord.objects.create(
        beneficiary=person,
        commune=person.commune,
        kind="stop",
        reason="death",
        date_of_death=datetime.date(2026, 10, 14),
        effective_month=datetime.date(2026, 11, 1),
        status="proposed",
        source="population_db",
        funeral_payee_name="Trần Văn Bình",
    )
    with pytest.raises(ValidationError) as excinfo:
        change_record_submit(change=proposal, user=officers["commune"])
    assert error_codes(excinfo.value)["funeral_payee_id_number"] == [Code.REQUIRED]
    with pytest.raises(ValidationError) as excinfo:
        change_record_submit(
            change=proposal,
            user=officers["commune"],
            funeral_payee={"name": "Trần Văn Bình", "id_number": "999080001234"},
        )
    assert error_codes(excinfo.value) == {
        "funeral_payee_id_number": [Code.ID_NUMBER_PROVINCE],
        "funeral_payee_relationship": [Code.REQUIRED],
    }
    submitted = change_record_submit(
        change=proposal,
        user=officers["commune"],
        funeral_payee={
            "name": "Trần Văn Bình",
            "id_number": "046080001234",
            "relationship": "Con trai",
        },
    )
    assert submitted.status == "submitted"
    assert submitted.funeral_payee_id_number == "046080001234"


def test_the_death_form_offers_the_current_recipient_as_the_funeral_payee(person, officers, client):
    current = RecipientFactory(beneficiary=person, kind="guardian", relationship="Con trai")
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:change_create", args=[person.pk, "stop"]) + "?reason=death"
    page = client.get(url).content.decode()
    assert 'name="funeral_payee_from" value="recipient"' in page
    assert current.full_name in page
    assert "<script>" not in page  # a server-rendered choice: the CSP forbids inline script
    death_of = {"reason": "death", "date_of_death": "14/10/2026"}
    mixed = client.post(
        url, {**death_of, "funeral_payee_from": "recipient", "funeral_payee_name": "Người Khác"}
    )
    assert mixed.status_code == 200 and not ChangeRecord.objects.exists()
    response = client.post(url, {**death_of, "funeral_payee_from": "recipient"})
    assert response.status_code == 302
    change = ChangeRecord.objects.get()
    assert (
        change.funeral_payee_name,
        change.funeral_payee_id_number,
        change.funeral_payee_relationship,
    ) == (current.full_name, current.id_number, "Con trai")


def test_a_change_recorded_before_the_rulebook_is_refused_at_approval(person, officers, client):
    """A guardian aged 16 that reached the queue before the rule existed: the checker sees why,
    and approving it is refused with the same code (it never reaches the list)."""
    minor = RecipientFactory(beneficiary=person, id_number="046210001234", active=False)
    change = ChangeRecord.objects.create(
        beneficiary=person,
        commune=person.commune,
        kind="set_recipient",
        reason="new_decision",
        effective_month=M,
        status="submitted",
        recipient=minor,
        maker=officers["commune"],
    )
    client.force_login(officers["district"])
    page = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    assert 'data-warning-level="error"' in page
    with pytest.raises(ValidationError) as excinfo:
        change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    assert error_codes(excinfo.value) == {"recipient_id_number": [Code.NOT_ADULT]}
    change.refresh_from_db()
    assert change.status == "submitted"
    minor.refresh_from_db()
    assert not minor.active


def test_the_admin_writes_nothing_of_the_register(officers, client):
    client.force_login(officers["admin"])
    for model in ("beneficiary", "authorizedrecipient", "changerecord"):
        assert client.get(f"/admin/beneficiaries/{model}/add/").status_code == 403, model


@pytest.mark.parametrize("number", ["\x00", "0460\x0012345678", "０４６", "abc"])
def test_a_number_that_is_not_digits_is_never_looked_up(number, django_assert_num_queries):
    """Hypothesis on PostgreSQL found it: a recipient ID number holding a NUL reached the
    "recorded dead?" query and PostgreSQL refused the statement (a 500 instead of a coded
    refusal). The format rule refuses such a number; the register is not asked."""
    from beneficiaries.services.rulebook import id_number_recorded_dead

    with django_assert_num_queries(0):
        assert id_number_recorded_dead(number) is False
