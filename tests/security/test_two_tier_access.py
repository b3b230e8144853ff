"""The access matrix's rows on two-tier units (2025-10): the commune leader checks the commune
officer's changes and runs the commune's own list; the leader and officer of another commune get
404; the province officer reads every commune's list and may not act (refused, nothing moves)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from beneficiaries.models import ChangeRecord
from payments.services import payment_list_close
from tests.helpers import reconciled_with_a_discrepancy_per_line
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
WHO = ("officer_a", "leader_a", "officer_b", "leader_b", "province_officer")


@pytest.fixture
def world(two_tier):
    b = person(two_tier["a"], datetime.date(1940, 1, 1), ["K5C"], full_name="Ngô Thị Một")
    person(two_tier["b"], datetime.date(1941, 1, 1), ["K5C"])
    change = ChangeRecord.objects.create(
        beneficiary=b,
        commune=b.commune,
        kind="stop",
        reason="moved_away",
        effective_month=datetime.date(2027, 1, 1),
        status="submitted",
        maker=two_tier["officer_a"],
        decision_file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4 quyet dinh"),
    )
    period = generate(two_tier["a"], DEC, user=two_tier["officer_a"])
    payment_list_close(period=period, closed_by=two_tier["leader_a"])
    reconciled_with_a_discrepancy_per_line(period)
    return {**two_tier, "b_person": b, "change": change, "period": period}


def probe(client, world, who, method, url, data=None):
    client.logout()
    client.force_login(world[who])
    return getattr(client, method.lower())(url, data or {}).status_code


# URL name → answers for WHO (officer_a, leader_a, officer_b, leader_b, province_officer).
GETS = {
    "home": (200, 200, 200, 200, 200),
    "unit_list": (200, 200, 200, 200, 200),
    "policy_tables": (200, 200, 200, 200, 200),
    "reports:dashboard": (200, 200, 200, 200, 200),
    "beneficiaries:list": (200, 200, 200, 200, 200),
    "beneficiaries:export": (200, 200, 200, 200, 200),
    "beneficiaries:detail": (200, 200, 404, 404, 200),
    # The commune officer is the maker; the leader checks and never enters a change.
    "beneficiaries:register": (200, 403, 200, 403, 403),
    "beneficiaries:import": (200, 403, 200, 403, 403),
    "beneficiaries:change_create": (200, 403, 404, 403, 403),
    "beneficiaries:change_detail": (200, 200, 404, 404, 200),
    "beneficiaries:change_queue": (200, 200, 200, 200, 200),
    "payments:list": (200, 200, 200, 200, 200),
    "payments:review": (200, 200, 404, 404, 200),
    "payments:progress": (200, 200, 404, 404, 200),
    "payments:lines": (200, 200, 404, 404, 200),
    "payments:export": (200, 200, 404, 404, 200),
    "payments:results_export": (200, 200, 404, 404, 200),
    "payments:signature_list": (200, 200, 404, 404, 200),
    "payments:batches": (200, 200, 404, 404, 200),
    "payments:reconciliation": (200, 200, 404, 404, 200),
    # A two-tier commune's settlement covers its own list only: its users read it.
    "payments:settlement": (200, 200, 404, 404, 200),
    # The 2025 reform's worklist: a commune's leader and officer see the people who may come to
    # their commune (nobody here; who assigns whom: test_the_reform_worklist_*).
    "beneficiaries:reform_worklist": (200, 200, 200, 200, 200),
}


def url_of(name, w):
    period, person, change = w["period"].pk, w["b_person"].pk, w["change"].pk
    args = {
        "beneficiaries:detail": [person],
        "beneficiaries:change_create": [person, "suspend"],
        "beneficiaries:change_detail": [change],
        "payments:export": [period, "csv"],
        "payments:signature_list": [period, w["a"].pk],
    }.get(name)
    if args is None and name.startswith("payments:") and name != "payments:list":
        args = [period]
    return reverse(name, args=args or [])


@pytest.mark.parametrize("name", sorted(GETS))
def test_pages_on_two_tier_units(client, world, name):
    url = url_of(name, world)
    got = tuple(probe(client, world, who, "GET", url) for who in WHO)
    assert got == GETS[name], dict(zip(WHO, got, strict=True))


def test_only_the_commune_leader_approves(client, world):
    url = reverse("beneficiaries:change_approve", args=[world["change"].pk])
    answers = {who: probe(client, world, who, "POST", url) for who in WHO if who != "leader_a"}
    assert answers == {"officer_a": 302, "officer_b": 404, "leader_b": 404, "province_officer": 302}
    world["change"].refresh_from_db()
    assert world["change"].status == "submitted"  # the 302s were refusals
    assert probe(client, world, "leader_a", "POST", url) == 302
    world["change"].refresh_from_db()
    assert world["change"].status == "approved" and world["change"].checker == world["leader_a"]


def test_bulk_approval_is_the_leaders(client, world):
    url = reverse("beneficiaries:change_bulk_approve")
    data = {"change": [world["change"].pk]}
    assert probe(client, world, "officer_a", "GET", url, data) == 403
    assert probe(client, world, "province_officer", "GET", url, data) == 403
    assert probe(client, world, "leader_a", "GET", url, data) == 200


def test_the_list_is_run_by_its_leader_and_read_by_the_province(client, world):
    period = world["period"]
    open_url = reverse("payments:open")
    assert probe(client, world, "province_officer", "POST", open_url, {"month": "2027-01"}) == 403
    assert (
        probe(client, world, "leader_b", "POST", reverse("payments:generate", args=[period.pk]))
        == 404
    )
    for who in ("province_officer", "officer_a"):
        client.force_login(world[who])
        html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
        assert reverse("payments:submit", args=[period.pk]) not in html
        assert (
            probe(client, world, who, "POST", reverse("payments:submit", args=[period.pk])) == 302
        )
        period.refresh_from_db()
        assert period.status != "submitted"  # refused (NOT_OFFICER_OF_UNIT), nothing sent
    client.force_login(world["leader_a"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert reverse("payments:submit", args=[period.pk]) in html
    # The commune officer prepares next month's list of their own commune.
    assert probe(client, world, "officer_a", "POST", open_url, {"month": "2027-01"}) == 302
    assert world["a"].payment_periods.filter(month=datetime.date(2027, 1, 1)).exists()


def test_the_province_rolls_up_every_commune_list_of_the_month(client, world):
    url = reverse("payments:province_rollup")
    for who in ("officer_a", "leader_a", "leader_b"):
        assert probe(client, world, who, "GET", url, {"month": "2026-12"}) == 404
    client.force_login(world["province_officer"])
    html = client.get(url, {"month": "2026-12"}).content.decode()
    assert f'data-commune="{world["a"].code}"' in html
    assert 'data-closed="1/1"' in html and 'data-figure="lines">1<' in html
    response = client.get(url, {"month": "2026-12", "format": "xlsx"})
    assert response["Content-Disposition"].endswith('-2026-12.xlsx"')
    assert response.content == client.get(url, {"month": "2026-12", "format": "xlsx"}).content
    html = client.get(reverse("payments:list")).content.decode()
    assert url in html


def test_the_rollup_adds_up_the_closed_lists_only(two_tier):
    from payments import rollup

    for commune in ("a", "b"):
        person(two_tier[commune], datetime.date(1940, 1, 1), ["K5C"])
        person(two_tier[commune], datetime.date(1941, 1, 1), ["K5C"])
    closed = generate(two_tier["a"], DEC, user=two_tier["officer_a"])
    payment_list_close(period=closed, closed_by=two_tier["leader_a"])
    generate(two_tier["b"], DEC, user=two_tier["officer_b"])  # generated, not closed
    figures = rollup.province_rollup(province=two_tier["province"], month=DEC)
    assert (figures["closed"], figures["closing_units"]) == (1, 2)
    assert figures["totals"]["lines"] == 2
    assert (
        figures["totals"]["amount"]
        == closed.payment_list.lines.aggregate(
            n=__import__("django.db.models", fromlist=["Sum"]).Sum("amount_total")
        )["n"]
    )
    assert {r["commune__code"] for r in figures["rows"]} == {two_tier["a"].code}


def test_only_the_commune_leader_rejects(client, world):
    url = reverse("beneficiaries:change_reject", args=[world["change"].pk])
    data = {"rejection_reason": "Thiếu quyết định"}
    answers = {
        who: probe(client, world, who, "POST", url, data)
        for who in ("officer_a", "officer_b", "leader_b", "province_officer")
    }
    assert answers == {"officer_a": 302, "officer_b": 404, "leader_b": 404, "province_officer": 302}
    world["change"].refresh_from_db()
    assert world["change"].status == "submitted"
    assert probe(client, world, "leader_a", "POST", url, data) == 302
    world["change"].refresh_from_db()
    assert world["change"].status == "rejected"


# -- the 2025 reform's worklist on Thái Nguyên's split commune (Cam Giá → Gia Sàng by default,
# or Tích Lương): who sees whom, who may assign whom where.


@pytest.fixture
def reformed(db):
    from org.models import Role
    from tests.factories import UserFactory, unit
    from tests.reform.setup import thai_nguyen_reformed

    tn = thai_nguyen_reformed()
    other = unit("05443", version="2025-10")  # a new commune no split commune goes to
    return {
        **tn,
        "leader_tl": UserFactory(username="ld_tl", role=Role.COMMUNE_LEADER, unit=tn["tich_luong"]),
        "officer_tl": UserFactory(
            username="xa_tl", role=Role.COMMUNE_OFFICER, unit=tn["tich_luong"]
        ),
        "leader_other": UserFactory(username="ld_kh", role=Role.COMMUNE_LEADER, unit=other),
    }


WORKLIST = reverse("beneficiaries:reform_worklist")


def test_the_reform_worklist_is_scoped_to_the_candidate_communes(client, reformed):
    from beneficiaries.models import ReformWorklistItem

    name = reformed["waiting"][0].full_name
    for who, sees in (("leader_tl", True), ("officer_tl", True), ("leader_other", False)):
        client.force_login(reformed[who])
        page = client.get(WORKLIST)
        assert page.status_code == 200
        assert (name in page.content.decode()) is sees, who
    # The leader of a commune that is no candidate: the person is not found, nothing moves.
    item = ReformWorklistItem.objects.get(beneficiary=reformed["waiting"][0])
    data = {"one": item.pk, f"commune_{item.pk}": item.default_commune_id}
    client.force_login(reformed["leader_other"])
    assert client.post(WORKLIST, data).status_code == 404
    # The candidate commune's officer reads only: no form to assign, and a POST is refused.
    client.force_login(reformed["officer_tl"])
    html = client.get(WORKLIST).content.decode()
    assert f'name="commune_{item.pk}"' not in html and 'name="one"' not in html
    assert client.post(WORKLIST, data).status_code == 403
    item.refresh_from_db()
    assert item.assigned_commune is None


def test_the_reform_worklist_leader_takes_people_into_their_own_commune_only(client, reformed):
    from beneficiaries.errors import BeneficiaryErrorCode
    from beneficiaries.models import Beneficiary, ReformWorklistItem
    from beneficiaries.reform import worklist_assign
    from core.errors import AppForbidden

    first, second = (ReformWorklistItem.objects.get(beneficiary=p) for p in reformed["waiting"][:2])
    client.force_login(reformed["leader_tl"])
    html = client.get(WORKLIST).content.decode()
    # Their own commune is the only choice, the default (another commune) is named.
    assert f'<option value="{reformed["tich_luong"].pk}"' in html
    assert f'<option value="{reformed["gia_sang"].pk}"' not in html
    # Posting the default (Gia Sàng) is not a choice for them: nothing moves.
    client.post(WORKLIST, {"one": first.pk, f"commune_{first.pk}": reformed["gia_sang"].pk})
    first.refresh_from_db()
    assert first.assigned_commune is None
    # The service refuses it too, whatever the door.
    with pytest.raises(AppForbidden) as refused:
        worklist_assign(item=first, commune=reformed["gia_sang"], user=reformed["leader_tl"])
    assert refused.value.code == BeneficiaryErrorCode.REFORM_NOT_YOUR_COMMUNE
    # Into their own commune: done, with the run in the person's history.
    client.post(WORKLIST, {"one": first.pk, f"commune_{first.pk}": reformed["tich_luong"].pk})
    first.refresh_from_db()
    assert first.assigned_commune == reformed["tich_luong"]
    assert first.assigned_by == reformed["leader_tl"]
    person = Beneficiary.objects.get(pk=first.beneficiary_id)
    assert person.history.first().history_change_reason == reformed["run"].history_reason
    # Once assigned, the person leaves their worklist; the others still wait.
    html = client.get(WORKLIST).content.decode()
    assert f'name="commune_{first.pk}"' not in html
    assert f'name="commune_{second.pk}"' in html
    # A commune officer cannot assign through the service either.
    with pytest.raises(AppForbidden):
        worklist_assign(item=second, commune=reformed["tich_luong"], user=reformed["officer_tl"])
