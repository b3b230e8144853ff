"""The lines page: a proper title, a commune filter for the district, sort by column, categories
and providers by name, filters kept by every link."""

import datetime
import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from beneficiaries.models import Category
from payments.services import payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


@pytest.fixture
def period(hue_units):
    k5c = Category.objects.get(code="K5C")
    for commune, names in (
        (hue_units["commune"], ["Trần Đức", "Lê Văn Dũng", "Đỗ Văn An"]),
        (hue_units["neighbour"], ["Cao Thị Bình", "Hồ Văn Ánh"]),
    ):
        for name in names:
            b = BeneficiaryFactory(
                commune=commune, full_name=name, date_of_birth=datetime.date(1940, 1, 1)
            )
            BeneficiaryCategoryFactory(beneficiary=b, category=k5c)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    return period


def _names(html):
    return re.findall(r'<td><a href="/doi-tuong/\d+/">([^<]+)</a>', html)


def test_the_lines_page_has_a_title_a_commune_filter_and_sorts(client, officers, period, hue_units):
    client.force_login(officers["district"])
    url = reverse("payments:lines", args=[period.pk])
    html = client.get(url).content.decode()
    assert "<title>Số dòng" not in html and ">Số dòng<" not in html
    assert "Các dòng của danh sách chi trả" in html
    # The list's own order: commune, then given name.
    assert _names(html) == ["Đỗ Văn An", "Lê Văn Dũng", "Trần Đức", "Hồ Văn Ánh", "Cao Thị Bình"]
    # By name across communes, both ways.
    assert _names(client.get(url, {"sort": "name"}).content.decode()) == [
        "Đỗ Văn An",
        "Hồ Văn Ánh",
        "Cao Thị Bình",
        "Lê Văn Dũng",
        "Trần Đức",
    ]
    assert _names(client.get(url, {"sort": "-name"}).content.decode())[0] == "Trần Đức"
    assert _names(client.get(url, {"sort": "beneficiary__id_number"}).content.decode()) == (
        _names(html)
    )
    # The commune filter lists the list's communes, and keeps the sort.
    assert 'data-filter="commune"' in html
    assert hue_units["neighbour"].name in html
    filtered = client.get(
        url, {"commune": hue_units["neighbour"].pk, "sort": "-name"}
    ).content.decode()
    assert _names(filtered) == ["Cao Thị Bình", "Hồ Văn Ánh"]
    assert f'<option value="{hue_units["neighbour"].pk}" selected>' in filtered
    sort_links = [
        parse_qs(urlsplit(html_lib.unescape(h)).query)
        for h in re.findall(r'class="sort-link" href="([^"]+)"', filtered)
    ]
    assert sort_links and all(q["commune"] == [str(hue_units["neighbour"].pk)] for q in sort_links)
    # Categories by their name, not their code.
    assert Category.objects.get(code="K5C").name in html
    assert 'data-code="K5C"' in html


def test_a_commune_officer_sees_no_commune_filter_and_only_their_lines(
    client, officers, period, hue_units
):
    client.force_login(officers["commune"])
    url = reverse("payments:lines", args=[period.pk])
    html = client.get(url, {"commune": hue_units["neighbour"].pk}).content.decode()
    assert _names(html) == []
    html = client.get(url).content.decode()
    assert 'data-filter="commune"' not in html
    assert _names(html) == ["Đỗ Văn An", "Lê Văn Dũng", "Trần Đức"]


@pytest.mark.parametrize("page", ["0", "999", "x", "-1"])
def test_a_page_out_of_range_on_the_lines_page_is_the_nearest(client, officers, period, page):
    client.force_login(officers["district"])
    response = client.get(reverse("payments:lines", args=[period.pk]), {"page": page})
    assert response.status_code == 200
    assert len(_names(response.content.decode())) == 5
