"""The dashboards' months before the reform: a split old commune's figures are shared out per
person onto the new commune the reform put each of them on (reports.reform_trend), and the
province's total across the reform is unchanged."""

import datetime

import pytest
from django.db.models import Sum

from beneficiaries.models import ReformWorklistItem
from beneficiaries.reform import worklist_assign
from payments.models import PaymentLine
from payments.months import month_window_suspended
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from reports import coverage
from reports.models import CoverageSnapshot
from tests.factories import unit
from tests.reform.setup import thai_nguyen_reformed

pytestmark = pytest.mark.django_db
DEC_2025 = datetime.date(2025, 12, 1)
JAN_2026 = datetime.date(2026, 1, 1)
FIGURES = ("active_count", "amount_due", "paid_account_count", "paid_cash_count", "unpaid_count")


def december_closed_and_counted(world) -> dict:
    with month_window_suspended():
        period = payment_period_open(unit=world["split"].parent, month=DEC_2025)
        payment_list_generate(period=period)
        payment_list_close(period=period, closed_by=world["district_officer"])
    coverage.coverage_refresh(month=DEC_2025, register=True)
    return {"december": period}


@pytest.fixture
def tn(db):
    world = thai_nguyen_reformed(before=december_closed_and_counted)
    first, second, third = (ReformWorklistItem.objects.get(beneficiary=p) for p in world["waiting"])
    # The split commune's people go to two different new communes.
    worklist_assign(item=first, commune=world["tich_luong"], user=world["officer"])
    worklist_assign(item=second, commune=world["gia_sang"], user=world["officer"])
    worklist_assign(item=third, commune=world["gia_sang"], user=world["officer"])
    return world


def december(unit_):
    point = next(p for p in coverage.trend(unit_, JAN_2026) if p["month"] == DEC_2025)
    assert point["reaggregated"]
    return point


def people_sum(world, people) -> dict:
    lines = PaymentLine.objects.filter(
        payment_list=world["december"].payment_list, beneficiary__in=people
    )
    return {
        "active_count": len(people),
        "amount_due": lines.aggregate(n=Sum("amount_total"))["n"] or 0,
    }


def test_a_split_communes_old_months_follow_each_person(tn):
    waiting = tn["waiting"]
    old = unit("05467")  # Cam Giá, split between Gia Sàng (default) and Tích Lương
    old_snapshot = CoverageSnapshot.objects.get(
        commune=old, month=DEC_2025, provider_code="", category_code=""
    )
    assert old_snapshot.active_count == 3
    tich_luong, gia_sang = december(tn["tich_luong"]), december(tn["gia_sang"])
    # Each new commune's December is the sum over the people the reform put there (no whole
    # old commune of this world goes to either of them).
    for point, people in ((tich_luong, waiting[:1]), (gia_sang, waiting[1:])):
        expected = people_sum(tn, people)
        assert expected["amount_due"] > 0
        assert {k: point[k] for k in expected} == expected
    # Together they are the old commune's December, to the đồng.
    for name in FIGURES:
        assert tich_luong[name] + gia_sang[name] == getattr(old_snapshot, name), name
    # The province's December across the reform is the old province's, unchanged.
    new_province = december(tn["new_province"])
    old_total = CoverageSnapshot.objects.filter(
        commune__path__startswith="2025-01/19/", month=DEC_2025, provider_code="", category_code=""
    ).aggregate(**{name: Sum(name) for name in FIGURES})
    assert {name: new_province[name] for name in FIGURES} == old_total
    assert old_total["active_count"] == 5


def test_the_dashboard_says_the_split_is_per_person(tn, client):
    client.force_login(tn["officer"])
    html = client.get(
        "/reports/", {"unit": tn["tich_luong"].code, "month": "2026-01"}
    ).content.decode()
    assert "data-trend-reaggregated" in html
