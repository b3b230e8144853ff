"""The payment list pages, as the right role: open, generate (a Celery task), review, close,
export; everything else answers 404 or 403."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries.models import Category
from payments import confirmations
from payments.models import PaymentPeriod
from reports.models import ExportLog
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.helpers import confirmed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(hue_units):
    out = []
    for commune in (hue_units["commune"], hue_units["neighbour"]):
        for i in range(3):
            b = BeneficiaryFactory(
                commune=commune,
                full_name=f"Hồ Thị Sen {commune.code}-{i}",
                date_of_birth=datetime.date(1940, 1, 1),
            )
            BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
            out.append(b)
    return out


def test_district_officer_opens_generates_reviews_closes_and_exports(
    client, officers, checker, people, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:open"), {"month": "2026-12"})
    period = PaymentPeriod.objects.get()
    assert response["Location"] == reverse("payments:review", args=[period.pk])
    html = client.get(response["Location"]).content.decode()
    assert 'data-figure="lines">6<' in html
    assert "3.000.000 ₫" in html
    # The officer who generated the list is told up front that another must close it: the
    # review page and the confirmation say so, and offer no button.
    assert "data-preparer" in html and "không được tự chốt" in html
    assert reverse("payments:close", args=[period.pk]) not in html
    page = client.get(reverse("payments:close", args=[period.pk])).content.decode()
    assert "data-refusal" in page and "data-confirm-button" not in page
    token = confirmations.close_confirmation(user=officers["district"], period=period).token
    client.post(reverse("payments:close", args=[period.pk]), {"confirm": token})
    period.refresh_from_db()
    assert period.status == "generated"  # a POST all the same is refused by the service

    client.force_login(checker)
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert "data-preparer" not in html and reverse("payments:close", args=[period.pk]) in html
    response = confirmed_post(client, reverse("payments:close", args=[period.pk]))
    period.refresh_from_db()
    assert period.status == "closed"
    assert period.payment_list.closed_by == checker
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert period.payment_list.content_hash in html
    assert str(checker) in html
    client.force_login(officers["district"])

    first = client.get(reverse("payments:export", args=[period.pk, "xlsx"])).content
    again = client.get(reverse("payments:export", args=[period.pk, "xlsx"])).content
    assert first == again  # a closed list exports byte for byte the same
    csv1 = client.get(reverse("payments:export", args=[period.pk, "csv"])).content
    assert csv1 == client.get(reverse("payments:export", args=[period.pk, "csv"])).content
    assert (
        csv1.decode("utf-8-sig")
        .splitlines()[0]
        .startswith("line_no,commune_code,beneficiary_id_number")
    )
    assert ExportLog.objects.filter(what__startswith="payment_list_").count() == 4
    page = client.get(
        reverse("payments:signature_list", args=[period.pk, people[0].commune_id])
    ).content.decode()
    assert "Hồ Thị Sen" in page


def test_commune_officer_sees_only_their_commune_and_cannot_close(
    client, officers, people, hue_units
):
    from payments.services import payment_list_generate, payment_period_open

    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    client.force_login(officers["commune"])
    html = client.get(reverse("payments:lines", args=[period.pk])).content.decode()
    assert html.count("<tr>") == 1 + 3  # the header and the commune's three lines
    assert (
        hue_units["commune"].code + "-0" in html and hue_units["neighbour"].code + "-0" not in html
    )
    confirmed_post(client, reverse("payments:close", args=[period.pk]))
    period.refresh_from_db()
    assert period.status == "generated"
    other = client.get(
        reverse("payments:signature_list", args=[period.pk, hue_units["neighbour"].pk])
    )
    assert other.status_code == 404
    csv = client.get(reverse("payments:export", args=[period.pk, "csv"])).content.decode(
        "utf-8-sig"
    )
    assert len(csv.strip().splitlines()) == 1 + 3


def test_other_districts_get_404(client, officers, people, hue_units):
    from org.models import Role
    from payments.services import payment_period_open
    from tests.factories import UserFactory

    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    stranger = UserFactory(
        username="huyenkhac", role=Role.DISTRICT_OFFICER, unit=hue_units["other_district"]
    )
    client.force_login(stranger)
    for name in ("payments:review", "payments:lines", "payments:progress"):
        assert client.get(reverse(name, args=[period.pk])).status_code == 404
    assert client.post(reverse("payments:close", args=[period.pk])).status_code == 404
    assert client.post(reverse("payments:generate", args=[period.pk])).status_code == 404


def test_an_empty_list_does_not_spin_forever(
    client, officers, hue_units, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:open"), {"month": "2026-12"})
    period = PaymentPeriod.objects.get()
    html = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert 'data-figure="lines">0<' in html


def test_payment_data_is_read_only_in_the_admin(client, officers, people, hue_units):
    from payments.models import PaymentLine
    from payments.services import payment_list_generate, payment_period_open

    period = payment_period_open(unit=hue_units["district"], month=datetime.date(2026, 12, 1))
    payment_list_generate(period=period)
    line = PaymentLine.objects.first()
    client.force_login(officers["admin"])
    assert client.get(reverse("admin:payments_paymentline_changelist")).status_code == 200
    page = client.get(reverse("admin:payments_paymentline_change", args=[line.pk]))
    assert page.status_code == 200 and 'name="amount_total"' not in page.content.decode()
    client.post(reverse("admin:payments_paymentline_change", args=[line.pk]), {"amount_total": 1})
    line.refresh_from_db()
    assert line.amount_total == 500_000
