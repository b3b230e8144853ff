"""Before the irreversible, a confirmation with the real figures: closing a list, sending it to
the providers, deferring a change, approving ticked changes. Nothing happens before the POST
that carries the token of the figures shown."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from beneficiaries.models import Category, ChangeRecord
from beneficiaries.services.changes import ChangeInput, change_record_create
from payments.models import PaymentPeriod
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.helpers import confirmed_post

DEC = datetime.date(2026, 12, 1)


def _people(hue_units, n=3):
    out = []
    for i in range(n):
        b = BeneficiaryFactory(
            commune=hue_units["commune"],
            full_name=f"Lê Văn Chờ {i}",
            date_of_birth=datetime.date(1940, 1, 1 + i),
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
        out.append(b)
    return out


def _generated(hue_units):
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period)
    return period


def _token(html: str) -> str:
    return re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)


@pytest.mark.django_db
def test_closing_shows_the_lines_and_the_total_and_closes_only_when_confirmed(
    client, hue_units, officers
):
    _people(hue_units)
    period = _generated(hue_units)
    lines = period.payment_list.lines
    total = sum(lines.values_list("amount_total", flat=True))
    assert lines.count() == 3 and total > 0
    client.force_login(officers["district"])
    url = reverse("payments:close", args=[period.pk])

    html = client.get(url).content.decode()
    amount = f"{total:,}".replace(",", ".") + " ₫"
    district = hue_units["district"].name
    assert f"Chốt danh sách 12/2026 của {district}: 3 dòng, {amount}." in html
    assert "Sau khi chốt không sửa được." in html
    assert 'data-figure="lines">3<' in html and "data-provider" in html

    # A POST without the token (the old button, a script): back to the confirmation.
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    assert PaymentPeriod.objects.get(pk=period.pk).status == "generated"

    # The list changed after the page was shown (generated again with one more person): the
    # token of the old figures does not close it.
    stale = _token(html)
    _people(hue_units, 1)
    payment_list_generate(period=period)
    response = client.post(url, {"confirm": stale}, follow=True)
    assert PaymentPeriod.objects.get(pk=period.pk).status == "generated"
    assert "4 dòng" in response.content.decode()

    confirmed_post(client, url)
    assert PaymentPeriod.objects.get(pk=period.pk).status == "closed"


@pytest.mark.django_db
def test_sending_shows_each_provider_and_sends_only_when_confirmed(
    client, hue_units, officers, django_capture_on_commit_callbacks
):
    _people(hue_units)
    period = _generated(hue_units)
    payment_list_close(period=period, closed_by=officers["district"])
    batch = period.payment_list.batches.get()
    client.force_login(officers["district"])
    url = reverse("payments:submit", args=[period.pk])

    html = client.get(url).content.decode()
    amount = f"{batch.control_amount:,}".replace(",", ".") + " ₫"
    assert f"tới 1 đơn vị chi trả: {batch.control_count} dòng, {amount}" in html
    assert batch.provider.name in html

    client.post(url)
    assert PaymentPeriod.objects.get(pk=period.pk).status == "closed"  # nothing sent
    with django_capture_on_commit_callbacks(execute=False):
        confirmed_post(client, url)
    assert PaymentPeriod.objects.get(pk=period.pk).status == "submitted"


@pytest.mark.django_db
def test_deferring_names_the_change_and_the_month_and_defers_only_when_confirmed(
    client, hue_units, officers
):
    (b,) = _people(hue_units, 1)
    change = change_record_create(
        beneficiary=b,
        data=ChangeInput(kind="suspend", reason="other", effective_month=DEC),
        maker=officers["commune"],
        today=datetime.date(2026, 11, 21),
    )
    assert change.status == "submitted"
    period = _generated(hue_units)
    client.force_login(officers["district"])
    review = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    url = reverse("payments:defer", args=[period.pk, change.pk])
    assert url in review

    html = client.get(url).content.decode()
    assert "Lê Văn Chờ 0" in html and "01/2027" in html and "12/2026" in html
    client.post(url)
    change.refresh_from_db()
    assert change.deferred_until is None
    confirmed_post(client, url)
    change.refresh_from_db()
    assert change.deferred_until == datetime.date(2027, 1, 1)


@pytest.mark.django_db
def test_bulk_approval_counts_the_changes_by_kind_and_approves_only_when_confirmed(
    client, hue_units, officers
):
    people = _people(hue_units)
    kinds = ["suspend", "suspend", "stop"]
    changes = [
        change_record_create(
            beneficiary=b,
            data=ChangeInput(
                kind=kind,
                reason="other" if kind == "suspend" else "moved_away",
                effective_month=DEC,
            ),
            maker=officers["commune"],
            today=datetime.date(2026, 11, 21),
        )
        for b, kind in zip(people, kinds, strict=True)
    ]
    client.force_login(officers["district"])
    url = reverse("beneficiaries:change_bulk_approve")
    ticked = {"change": [c.pk for c in changes]}

    html = client.get(url, ticked).content.decode()
    assert "Duyệt 3 biến động" in html
    assert re.search(r"data-kind><td>[^<]+</td><td class=\"num\">2<", html)
    assert re.search(r"data-kind><td>[^<]+</td><td class=\"num\">1<", html)
    assert all(f'data-change="{c.pk}"' in html for c in changes)

    response = client.post(url, ticked)
    assert response.status_code == 302 and response["Location"].startswith(url + "?change=")
    assert set(ChangeRecord.objects.values_list("status", flat=True)) == {"submitted"}
    confirmed_post(client, url, ticked)
    assert set(ChangeRecord.objects.values_list("status", flat=True)) == {"approved"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_confirmation_posted_twice_at_once_closes_once(hue_units, officers):
    _people(hue_units, 1)
    period = _generated(hue_units)
    url = reverse("payments:close", args=[period.pk])
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(officers["district"])
    token = _token(clients[0].get(url).content.decode())
    barrier = threading.Barrier(2)
    pages: list[str] = ["", ""]

    def post(i):
        try:
            barrier.wait()
            pages[i] = clients[i].post(url, {"confirm": token}, follow=True).content.decode()
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    period.refresh_from_db()
    assert period.status == "closed"
    assert period.payment_list.batches.count() == 1
    # One officer is told the list is closed, the other who closed it: never two closings.
    assert sum("Đã chốt danh sách." in p for p in pages) == 1, pages


@pytest.mark.django_db
def test_only_the_closing_officer_is_asked_to_confirm(client, hue_units, officers):
    _people(hue_units, 1)
    period = _generated(hue_units)
    client.force_login(officers["commune"])
    for name in ("payments:close", "payments:submit"):
        response = client.get(reverse(name, args=[period.pk]))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("payments:review", args=[period.pk])
