"""A person's payment history on their page: month by month from the generated lists, with the
list, amount, channel, provider by name, result and carry-over; one query for the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Category
from core.months import add_months
from payments.models import LineStatus, PaymentLine, PaymentList, PaymentPeriod
from payments.person_history import HISTORY_MONTHS, payment_history
from payments.services import payment_list_generate, payment_period_open
from providers.models import Provider
from tests.factories import AccountFactory, BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def paid_twice(hue_units):
    """A K5C person on the November and December lists: November failed and was carried over
    to December; December paid to the Viettel Pay wallet."""
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    AccountFactory(beneficiary=b)
    periods = {}
    for month in (NOV, DEC):
        period = payment_period_open(unit=hue_units["district"], month=month)
        payment_list_generate(period=period)
        periods[month] = period
    nov = PaymentLine.objects.get(payment_list__period=periods[NOV], beneficiary=b)
    dec = PaymentLine.objects.get(payment_list__period=periods[DEC], beneficiary=b)
    PaymentLine.objects.filter(pk=nov.pk).update(
        status=LineStatus.FAILED, failure_reason="Số ví chưa đăng ký", carried_over_to=dec
    )
    PaymentLine.objects.filter(pk=dec.pk).update(status=LineStatus.PAID)
    return {"b": b, "periods": periods, "nov": nov, "dec": dec}


def page(client, user, b, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("beneficiaries:detail", args=[b.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_history_shows_each_month_newest_first(client, officers, paid_twice):
    html = page(client, officers["district"], paid_twice["b"])
    panel = html[html.index('data-panel="payment-history"') :]
    assert panel.index('data-history-month="2026-12"') < panel.index('data-history-month="2026-11"')
    dec_start = panel.index('data-history-month="2026-12"')
    dec_row = panel[dec_start : panel.index("</tr>", dec_start)]
    assert "500.000 ₫" in dec_row  # K5C: 500,000 × 1.0
    assert "Viettel Pay (Viettel Money)" in dec_row  # the provider by name
    assert 'data-line-status="paid"' in dec_row
    nov_start = panel.index('data-history-month="2026-11"')
    nov_row = panel[nov_start : panel.index("</tr>", nov_start)]
    assert 'data-line-status="failed"' in nov_row and "Số ví chưa đăng ký" in nov_row
    assert "data-carried-to" in nov_row and "12/2026" in nov_row
    # The list's page is linked for an officer who may open it.
    period_url = reverse("payments:review", args=[paid_twice["periods"][DEC].pk])
    assert period_url in dec_row


def test_the_commune_officer_sees_the_history_with_links_to_the_district_list(
    client, officers, paid_twice
):
    html = page(client, officers["commune"], paid_twice["b"])
    assert reverse("payments:review", args=[paid_twice["periods"][NOV].pk]) in html


def test_the_history_is_scoped_to_the_user(officers, paid_twice):
    rows, _ = payment_history(user=officers["neighbour"], beneficiary_id=paid_twice["b"].pk)
    assert rows == []
    rows, _ = payment_history(user=officers["province"], beneficiary_id=paid_twice["b"].pk)
    assert [r.month for r in rows] == [DEC, NOV]


def test_labels_are_vietnamese(client, officers, paid_twice):
    html = page(client, officers["district"], paid_twice["b"])
    panel = html[html.index('data-panel="payment-history"') :]
    assert "Đã chi trả" in panel or "Đã trả" in panel
    assert "Ví điện tử" in panel


def _spread_over_months(line: PaymentLine, months: int) -> None:
    """Copies of `line` on the lists of `months` earlier months (bare lists, never closed)."""
    period = line.payment_list.period
    for k in range(1, months + 1):
        earlier = PaymentPeriod.objects.create(unit=period.unit, month=add_months(period.month, -k))
        copy = PaymentLine.objects.get(pk=line.pk)
        copy.pk = None
        copy.payment_list = PaymentList.objects.create(period=earlier)
        copy.reference = f"{line.reference}-{k}"
        copy.carried_over_to = None
        copy.save()


def test_two_years_are_shown_then_see_more_and_one_query_for_the_rows(
    client, officers, paid_twice, django_assert_max_num_queries
):
    user, b = officers["district"], paid_twice["b"]
    with django_assert_max_num_queries(1):
        rows, more = payment_history(user=user, beneficiary_id=b.pk)
        assert len(rows) == 2 and not more
    client.force_login(user)
    url = reverse("beneficiaries:detail", args=[b.pk])
    client.get(url)  # the session's first save is not the page's
    with CaptureQueriesContext(connection) as few:
        client.get(url)

    _spread_over_months(paid_twice["nov"], 30)
    with django_assert_max_num_queries(1):
        rows, more = payment_history(user=user, beneficiary_id=b.pk)
        assert len(rows) == HISTORY_MONTHS and more
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many) == len(few)  # 32 months cost what 2 did: no query per row
    assert html.count("data-history-month=") == HISTORY_MONTHS and "data-history-more" in html

    html = page(client, user, b, lich_su="all")
    assert html.count("data-history-month=") == 32 and "data-history-more" not in html


def test_cash_through_the_post_office_is_named(client, officers, hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    payment_list_generate(period=payment_period_open(unit=hue_units["district"], month=DEC))
    html = page(client, officers["district"], b)
    panel = html[html.index('data-panel="payment-history"') :]
    assert Provider.objects.get(code="VNPOST").name in panel
