"""On Thái Nguyên's units, a split commune's people wait in the reform worklist, block the
month's lists until an officer assigns them (one by one or ticked together), and each assignment
is in the person's history; the whole commune's people and open changes moved at once."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.errors import BeneficiaryErrorCode
from beneficiaries.models import Beneficiary, ChangeRecord, ReformStatus, ReformWorklistItem
from beneficiaries.reform import worklist_assign
from core.errors import AppError
from org.errors import OrgErrorCode
from org.models import User
from org.roles import closing_units_queryset
from org.services import user_create
from payments.errors import PaymentErrorCode
from payments.months import month_window_suspended
from payments.services import payment_list_generate
from payments.services.periods import payment_period_open
from tests.factories import UserFactory, unit
from tests.reform.setup import EFFECTIVE, thai_nguyen_reformed

pytestmark = pytest.mark.django_db
URL = reverse("beneficiaries:reform_worklist")


@pytest.fixture
def tn(db):
    return thai_nguyen_reformed()


def generate(tn, month=EFFECTIVE, unit=None):
    """The list of one closing unit (on 2025-10 units a commune: the default one unless told)."""
    with month_window_suspended():
        period = payment_period_open(unit=unit or tn["gia_sang"], month=month)
        return payment_list_generate(period=period)


def generate_province(tn, month=EFFECTIVE) -> int:
    """Every closing unit of the new province generated for the month: their lines together."""
    units = closing_units_queryset().filter(path__startswith=tn["new_province"].path)
    return sum(generate(tn, month, unit=u).lines.count() for u in units)


def test_whole_communes_move_and_split_ones_wait(tn):
    run = tn["run"]
    assert (run.moved, run.worklist_size, run.changes_moved) == (2, 3, 1)
    assert run.status == ReformStatus.APPLIED
    for person in tn["moved"]:
        person.refresh_from_db()
        assert person.commune.code_version == "2025-10"
        assert person.history.first().history_change_reason == run.history_reason
    tn["open_whole"].refresh_from_db()
    assert tn["open_whole"].commune.code_version == "2025-10"
    item = ReformWorklistItem.objects.get(beneficiary=tn["waiting"][0])
    assert item.default_commune == tn["gia_sang"]
    assert set(item.candidates.all()) == {tn["gia_sang"], tn["tich_luong"]}
    assert Beneficiary.objects.get(pk=tn["waiting"][0].pk).commune == unit("05467")


def test_the_worklist_blocks_the_lists_of_the_month_and_later_until_empty(tn):
    for month in (EFFECTIVE, EFFECTIVE.replace(month=2)):
        with pytest.raises(AppError) as refused:
            generate(tn, month)
        assert refused.value.code == PaymentErrorCode.REFORM_WORKLIST_WAITING
        assert "3" in refused.value.messages[0]
    for item in ReformWorklistItem.objects.all():
        worklist_assign(item=item, commune=item.default_commune, user=tn["officer"])
    assert generate_province(tn) == 5
    tn["run"].refresh_from_db()
    assert tn["run"].status == ReformStatus.COMPLETE


def test_an_assignment_must_be_a_candidate_and_happens_once(tn):
    item = ReformWorklistItem.objects.first()
    with pytest.raises(AppError) as refused:
        worklist_assign(item=item, commune=unit("05443", version="2025-10"), user=tn["officer"])
    assert refused.value.code == BeneficiaryErrorCode.REFORM_NOT_A_CANDIDATE
    worklist_assign(item=item, commune=tn["tich_luong"], user=tn["officer"])
    with pytest.raises(AppError) as refused:
        worklist_assign(item=item, commune=tn["gia_sang"], user=tn["officer"])
    assert refused.value.code == BeneficiaryErrorCode.REFORM_ALREADY_ASSIGNED


def test_the_page_assigns_one_row_and_the_ticked_rows_with_history(tn, client):
    client.force_login(tn["officer"])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for person in tn["waiting"]:
        assert person.full_name in html and person.address in html
    first, second, third = (ReformWorklistItem.objects.get(beneficiary=p) for p in tn["waiting"])
    # The default is preselected.
    assert f'<option value="{tn["gia_sang"].pk}" selected>' in html
    # One row, to the other candidate.
    client.post(URL, {"one": first.pk, f"commune_{first.pk}": tn["tich_luong"].pk})
    first.refresh_from_db()
    assert first.assigned_commune == tn["tich_luong"] and first.assigned_by == tn["officer"]
    person = Beneficiary.objects.get(pk=first.beneficiary_id)
    assert person.commune == tn["tich_luong"]
    assert person.history.first().history_change_reason == tn["run"].history_reason
    # Their draft change followed them, with the same reason.
    draft = ChangeRecord.objects.get(pk=tn["draft"].pk)
    assert draft.commune == tn["tich_luong"]
    assert draft.history.first().history_change_reason == tn["run"].history_reason
    # The ticked rows, each to the commune chosen on its row.
    client.post(
        URL,
        {
            "item": [second.pk, third.pk],
            f"commune_{second.pk}": tn["gia_sang"].pk,
            f"commune_{third.pk}": tn["tich_luong"].pk,
        },
    )
    assigned = dict(ReformWorklistItem.objects.values_list("pk", "assigned_commune"))
    assert assigned == {
        first.pk: tn["tich_luong"].pk,
        second.pk: tn["gia_sang"].pk,
        third.pk: tn["tich_luong"].pk,
    }
    assert "Không còn ai chờ" in client.get(URL).content.decode()


def test_a_commune_not_among_the_candidates_is_refused_on_the_page(tn, client):
    client.force_login(tn["officer"])
    item = ReformWorklistItem.objects.first()
    other = unit("05443", version="2025-10")
    client.post(URL, {"one": item.pk, f"commune_{item.pk}": other.pk})
    item.refresh_from_db()
    assert item.assigned_commune is None


def test_the_page_is_scoped(tn, client, hue_units):
    name = tn["waiting"][0].full_name
    # The administrator sees every province's worklist.
    client.force_login(UserFactory(username="quantri", role="admin", unit=None))
    assert name in client.get(URL).content.decode()
    # Another province's officer sees nobody of Thái Nguyên.
    client.force_login(
        UserFactory(username="tinh46", role="province_officer", unit=hue_units["province"])
    )
    assert name not in client.get(URL).content.decode()
    # ... and cannot assign them either: not found.
    item = ReformWorklistItem.objects.first()
    data = {"one": item.pk, f"commune_{item.pk}": item.default_commune_id}
    assert client.post(URL, data).status_code == 404
    item.refresh_from_db()
    assert item.assigned_commune is None
    # A commune officer of a candidate commune reads it (tests/security/test_two_tier_access:
    # who assigns whom), and may not assign.
    client.force_login(UserFactory(username="xa19", role="commune_officer", unit=tn["gia_sang"]))
    assert name in client.get(URL).content.decode()
    assert client.post(URL, {"one": item.pk}).status_code == 403
    # A district officer of an abolished district is held until re-homed...
    client.force_login(tn["district_officer"])
    assert client.get(URL).status_code == 403
    # ... and acts again once the administrator gives them a unit.
    tn["district_officer"].unit = tn["new_province"]
    tn["district_officer"].save()
    assert client.get("/").status_code == 200


def test_the_administrator_finds_the_users_to_re_home(tn, client):
    admin = UserFactory(
        username="quantri", role="admin", unit=None, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    page = client.get(reverse("admin:org_user_changelist"), {"abolished": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "huyen164" in html and "xa05467" in html and "tinh19" not in html
    assert client.get(reverse("admin:beneficiaries_reformrun_changelist")).status_code == 200


def test_a_user_cannot_be_re_homed_onto_an_abolished_unit(tn):
    """Re-homing (the admin's form and user_create both ask User.clean / the service) onto a
    unit the reform abolished is refused; onto a unit of the new organisation it is done."""
    officer = User.objects.select_related("unit").get(pk=tn["district_officer"].pk)
    assert officer.held_by_reform
    old_district = officer.unit
    with pytest.raises(ValidationError) as refused:
        officer.full_clean()  # still on the abolished district
    assert refused.value.error_dict["unit"][0].code == "unit_abolished"
    with pytest.raises(AppError) as refused:
        user_create(username="moi", password="x" * 12, role="district_officer", unit=old_district)
    assert refused.value.code == OrgErrorCode.UNIT_ABOLISHED
    officer.role, officer.unit = "province_officer", tn["new_province"]
    officer.full_clean()
    officer.save()
    assert not officer.held_by_reform
