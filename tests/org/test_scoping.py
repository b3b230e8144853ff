"""A user sees their unit and everything below it, nothing else; outside is a 404."""

import pytest
from django.urls import reverse

from beneficiaries.selectors import beneficiary_list, coverage_figures
from org.models import AdministrativeUnit
from org.scoping import get_in_scope_or_404, scope_queryset, units_in_scope
from tests.factories import AccountFactory, BeneficiaryFactory, RecipientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(hue_units):
    """Three in the officer's commune, two in the neighbouring commune, one in another district."""
    mine = [BeneficiaryFactory(commune=hue_units["commune"]) for _ in range(3)]
    AccountFactory(beneficiary=mine[0])
    AccountFactory(beneficiary=mine[1])
    RecipientFactory(beneficiary=mine[1])
    neighbours = [BeneficiaryFactory(commune=hue_units["neighbour"]) for _ in range(2)]
    AccountFactory(beneficiary=neighbours[0])
    far = BeneficiaryFactory(commune=hue_units["far_commune"])
    RecipientFactory(beneficiary=far)
    return {"mine": mine, "neighbours": neighbours, "far": far}


def test_commune_officer_sees_only_their_commune(officers, people):
    visible = set(beneficiary_list(user=officers["commune"]))
    assert visible == set(people["mine"])


def test_district_officer_sees_every_commune_of_their_district_only(officers, people):
    visible = set(beneficiary_list(user=officers["district"]))
    assert visible == set(people["mine"]) | set(people["neighbours"])
    assert people["far"] not in visible


def test_province_officer_and_admin_see_the_whole_province(officers, people):
    everyone = set(people["mine"]) | set(people["neighbours"]) | {people["far"]}
    assert set(beneficiary_list(user=officers["province"])) == everyone
    assert set(beneficiary_list(user=officers["admin"])) == everyone


def test_units_in_scope_are_the_subtree(officers, hue_units):
    assert list(units_in_scope(user=officers["commune"])) == [hue_units["commune"]]
    district_units = units_in_scope(user=officers["district"])
    assert district_units.count() == 1 + hue_units["district"].children.count()
    assert hue_units["far_commune"] not in district_units
    assert units_in_scope(user=officers["province"]).count() == 1 + 9 + 134


def test_out_of_scope_lookup_is_a_404_not_a_403(officers, people):
    from django.http import Http404

    with pytest.raises(Http404):
        get_in_scope_or_404(
            beneficiary_list(user=officers["admin"]),
            user=officers["commune"],
            unit_field="commune",
            pk=people["neighbours"][0].pk,
        )
    found = get_in_scope_or_404(
        beneficiary_list(user=officers["admin"]),
        user=officers["commune"],
        unit_field="commune",
        pk=people["mine"][0].pk,
    )
    assert found == people["mine"][0]


def test_anonymous_or_inactive_users_see_nothing(officers, people):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_queryset(
        AdministrativeUnit.objects.all(), user=AnonymousUser(), unit_field=""
    ).exists()
    officer = officers["province"]
    officer.is_active = False
    assert not beneficiary_list(user=officer).exists()


def test_figures_are_counted_within_scope(officers, people):
    mine = coverage_figures(user=officers["commune"])
    assert (mine.beneficiaries, mine.with_account, mine.via_recipient) == (3, 2, 1)
    district = coverage_figures(user=officers["district"])
    assert (district.beneficiaries, district.with_account, district.via_recipient) == (5, 3, 1)
    province = coverage_figures(user=officers["province"])
    assert (province.beneficiaries, province.with_account, province.via_recipient) == (6, 3, 2)


def test_stopped_people_and_closed_accounts_do_not_count(officers, people):
    people["mine"][2].status = "stopped"
    people["mine"][2].save()
    account = people["mine"][0].accounts.get()
    account.status = "closed"
    account.save()
    mine = coverage_figures(user=officers["commune"])
    assert (mine.beneficiaries, mine.with_account, mine.via_recipient) == (2, 1, 1)


def test_commune_home_page_shows_only_the_commune(client, officers, people, hue_units):
    client.force_login(officers["commune"])
    page = client.get(reverse("home")).content.decode()
    assert hue_units["commune"].name in page
    assert 'data-figure="beneficiaries">3<' in page
    assert 'data-figure="with_account">2<' in page
    assert 'data-figure="via_recipient">1<' in page
    assert hue_units["neighbour"].name not in page


def test_province_home_page_breaks_down_by_district(client, officers, people, hue_units):
    client.force_login(officers["province"])
    page = client.get(reverse("home")).content.decode()
    assert 'data-figure="beneficiaries">6<' in page
    assert hue_units["district"].name in page
    assert hue_units["other_district"].name in page


def test_unit_pages_answer_404_outside_scope(client, officers, hue_units):
    client.force_login(officers["district"])
    inside = client.get(reverse("unit_list"), {"parent": hue_units["district"].pk})
    assert inside.status_code == 200
    assert hue_units["commune"].name in inside.content.decode()
    outside = client.get(reverse("unit_list"), {"parent": hue_units["other_district"].pk})
    assert outside.status_code == 404
    above = client.get(reverse("unit_list"), {"parent": hue_units["province"].pk})
    assert above.status_code == 404


def test_pages_need_a_login(client):
    for name in ("home", "unit_list", "policy_tables"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
