"""A commune officer's view of the district's list shows the commune's own figures first (lines,
amount, by channel), then the whole list's; categories are named, not coded."""

import re

import pytest
from django.urls import reverse

from beneficiaries.models import Category
from tests.reports.test_coverage import district_list  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_commune_sees_its_own_figures_then_the_districts(
    client,
    officers,
    hue_units,
    district_list,  # noqa: F811
):
    period = district_list["period"]
    lines = period.payment_list.lines
    own = lines.filter(commune=hue_units["commune"])
    client.force_login(officers["commune"])
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert hue_units["commune"].name in html
    own_at = html.index("data-own-commune")
    district_at = html.index("data-district-totals")
    assert own_at < html.index('data-figure="lines"') < district_at
    assert f'data-figure="lines">{own.count()}<' in html
    assert f'data-figure="district-lines">{lines.count()}<' in html
    assert own.count() < lines.count()
    assert "data-own-channels" in html
    total = re.search(r'data-figure="district-total">([^<]+)<', html).group(1)
    assert total.replace(".", "").replace(" ₫", "") == str(
        sum(line.amount_total for line in lines.all())
    )
    # Categories by name in the breakdown.
    assert Category.objects.get(code="K5C").name in html


def test_the_district_sees_no_commune_block(client, officers, district_list):  # noqa: F811
    client.force_login(officers["district"])
    html = client.get(
        reverse("payments:review", args=[district_list["period"].pk])
    ).content.decode()
    assert "data-own-commune" not in html and "data-district-totals" not in html
