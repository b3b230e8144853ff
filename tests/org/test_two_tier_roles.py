"""Two-tier units (2025-10): the commune closes its own list and its leader is the checker
(org.roles); three-tier units stay as they were (the district officer)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaries.errors import BeneficiaryErrorCode
from beneficiaries.models import ChangeRecord
from beneficiaries.services.changes import change_record_approve
from core.errors import AppError, AppForbidden
from org import roles
from org.errors import OrgErrorCode
from org.models import Role
from org.services import user_create
from payments.errors import PaymentErrorCode
from payments.models import PaymentLine
from payments.services import closing_units, payment_list_close, payment_period_open
from tests.factories import UserFactory
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


def submitted(b, maker):
    return ChangeRecord.objects.create(
        beneficiary=b,
        commune=b.commune,
        kind="stop",
        reason="moved_away",
        effective_month=datetime.date(2027, 1, 1),
        status="submitted",
        maker=maker,
        decision_file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4 quyet dinh"),
    )


def test_the_checker_and_the_closing_unit_follow_the_code_version(two_tier, hue_units):
    a, district, commune = two_tier["a"], hue_units["district"], hue_units["commune"]
    assert roles.checker_role_for(a) == Role.COMMUNE_LEADER
    assert roles.checker_role_for(commune) == Role.DISTRICT_OFFICER
    assert roles.closing_unit_of(a) == a and roles.closing_unit_of(commune) == district
    assert list(roles.communes_of(a)) == [a]
    assert set(roles.communes_of(district)) == set(district.children.all())
    units = closing_units()
    assert a in units and two_tier["b"] in units and district in units
    assert two_tier["province"] not in units and commune not in units
    assert roles.may_decide(two_tier["leader_a"], a)
    assert not roles.may_decide(two_tier["leader_b"], a)
    assert not roles.may_decide(two_tier["officer_a"], a)
    assert not roles.may_decide(two_tier["province_officer"], a)


def test_a_commune_leader_works_only_on_a_two_tier_commune(two_tier, hue_units):
    with pytest.raises(AppError) as refused:
        user_create(
            username="ld3",
            password="x-12345678",
            role=Role.COMMUNE_LEADER,
            unit=hue_units["commune"],
        )
    assert refused.value.code == OrgErrorCode.ROLE_WRONG_LEVEL
    with pytest.raises(AppError) as refused:
        user_create(
            username="h2",
            password="x-12345678",
            role=Role.DISTRICT_OFFICER,
            unit=two_tier["province"],
        )
    assert refused.value.code == OrgErrorCode.ROLE_WRONG_LEVEL
    assert (
        user_create(
            username="ld2", password="x-12345678", role=Role.COMMUNE_LEADER, unit=two_tier["a"]
        ).role
        == Role.COMMUNE_LEADER
    )


def test_the_commune_leader_approves_and_nobody_else(two_tier, hue_units):
    b = person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    change = submitted(b, two_tier["officer_a"])
    district = UserFactory(role=Role.DISTRICT_OFFICER, unit=hue_units["district"])
    for who, code in (
        (two_tier["officer_a"], BeneficiaryErrorCode.NOT_CHECKER),
        (two_tier["leader_b"], BeneficiaryErrorCode.NOT_CHECKER),
        (two_tier["province_officer"], BeneficiaryErrorCode.NOT_CHECKER),
        (district, BeneficiaryErrorCode.NOT_CHECKER),
    ):
        with pytest.raises(AppForbidden) as refused:
            change_record_approve(change=change, approved_by=who)
        assert refused.value.code == code
    change_record_approve(change=change, approved_by=two_tier["leader_a"])
    change.refresh_from_db()
    assert change.status == "approved" and change.checker == two_tier["leader_a"]


def test_a_leader_never_approves_their_own_change(two_tier):
    b = person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    change = submitted(b, two_tier["leader_a"])
    with pytest.raises(AppForbidden) as refused:
        change_record_approve(change=change, approved_by=two_tier["leader_a"])
    assert refused.value.code == BeneficiaryErrorCode.OWN_CHANGE


def test_the_commune_list_pays_its_own_people_and_its_leader_closes_it(two_tier):
    mine = person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    theirs = person(two_tier["b"], datetime.date(1940, 1, 1), ["K5C"])
    with pytest.raises(AppError) as refused:
        payment_period_open(unit=two_tier["province"], month=DEC)
    assert refused.value.code == PaymentErrorCode.UNIT_CLOSES_NO_LISTS
    period = generate(two_tier["a"], DEC, user=two_tier["officer_a"])
    assert period.unit == two_tier["a"]
    assert period.deadline == datetime.date(2026, 11, 25)
    paid = set(
        PaymentLine.objects.filter(payment_list__period=period).values_list(
            "beneficiary", flat=True
        )
    )
    assert paid == {mine.pk} and theirs.pk not in paid
    for who in (two_tier["officer_a"], two_tier["leader_b"], two_tier["province_officer"]):
        with pytest.raises(AppForbidden) as refused:
            payment_list_close(period=period, closed_by=who)
        assert refused.value.code in (
            PaymentErrorCode.NOT_OFFICER_OF_UNIT,
            PaymentErrorCode.PREPARER_CANNOT_CLOSE,
        )
    payment_list_close(period=period, closed_by=two_tier["leader_a"])
    period.refresh_from_db()
    assert period.status == "closed" and period.payment_list.closed_by == two_tier["leader_a"]


def test_a_leader_who_generated_the_list_does_not_close_it(two_tier):
    person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(two_tier["a"], DEC, user=two_tier["leader_a"])
    with pytest.raises(AppForbidden) as refused:
        payment_list_close(period=period, closed_by=two_tier["leader_a"])
    assert refused.value.code == PaymentErrorCode.PREPARER_CANNOT_CLOSE
    # The way out is named: a commune with a single leader is not stuck. Its officer generates
    # again (and becomes the preparer), and the leader closes.
    assert "lập lại danh sách" in str(refused.value)
    generate(two_tier["a"], DEC, user=two_tier["officer_a"])
    payment_list_close(period=period, closed_by=two_tier["leader_a"])
    period.refresh_from_db()
    assert period.status == "closed"
    assert period.payment_list.generated_by == two_tier["officer_a"]
    assert period.payment_list.closed_by == two_tier["leader_a"]


def test_the_province_dashboard_counts_each_two_tier_commune_as_a_closing_unit(two_tier):
    from reports.completeness import completeness

    person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(two_tier["a"], DEC, user=two_tier["officer_a"])
    payment_list_close(period=period, closed_by=two_tier["leader_a"])
    done = completeness(two_tier["province"])
    status = done.month(DEC)
    assert status.level == "commune"
    assert two_tier["a"].pk in status.closed and two_tier["b"].pk not in status.closed
    assert done.units_of(two_tier["a"]) == {two_tier["a"].pk}


def test_the_leader_sees_whole_numbers_and_the_changes_menu(two_tier):
    from org.navigation import menu_for
    from org.privacy import sees_whole_numbers

    leader = two_tier["leader_a"]
    assert sees_whole_numbers(leader)
    assert "beneficiaries:change_queue" in {m["name"] for m in menu_for(leader)}


def test_the_commands_take_a_two_tier_commune_and_its_leader(two_tier):
    import io

    from django.core.management import CommandError, call_command

    person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"])
    args = ["--unit", two_tier["a"].code, "--month", "2026-12", "--as", "xa_a", "--close"]
    with pytest.raises(CommandError):
        call_command("generate_payment_list", *args, "--approver", "ld_b", stdout=io.StringIO())
    out = io.StringIO()
    call_command("generate_payment_list", *args, "--approver", "ld_a", stdout=out)
    assert "closed, hash" in out.getvalue()
    with pytest.raises(CommandError, match="No closing unit"):
        call_command(
            "generate_payment_list", "--unit", "46", "--month", "2026-12", stdout=io.StringIO()
        )


def test_the_admin_form_refuses_a_leader_on_a_three_tier_commune(two_tier, hue_units):
    from django.core.exceptions import ValidationError

    from org.models import User

    wrong = User(username="ld3", role=Role.COMMUNE_LEADER, unit=hue_units["commune"])
    with pytest.raises(ValidationError) as refused:
        wrong.full_clean(exclude=["password"])
    assert "unit" in refused.value.message_dict
    User(username="ld2", role=Role.COMMUNE_LEADER, unit=two_tier["a"]).full_clean(
        exclude=["password"]
    )
