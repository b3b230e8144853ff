"""Hostile input in the payment pages (issue 17): the month to open, the lines' filters, the
exports' commune and the bulk approval's ticks take anything without a 500."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from payments.models import PaymentPeriod
from tests import hostile
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


@pytest.fixture
def period(hue_units):
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    return generate(hue_units["district"], DEC)


@pytest.fixture
def district_client(client, officers):
    client.force_login(officers["district"])
    client.raise_request_exception = False
    return client


def test_any_month_to_open_is_opened_or_refused(district_client, period):
    url = reverse("payments:open")

    @hostile.SETTINGS
    @given(month=hostile.text)
    def check(month):
        before = PaymentPeriod.objects.count()
        response = district_client.post(url, {"month": month})
        assert response.status_code == 302, response.status_code
        assert PaymentPeriod.objects.count() in (before, before + 1)

    check()
    # The finding this guards: the last months of the calendar.
    for month in ("9999-12", "0001-01", "²²²²-1²"):
        assert district_client.post(url, {"month": month}).status_code == 302


def test_any_filter_of_the_lines_and_any_export_commune_is_a_page(district_client, period):
    lines = reverse("payments:lines", args=[period.pk])
    exports = [
        reverse("payments:export", args=[period.pk, "csv"]),
        reverse("payments:results_export", args=[period.pk]),
    ]

    @hostile.SETTINGS
    @given(
        params=st.dictionaries(
            st.sampled_from(["commune", "status", "provider", "q", "page"]),
            hostile.text,
            max_size=4,
        ),
        url=st.sampled_from([lines, *exports]),
    )
    def check(params, url):
        response = district_client.get(url, params)
        assert response.status_code in (200, 400, 404), response.status_code
        hostile.no_stack_trace(response)

    check()
    for commune in ("²", "9" * 30):  # digits that are not an id
        assert district_client.get(lines, {"commune": commune}).status_code == 200
        assert district_client.get(exports[0], {"commune": commune}).status_code in (200, 404)


def test_any_ticks_of_the_bulk_approval_are_a_page(district_client, period):
    url = reverse("beneficiaries:change_bulk_approve")

    @hostile.SETTINGS
    @given(ticks=st.lists(hostile.text, max_size=4))
    def check(ticks):
        response = district_client.post(url, {"change": ticks})
        assert response.status_code in (200, 302), response.status_code

    check()
    assert district_client.post(url, {"change": ["²"]}).status_code == 302
