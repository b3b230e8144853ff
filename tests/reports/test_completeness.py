"""Dashboards say how complete a month is: how many closing units have closed it, "no list yet"
rather than 0 %, the page opens on the latest month every unit has closed, and the trend marks
an incomplete month."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import PaymentAccount
from org.models import Role
from payments.models import LineStatus
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from providers.models import Provider
from reports import coverage
from tests.factories import UserFactory
from tests.helpers import checker_of
from tests.payments.test_generate import person

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


def close_and_pay(district, officer, month):
    period = payment_period_open(unit=district, month=month)
    payment_list_generate(period=period, generated_by=officer)
    payment_list_close(period=period, closed_by=checker_of(district))
    period.payment_list.lines.update(status=LineStatus.PAID)
    return period


@pytest.fixture
def three_districts(hue_units, officers):
    """Three districts with two people each (one paid into an account, one in cash). November:
    all three closed and paid. December: the first closed and paid, the second generated but
    not closed, the third no list at all."""
    viettel = Provider.objects.get(code="VIETTELPAY")
    districts = list(hue_units["province"].children.order_by("code"))[:3]
    chiefs = [officers["district"]] + [
        UserFactory(username=f"huyen{i}", role=Role.DISTRICT_OFFICER, unit=d)
        for i, d in enumerate(districts[1:], start=2)
    ]
    for district in districts:
        commune = district.children.order_by("code").first()
        with_account = person(commune, datetime.date(1940, 1, 1), ["K5C"])
        person(commune, datetime.date(1941, 1, 1), ["K5C"])
        PaymentAccount.objects.create(
            beneficiary=with_account,
            holder="beneficiary",
            provider=viettel,
            account_number=f"098{with_account.pk:07d}",
            account_name=with_account.full_name,
            status="active",
        )
    for district, chief in zip(districts, chiefs, strict=True):
        close_and_pay(district, chief, NOV)
    close_and_pay(districts[0], chiefs[0], DEC)
    payment_list_generate(
        period=payment_period_open(unit=districts[1], month=DEC), generated_by=chiefs[1]
    )
    for month in (NOV, DEC):
        coverage.coverage_refresh(month=month, unit=hue_units["province"], register=True)
    return districts


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_province_opens_on_the_latest_month_every_district_has_closed(
    client, officers, three_districts
):
    html = page(client, officers["province"], reverse("reports:dashboard"))
    assert '<option value="2026-11" selected>' in html
    assert 'data-completeness="3/3"' in html and "3/3 huyện đã chốt 11/2026" in html
    # Both people of each district paid, one of two through an account.
    assert 'data-paid-state="closed">3 <small>' not in html
    assert "50% số đối tượng" in html
    assert coverage.latest_month(three_districts[0].parent) == NOV


def test_an_incomplete_month_says_so_and_never_shows_zero_for_a_unit_without_a_list(
    client, officers, three_districts
):
    first, second, third = three_districts
    html = page(client, officers["province"], reverse("reports:dashboard"), month="2026-12")
    assert 'data-completeness="1/3"' in html and "1/3 huyện đã chốt 12/2026" in html
    # The share paid counts the people of the district that closed: 1 of its 2, not 1 of 6.
    assert "50% số đối tượng của các đơn vị đã chốt" in html
    assert "17%" not in html
    rows = {
        code: html[html.index(f'data-unit="{code}"') :].split("</tr>")[0]
        for code in (first.code, second.code, third.code)
    }
    assert 'data-paid-state="closed"' in rows[first.code] and "(50%)" in rows[first.code]
    assert "danh sách chưa chốt" in rows[second.code] and "(0%)" not in rows[second.code]
    assert "chưa có danh sách" in rows[third.code] and "(0%)" not in rows[third.code]
    # The trend marks December as incomplete and keeps November's share.
    assert "12/26*" in html and "data-incomplete" in html and "data-trend-incomplete" in html
    assert "11/26*" not in html
    trend = coverage.trend(first.parent, DEC)
    assert [(p["closed"], p["closing_units"], p["complete"]) for p in trend[-2:]] == [
        (3, 3, True),
        (1, 3, False),
    ]
    assert trend[-2]["paid_account_rate"] == trend[-1]["paid_account_rate"] == 50

    # The tables say it too.
    xlsx = client.get(reverse("reports:dashboard"), {"month": "2026-12", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["Tổng hợp"]["A3"].value == "1/3 huyện đã chốt 12/2026"
    by_unit = {row[0]: row for row in book["Theo đơn vị"].iter_rows(values_only=True)}
    assert by_unit[third.code][6] == "chưa có danh sách"


def test_a_district_without_a_list_this_month(client, officers, three_districts):
    third = three_districts[2]
    chief = UserFactory(username="huyenba", role=Role.DISTRICT_OFFICER, unit=third)
    html = page(client, chief, reverse("reports:dashboard"))
    assert '<option value="2026-11" selected>' in html  # the last month it closed
    html = page(client, chief, reverse("reports:dashboard"), month="2026-12")
    assert "0/1 huyện đã chốt 12/2026" in html
    assert 'data-figure="paid-account">—<' in html and "chưa có danh sách" in html
    commune = third.children.order_by("code").first()
    row = html[html.index(f'data-unit="{commune.code}"') :].split("</tr>")[0]
    assert 'data-paid-state="none">chưa có danh sách<' in row and "(0%)" not in row
