"""The payment-list page proposes the month that is due and flags a list still open past its
closing deadline (the 25th of the month before its month)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Category
from core.months import add_months
from payments.models import PaymentList, PaymentPeriod
from payments.months import month_due
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(settings):
    settings.TROCAP_MONTH_WINDOW_BEFORE = 1
    settings.TROCAP_MONTH_WINDOW_AFTER = 1
    settings.TROCAP_GO_LIVE_MONTH = ""


@pytest.fixture
def k5c(hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (datetime.date(2026, 11, 10), datetime.date(2026, 12, 1)),  # before the 25th: next month
        (datetime.date(2026, 11, 25), datetime.date(2026, 12, 1)),
        # After the 25th next month's list is late, and the window ends there.
        (datetime.date(2026, 11, 26), datetime.date(2026, 12, 1)),
    ],
)
def test_with_nothing_closed_the_month_due_is_next_months(window, hue_units, today, due):
    assert month_due(hue_units["district"], today=today) == due


def test_after_a_closed_list_the_month_due_is_the_one_after_it(window, officers, k5c, hue_units):
    district = hue_units["district"]
    this_month = timezone.localdate().replace(day=1)
    last_month = add_months(this_month, -1)
    period = payment_period_open(unit=district, month=last_month)
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    # Next month's list would be the usual proposal; this month's is the one still missing.
    assert month_due(district) == this_month
    assert month_due(hue_units["other_district"]) == add_months(this_month, 1)


def test_the_page_proposes_the_month_due(client, window, officers, k5c, hue_units):
    this_month = timezone.localdate().replace(day=1)
    period = payment_period_open(unit=hue_units["district"], month=add_months(this_month, -1))
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    client.force_login(officers["district"])
    html = client.get(reverse("payments:list")).content.decode()
    assert f'name="month" value="{this_month:%Y-%m}"' in html
    assert f'data-month-due="{this_month:%Y-%m}"' in html


def test_a_list_open_past_its_deadline_is_flagged(client, window, officers, hue_units):
    this_month = timezone.localdate().replace(day=1)
    late = PaymentPeriod.objects.create(
        unit=hue_units["district"],
        month=this_month,
        deadline=add_months(this_month, -1).replace(day=25),
    )
    PaymentList.objects.create(period=late)
    on_time = PaymentPeriod.objects.create(
        unit=hue_units["other_district"],
        month=add_months(this_month, 2),
        deadline=add_months(this_month, 1).replace(day=25),
    )
    PaymentList.objects.create(period=on_time)
    assert late.past_deadline and not on_time.past_deadline
    client.force_login(officers["province"])
    html = client.get(reverse("payments:list")).content.decode()
    assert html.count("data-overdue") == 1
    assert f"Quá hạn chốt {late.deadline:%d/%m}" in html


def test_a_closed_list_is_never_late_and_the_deadline_is_the_25th_before():
    period = PaymentPeriod(month=datetime.date(2026, 12, 1), status="closed")
    assert period.closing_deadline == datetime.date(2026, 11, 25)
    assert not period.past_deadline
    assert PaymentPeriod(month=datetime.date(2026, 1, 1)).closing_deadline == datetime.date(
        2025, 12, 25
    )
