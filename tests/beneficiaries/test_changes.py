"""Monthly changes under maker-checker: each kind applies from its effective month on approval."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import PaymentAccount
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import BeneficiaryCategory, ChangeRecord, FuneralSupport
from beneficiaries.services.changes import (
    change_record_approve,
    change_record_cancel,
    change_record_create,
    change_record_submit,
    change_records_approve_bulk,
    changes_apply_due,
)
from beneficiaries.services.inputs import AccountInput, ChangeInput, RecipientInput
from beneficiaries.services.proposals import age_changes_propose
from core.errors import error_codes
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
M = datetime.date(2026, 12, 1)


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1940, 3, 2), sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b)  # K5C since 07/2024
    return b


def make(person, officers, **kwargs):
    return change_record_create(
        beneficiary=person, data=ChangeInput(**kwargs), maker=officers["commune"], today=TODAY
    )


def approve(change, officers):
    """Approve, then let the month come: the change takes effect from its effective month."""
    change = change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    changes_apply_due(today=change.effective_month)
    change.refresh_from_db()
    return change


def test_a_change_dated_next_month_waits_for_its_month(person, officers):
    change = make(person, officers, kind="suspend", reason="not_collected", effective_month=M)
    change_record_approve(change=change, approved_by=officers["district"], today=TODAY)
    person.refresh_from_db()
    change.refresh_from_db()
    assert (change.status, change.applied_at, person.status) == ("approved", None, "active")
    assert changes_apply_due(today=datetime.date(2026, 11, 30)) == 0
    assert changes_apply_due(today=datetime.date(2026, 12, 1)) == 1
    assert changes_apply_due(today=datetime.date(2026, 12, 2)) == 0  # once only
    person.refresh_from_db()
    change.refresh_from_db()
    assert person.status == "suspended" and change.applied_at is not None
    # History says who decided it, even though the nightly job applied it.
    assert person.history.latest("history_date").history_user == officers["district"]


def test_death_stops_from_the_next_month_and_creates_funeral_support(person, officers):
    change = make(
        person,
        officers,
        kind="stop",
        reason="death",
        date_of_death=datetime.date(2026, 10, 14),
        funeral_payee_name="Trần Văn Bình",
        funeral_payee_id_number="046080001234",
        funeral_payee_relationship="Con trai",
    )
    assert change.effective_month == datetime.date(2026, 11, 1)
    person.refresh_from_db()
    assert person.status == "active"  # nothing changes before approval
    approve(change, officers)
    person.refresh_from_db()
    assert person.status == "stopped"
    assert person.end_month == datetime.date(2026, 10, 1)
    assert person.date_of_death == datetime.date(2026, 10, 14)
    funeral = FuneralSupport.objects.get(beneficiary=person)
    assert funeral.amount == 10_000_000  # 20 × 500,000
    assert funeral.month_due == datetime.date(2026, 11, 1)
    assert funeral.payee_name == "Trần Văn Bình"
    assert not BeneficiaryCategory.objects.filter(beneficiary=person, active=True).exists()


def test_death_needs_its_date_and_who_receives_the_funeral_support(person, officers):
    with pytest.raises(ValidationError) as excinfo:
        make(person, officers, kind="stop", reason="death")
    codes = error_codes(excinfo.value)
    assert codes["date_of_death"] == [Code.REQUIRED]
    assert codes["funeral_payee_name"] == [Code.REQUIRED]
    assert not ChangeRecord.objects.exists()


def test_suspend_then_resume(person, officers):
    approve(
        make(person, officers, kind="suspend", reason="not_collected", effective_month=M), officers
    )
    person.refresh_from_db()
    assert person.status == "suspended"
    with pytest.raises(ValidationError) as excinfo:
        make(person, officers, kind="suspend", reason="other", effective_month=M)
    assert Code.NOT_ACTIVE in error_codes(excinfo.value)["kind"]
    approve(
        make(
            person,
            officers,
            kind="resume",
            reason="other",
            effective_month=datetime.date(2027, 2, 1),
        ),
        officers,
    )
    person.refresh_from_db()
    assert person.status == "active"


def test_change_of_category_ends_the_old_and_starts_the_new(person, officers):
    change = make(
        person,
        officers,
        kind="change_category",
        reason="new_decision",
        effective_month=M,
        old_category="K5C",
        new_category="K6",
        new_disability_level="severe",
        decision_number="77/QĐ-UBND",
        decision_date=datetime.date(2026, 11, 20),
    )
    approve(change, officers)
    rows = {r.category.code: r for r in BeneficiaryCategory.objects.filter(beneficiary=person)}
    assert rows["K5C"].active is False and rows["K5C"].end_month == datetime.date(2026, 11, 1)
    assert rows["K6"].active is True and rows["K6"].start_month == M
    person.refresh_from_db()
    assert person.disability_level == "severe"


def test_category_requirements_apply_to_changes(person, officers):
    with pytest.raises(ValidationError) as excinfo:
        make(
            person,
            officers,
            kind="change_category",
            reason="new_decision",
            effective_month=M,
            new_category="K6",
            decision_number="1/QĐ",
        )
    assert error_codes(excinfo.value)["new_disability_level"] == [Code.DISABILITY_LEVEL_REQUIRED]


def test_effective_month_before_the_start_is_refused(person, officers):
    with pytest.raises(ValidationError) as excinfo:
        make(
            person,
            officers,
            kind="suspend",
            reason="other",
            effective_month=datetime.date(2024, 1, 1),
        )
    assert error_codes(excinfo.value)["effective_month"] == [Code.EFFECTIVE_BEFORE_START]


def test_move_changes_the_commune_and_the_new_commune_sees_the_person(person, officers, hue_units):
    change = make(
        person,
        officers,
        kind="move",
        reason="moved_away",
        effective_month=M,
        new_commune=hue_units["far_commune"],
    )
    approve(change, officers)
    person.refresh_from_db()
    assert person.commune == hue_units["far_commune"]
    assert change.commune == hue_units["commune"]  # the change stays in the old commune's record
    from beneficiaries.selectors import beneficiary_list

    assert person not in beneficiary_list(user=officers["commune"])


def test_replacing_the_recipient_closes_the_old_recipients_account(person, officers):
    old = RecipientFactory(beneficiary=person)
    AccountFactory(beneficiary=person, holder="recipient", recipient=old)
    change = make(
        person,
        officers,
        kind="set_recipient",
        reason="other",
        effective_month=M,
        recipient=RecipientInput(
            "authorized", "Lê Thị Hoa", "046185004321", "Con gái", "0351234567"
        ),
    )
    assert change.recipient.active is False
    approve(change, officers)
    old.refresh_from_db()
    change.recipient.refresh_from_db()
    assert old.active is False and old.valid_to == datetime.date(2026, 11, 30)
    assert change.recipient.active is True
    assert PaymentAccount.objects.get(recipient=old).status == "closed"


def test_adding_an_account_replaces_the_active_one(person, officers):
    old = AccountFactory(beneficiary=person)
    change = make(
        person,
        officers,
        kind="set_account",
        reason="other",
        effective_month=M,
        account=AccountInput("VIETINBANK", "108812345678", "beneficiary"),
    )
    assert change.account.status == "pending"
    approve(change, officers)
    old.refresh_from_db()
    assert old.status == "closed"
    assert PaymentAccount.objects.get(status="active").account_number == "108812345678"


def test_one_open_change_of_a_kind_per_person_and_cancel_frees_it(person, officers):
    first = make(person, officers, kind="suspend", reason="other", effective_month=M)
    with pytest.raises(ValidationError) as excinfo:
        make(person, officers, kind="suspend", reason="other", effective_month=M)
    assert error_codes(excinfo.value)["kind"] == [Code.CHANGE_ALREADY_OPEN]
    change_record_cancel(change=first, user=officers["commune"])
    make(person, officers, kind="suspend", reason="other", effective_month=M)


def test_bulk_approval_decides_each_change_on_its_own(hue_units, officers):
    people = [BeneficiaryFactory(commune=hue_units["commune"]) for _ in range(3)]
    changes = [make(p, officers, kind="suspend", reason="other", effective_month=M) for p in people]
    draft = change_record_create(
        beneficiary=BeneficiaryFactory(commune=hue_units["commune"]),
        data=ChangeInput(kind="suspend", reason="other", effective_month=M),
        maker=officers["commune"],
        submit=False,
        today=TODAY,
    )
    approved, failures = change_records_approve_bulk(
        changes=[*changes, draft], approved_by=officers["district"], today=TODAY
    )
    changes_apply_due(today=M)
    assert approved == 3
    assert len(failures) == 1
    assert all(
        p.status == "suspended"
        for p in type(people[0]).objects.filter(pk__in=[p.pk for p in people])
    )


def test_age_job_proposes_stops_once_and_the_officer_takes_them_up(hue_units, officers):
    child = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2010, 11, 15), id_number=""
    )
    BeneficiaryCategoryFactory(beneficiary=child, category=_category("K1"))
    student = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2004, 12, 1), id_number=""
    )
    BeneficiaryCategoryFactory(beneficiary=student, category=_category("K2"))
    young = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2012, 5, 1), id_number=""
    )
    BeneficiaryCategoryFactory(beneficiary=young, category=_category("K1"))

    assert age_changes_propose(month=datetime.date(2026, 12, 1), rule="first_day") == 2
    assert (
        age_changes_propose(month=datetime.date(2026, 12, 1), rule="first_day") == 0
    )  # idempotent
    stop = ChangeRecord.objects.get(beneficiary=child)
    assert (stop.kind, stop.status, stop.reason, stop.source) == (
        "stop",
        "proposed",
        "age",
        "system",
    )
    assert stop.effective_month == datetime.date(2026, 12, 1)  # 16 on 15/11, counts from 01/12
    assert "K2" in stop.reason_detail
    k2 = ChangeRecord.objects.get(beneficiary=student)
    assert k2.effective_month == datetime.date(2026, 12, 1)  # 22 on 01/12: counts that month
    assert not ChangeRecord.objects.filter(beneficiary=young).exists()

    change_record_submit(change=stop, user=officers["commune"])
    stop.refresh_from_db()
    assert stop.status == "submitted" and stop.maker == officers["commune"]
    approve(stop, officers)
    child.refresh_from_db()
    assert child.status == "stopped"


def test_birthday_month_rule_proposes_a_month_earlier(hue_units):
    child = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(2010, 11, 15), id_number=""
    )
    BeneficiaryCategoryFactory(beneficiary=child, category=_category("K1"))
    assert age_changes_propose(month=datetime.date(2026, 11, 1), rule="first_day") == 0
    assert age_changes_propose(month=datetime.date(2026, 11, 1), rule="birthday_month") == 1
    assert ChangeRecord.objects.get().effective_month == datetime.date(2026, 11, 1)


def _category(code):
    from beneficiaries.models import Category

    return Category.objects.get(code=code)
