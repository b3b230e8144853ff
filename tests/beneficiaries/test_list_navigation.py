"""On the register and the queue: sort headers, going to a page, filters kept by every link,
and after a decision the officer is back on the same filtered page of the queue."""

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from beneficiaries.models import ChangeRecord
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(hue_units):
    for i in range(120):
        b = BeneficiaryFactory(commune=hue_units["commune"], full_name=f"Lê Thị Hoa {i:03d}")
        BeneficiaryCategoryFactory(beneficiary=b)


def _links(html):
    return [html_lib.unescape(h) for h in re.findall(r'href="(\?[^"]*)"', html)]


def test_pagination_and_sort_links_keep_every_filter(client, officers, many):
    client.force_login(officers["commune"])
    html = client.get(
        reverse("beneficiaries:list"), {"q": "hoa", "status": "active", "sort": "-name", "page": 2}
    ).content.decode()
    links = _links(html)
    pages = [parse_qs(urlsplit(link).query) for link in links if "page=" in link]
    assert pages and all(
        p["q"] == ["hoa"] and p["status"] == ["active"] and p["sort"] == ["-name"] for p in pages
    )
    sorts = [
        parse_qs(urlsplit(link).query) for link in links if "sort=" in link and "page=" not in link
    ]
    assert {s["sort"][0] for s in sorts} >= {"name", "birth", "status"}
    assert all(s["q"] == ["hoa"] and s["status"] == ["active"] for s in sorts)
    # The name column is sorted descending now: its header turns it ascending.
    assert any(s["sort"] == ["name"] for s in sorts)
    # The jump form sends the filters and the sort again, and not the old page.
    form = re.search(r"<form method=\"get\" class=\"page-jump\".*?</form>", html, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"q": "hoa", "status": "active", "sort": "-name"}
    assert 'name="page"' in form and "/ 3" in form
    # The filter form keeps the sort (and on a phone, where the header is hidden, chooses it).
    assert '<option value="-name" selected>' in html
    assert "data-sort-select" in html


@pytest.mark.parametrize(("typed", "shown"), [("3", 3), ("9", 3), ("0", 1), ("-2", 1), ("x", 1)])
def test_going_to_a_page_that_does_not_exist_goes_to_the_nearest(
    client, officers, many, typed, shown
):
    client.force_login(officers["commune"])
    for name in ("beneficiaries:list", "beneficiaries:change_queue"):
        response = client.get(reverse(name), {"page": typed})
        assert response.status_code == 200
    html = client.get(reverse("beneficiaries:list"), {"page": typed}).content.decode()
    assert f'name="page" min="1" max="3" value="{shown}"' in html


def _submitted_changes(client, officers, hue_units, n):
    client.force_login(officers["commune"])
    people = []
    for i in range(n):
        b = BeneficiaryFactory(commune=hue_units["commune"], full_name=f"Võ Văn Tâm {i}")
        BeneficiaryCategoryFactory(beneficiary=b)
        client.post(
            reverse("beneficiaries:change_create", args=[b.pk, "suspend"]),
            {"reason": "other", "effective_month": "2026-12"},
        )
        people.append(b)
    return list(ChangeRecord.objects.order_by("pk"))


def test_the_queue_sorts_by_column_and_a_decision_returns_to_the_same_filtered_page(
    client, officers, hue_units
):
    changes = _submitted_changes(client, officers, hue_units, 3)
    client.force_login(officers["district"])
    queue_url = reverse("beneficiaries:change_queue") + "?show=submitted&sort=-name"
    html = client.get(queue_url).content.decode()
    names = re.findall(r">(Võ Văn Tâm \d)</a>", html)
    assert names == ["Võ Văn Tâm 2", "Võ Văn Tâm 1", "Võ Văn Tâm 0"]
    assert 'aria-sort="descending"' in html
    # The change's link carries where it came from, and the change page's forms pass it on.
    detail = html_lib.unescape(re.search(r'href="(/[^"]*\?next=[^"]+)"', html).group(1))
    assert parse_qs(urlsplit(detail).query)["next"] == [queue_url]
    page = client.get(detail).content.decode()
    assert f'<input type="hidden" name="next" value="{html_lib.escape(queue_url)}">' in page
    change = ChangeRecord.objects.get(pk=re.search(r"/(\d+)/\?next", detail).group(1))
    response = client.post(
        reverse("beneficiaries:change_approve", args=[change.pk]), {"next": queue_url}
    )
    assert response.status_code == 302 and response["Location"] == queue_url
    change.refresh_from_db()
    assert change.status == "approved"
    # A refused decision stays on the change, and still knows the way back.
    other = changes[0] if changes[0].pk != change.pk else changes[1]
    response = client.post(
        reverse("beneficiaries:change_reject", args=[other.pk]),
        {"next": queue_url, "rejection_reason": ""},
    )
    assert urlsplit(response["Location"]).path == reverse(
        "beneficiaries:change_detail", args=[other.pk]
    )
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [queue_url]


def test_a_next_to_another_site_is_ignored(client, officers, hue_units):
    (change,) = _submitted_changes(client, officers, hue_units, 1)
    client.force_login(officers["district"])
    response = client.post(
        reverse("beneficiaries:change_approve", args=[change.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("beneficiaries:change_detail", args=[change.pk])
    page = client.get(
        reverse("beneficiaries:change_detail", args=[change.pk]), {"next": "//evil.example/"}
    ).content.decode()
    assert 'href="//evil.example/"' not in page
    assert 'name="next" value="//evil.example/"' not in page


def test_bulk_approval_returns_to_the_filtered_queue(client, officers, hue_units):
    changes = _submitted_changes(client, officers, hue_units, 2)
    client.force_login(officers["district"])
    back = reverse("beneficiaries:change_queue") + "?sort=-name"
    html = client.get(back).content.decode()
    assert f'<input type="hidden" name="next" value="{html_lib.escape(back)}">' in html
    url = reverse("beneficiaries:change_bulk_approve")
    page = client.get(url, {"change": [c.pk for c in changes], "next": back}).content.decode()
    token = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    response = client.post(url, {"change": [c.pk for c in changes], "next": back, "confirm": token})
    assert response["Location"] == back
    assert set(ChangeRecord.objects.values_list("status", flat=True)) == {"approved"}


def test_the_category_filter_names_the_categories(client, officers, hue_units):
    from beneficiaries.models import Category

    client.force_login(officers["commune"])
    html = client.get(reverse("beneficiaries:list")).content.decode()
    name = Category.objects.get(code="K1").name
    assert f'<option value="K1">K1 – {name[:39]}' in html
