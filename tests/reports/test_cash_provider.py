"""The coverage page filtered by a cash provider (VNPost) says accounts do not apply, rather than
0/0; the filters are named, not coded."""

import pytest
from django.urls import reverse

from reports import coverage
from tests.reports.test_coverage import DEC, district_list  # noqa: F401

pytestmark = pytest.mark.django_db


def test_filtered_by_vnpost_the_accounts_do_not_apply(
    client,
    hue_units,
    officers,
    district_list,  # noqa: F811
):
    coverage.coverage_refresh(month=DEC, unit=hue_units["province"], register=True)
    client.force_login(officers["province"])
    html = client.get(reverse("reports:dashboard"), {"provider": "VNPOST"}).content.decode()
    assert "Không áp dụng (chi tiền mặt)" in html
    assert 'data-figure="with-account">—<' in html
    assert 'data-figure="with-account">0/' not in html
    assert '<span data-filter-name="provider">Bưu điện Việt Nam (VNPost)</span>' in html
    # An account provider keeps its figures.
    html = client.get(reverse("reports:dashboard"), {"provider": "VIETTELPAY"}).content.decode()
    assert "data-accounts-na" not in html
    assert 'data-filter-name="provider">VIETTELPAY<' not in html


def test_the_category_filter_is_shown_by_name(
    client,
    hue_units,
    officers,
    district_list,  # noqa: F811
):
    from beneficiaries.models import Category

    coverage.coverage_refresh(month=DEC, unit=hue_units["province"], register=True)
    client.force_login(officers["province"])
    html = client.get(reverse("reports:dashboard"), {"category": "K5C"}).content.decode()
    name = Category.objects.get(code="K5C").name
    assert f'<span data-filter-name="category">{name}</span>' in html
