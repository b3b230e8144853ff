"""The overview's shortcuts to today's work: a commune officer's changes to send and to fix, the
list due and the people to call; a district officer's queue, the list due or overdue and the
failed payments. Each a link with a count, in a few queries."""

import datetime
import re

import pytest
from django.urls import reverse

from beneficiaries.models import ChangeRecord, ChangeStatus
from beneficiaries.shortcuts import shortcuts_for
from payments.models import PeriodStatus
from tests.reports.test_coverage import district_list  # noqa: F401

pytestmark = pytest.mark.django_db


def _shortcuts(html):
    return {
        key: (int(count) if count else None)
        for key, count in re.findall(
            r'data-shortcut="(\w+)"[^>]*>(?:<span class="count" data-count="(\d+)">)?', html
        )
    }


def _changes(people, user, statuses):
    for b, status in zip(people, statuses, strict=False):
        ChangeRecord.objects.create(
            beneficiary=b,
            commune=b.commune,
            kind="suspend",
            reason="other",
            effective_month=datetime.date(2026, 12, 1),
            status=status,
            maker=user,
        )


@pytest.fixture
def work(officers, district_list):  # noqa: F811
    people = district_list["people"]
    _changes(
        people,
        officers["commune"],
        [ChangeStatus.DRAFT, ChangeStatus.REJECTED, ChangeStatus.SUBMITTED, ChangeStatus.SUBMITTED],
    )
    period = district_list["period"]
    period.status = PeriodStatus.RECONCILED
    period.save(update_fields=["status"])
    line = period.payment_list.lines.get(beneficiary=people[2])
    line.status = "unpaid"
    line.save(update_fields=["status"])
    return district_list


def test_a_commune_officer_sees_what_to_send_fix_and_who_to_call(client, officers, work):
    client.force_login(officers["commune"])
    html = client.get(reverse("home")).content.decode()
    shortcuts = _shortcuts(html)
    # The neighbour commune's submitted change is not theirs.
    assert shortcuts["to_send"] == 1
    assert shortcuts["rejected"] == 1
    assert shortcuts["failed"] == 1
    assert shortcuts["to_call"] == 1
    assert "list_due" in shortcuts
    period = work["period"]
    assert f'href="{reverse("payments:lines", args=[period.pk])}?status=unpaid"' in html
    assert f'href="{reverse("beneficiaries:change_queue")}?show=rejected"' in html


def test_a_district_officer_sees_the_queue_the_list_due_and_failed_payments(client, officers, work):
    client.force_login(officers["district"])
    html = client.get(reverse("home")).content.decode()
    shortcuts = _shortcuts(html)
    assert shortcuts["to_decide"] == 2
    assert shortcuts["failed"] == 1
    assert "to_call" not in shortcuts and "to_send" not in shortcuts
    # Nothing closed after 12/2026 in the window: the list due is opened or not yet.
    assert "list_due" in shortcuts


def test_the_shortcuts_take_a_few_queries(officers, work, django_assert_max_num_queries):
    for role in ("commune", "district"):
        user = officers[role]
        user.refresh_from_db()
        with django_assert_max_num_queries(6):
            shortcuts_for(user=user)


def test_province_and_admin_get_no_shortcuts(client, officers, work):
    for role in ("province", "admin"):
        assert shortcuts_for(user=officers[role]) == []
        client.force_login(officers[role])
        assert "data-shortcuts" not in client.get(reverse("home")).content.decode()
