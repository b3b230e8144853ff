"""Hostile input in the register's browser forms (issue 17): Hypothesis fills the registration
form and every change form with anything. The answer is the form again with its errors (200)
or the next page (302), never a 500 or a stack trace, and a refused form saves nothing."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries.forms import CHANGE_FIELDS
from beneficiaries.models import Beneficiary, ChangeRecord
from tests import hostile
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officers):
    client.force_login(officers["commune"])
    client.raise_request_exception = False
    return client


def registration(commune) -> dict:
    return {
        "full_name": "Hồ Thị Lài",
        "date_of_birth": "10/02/2019",
        "sex": "F",
        "ethnicity": "Tà Ôi",
        "id_number": "046319004512",
        "phone": "",
        "commune": commune.pk,
        "address": "Thôn 3",
        "categories": ["K1"],
        "disability_level": "",
        "dependent_children": "",
        "decision_number": "215/QĐ-UBND",
        "decision_date": "05/10/2026",
        "start_month": "2026-10",
        "recipient_kind": "guardian",
        "recipient_full_name": "Hồ Văn Kăn",
        "recipient_id_number": "046085001234",
        "recipient_relationship": "Ông nội",
        "recipient_phone": "0971 234 567",
        "account_provider": "VIETTELPAY",
        "account_number": "0971234567",
        "account_holder": "recipient",
    }


def counts() -> tuple[int, int]:
    return Beneficiary.objects.count(), ChangeRecord.objects.count()


def assert_form_answer(response, before) -> None:
    assert response.status_code in (200, 302, 400), response.status_code
    hostile.no_stack_trace(response)
    if response.status_code != 302:
        assert counts() == before  # refused: nothing half-saved


def test_any_registration_form_is_refused_with_its_errors_or_saved_whole(officer_client, hue_units):
    url = reverse("beneficiaries:register")
    fields = sorted(registration(hue_units["commune"]))

    @hostile.SETTINGS
    @given(
        changes=st.dictionaries(
            st.sampled_from(fields),
            st.one_of(hostile.text, st.lists(hostile.text, max_size=3)),
            min_size=1,
            max_size=4,
        ),
        draft=st.booleans(),
    )
    def check(changes, draft):
        data = {**registration(hue_units["commune"]), **changes}
        if draft:
            data["save_draft"] = "1"
        before = counts()
        assert_form_answer(officer_client.post(url, data), before)

    check()


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"], date_of_birth=datetime.date(1941, 6, 1), sex="F"
    )
    BeneficiaryCategoryFactory(beneficiary=b)
    RecipientFactory(beneficiary=b)
    AccountFactory(beneficiary=b)
    return b


COMMON = ["reason", "effective_month", "reason_detail", "decision_number", "decision_date"]


@pytest.mark.parametrize("kind", sorted(CHANGE_FIELDS))
def test_any_change_form_is_refused_with_its_errors_or_saved_whole(officer_client, person, kind):
    url = reverse("beneficiaries:change_create", args=[person.pk, kind])
    fields = COMMON + list(CHANGE_FIELDS[kind])

    @hostile.SETTINGS
    @given(
        data=st.dictionaries(st.sampled_from(fields), hostile.text, max_size=len(fields)),
        draft=st.booleans(),
    )
    def check(data, draft):
        if draft:
            data = {**data, "save_draft": "1"}
        before = counts()
        assert_form_answer(officer_client.post(url, data), before)

    check()


def test_any_search_of_the_register_is_a_page(officer_client):
    url = reverse("beneficiaries:list")

    @hostile.SETTINGS
    @given(
        params=st.dictionaries(
            st.sampled_from(["q", "category", "status", "account", "recipient", "commune", "page"]),
            hostile.text,
            max_size=4,
        )
    )
    def check(params):
        response = officer_client.get(url, params)
        assert response.status_code in (200, 400), response.status_code
        hostile.no_stack_trace(response)

    check()


def test_a_parent_unit_that_is_not_an_id_is_a_page(officer_client):
    for parent in ("²", "9" * 30, "-1", ""):
        response = officer_client.get(reverse("unit_list"), {"parent": parent})
        assert response.status_code in (200, 404), parent
