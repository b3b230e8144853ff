"""Hostile input in the coverage pages (issue 17): any month, provider, category, format or
unit code in the address is a page, a 400 or a 404 for every role; never a 500 or a trace."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests import hostile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["province", "district", "commune"])
def test_any_filter_and_any_unit_code_is_a_page(client, officers, hue_units, role):
    client.force_login(officers[role])
    client.raise_request_exception = False
    codes = [hue_units["province"].code, hue_units["district"].code, hue_units["commune"].code]

    @hostile.SETTINGS
    @given(
        params=st.dictionaries(
            st.sampled_from(["month", "provider", "category", "format", "print"]),
            hostile.text,
            max_size=4,
        ),
        code=st.one_of(st.sampled_from(codes), hostile.text.filter(lambda c: "/" not in c)),
    )
    def check(params, code):
        url = reverse("reports:unit", args=[code]) if code.strip() else reverse("reports:dashboard")
        response = client.get(url, params)
        assert response.status_code in (200, 302, 400, 404), response.status_code
        hostile.no_stack_trace(response)

    check()
    for month in ("9999-12", "0001-01", "²²²²-1²", "2026-13"):
        response = client.get(reverse("reports:dashboard"), {"month": month, "format": "xlsx"})
        assert response.status_code in (200, 302, 400, 404)
