"""Coverage snapshots equal what the register and the lists say, computed directly; the pages
show them, scoped by role."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import PaymentAccount
from beneficiaries.models import Beneficiary, BeneficiaryStatus
from demo.seed import demo_seed
from org.models import AdministrativeUnit, Role, User
from payments.models import LineStatus, PaymentLine
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from reports import coverage
from reports.models import CoverageSnapshot
from tests.factories import RecipientFactory
from tests.helpers import checker_of
from tests.payments.test_generate import person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


def direct(communes, month):
    """The figures computed straight from the register and the lines, the slow obvious way:
    people whose allowance has started by the month, accounts opened by its end."""
    people = [
        b
        for b in Beneficiary.objects.filter(commune__in=communes, status=BeneficiaryStatus.ACTIVE)
        if b.start_month is None or b.start_month <= month
    ]
    next_month = (month + datetime.timedelta(days=31)).replace(day=1)
    lines = PaymentLine.objects.filter(commune__in=communes, payment_list__period__month=month)
    # People are counted by their own line; the money counts care support to carers too.
    own = lines.filter(care_arrangement__isnull=True)
    return {
        "active_count": len(people),
        "with_account_count": sum(
            1
            for b in people
            if any(
                a.opened_on is None or a.opened_on < next_month
                for a in PaymentAccount.objects.filter(beneficiary=b, status="active")
            )
        ),
        "via_recipient_count": sum(1 for b in people if b.recipients.filter(active=True)),
        "paid_account_count": own.filter(status="paid", channel="account").count(),
        "paid_cash_count": own.filter(status="paid", channel="cash").count(),
        "unpaid_count": own.filter(status__in=["failed", "unpaid"]).count(),
        "amount_due": sum(line.amount_total for line in lines),
        "amount_paid": sum(line.amount_total for line in lines.filter(status="paid")),
    }


@pytest.fixture
def district_list(hue_units, officers, checker):
    from providers.models import Provider

    c, n = hue_units["commune"], hue_units["neighbour"]
    viettel = Provider.objects.get(code="VIETTELPAY")
    people = [
        person(c, datetime.date(1940, 1, 1), ["K5C"]),
        person(c, datetime.date(1941, 1, 1), ["K5C", "K6"]),
        person(c, datetime.date(2015, 1, 1), ["K1"]),
        person(n, datetime.date(1942, 1, 1), ["K5C"]),
    ]
    guardian = RecipientFactory(beneficiary=people[2], phone="0912345678")
    for b in people[:2]:
        PaymentAccount.objects.create(
            beneficiary=b,
            holder="beneficiary",
            provider=viettel,
            account_number=f"098{b.pk:07d}",
            account_name=b.full_name,
            status="active",
        )
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list_generate(period=period, generated_by=officers["district"])
    payment_list_close(period=period, closed_by=checker)
    lines = {line.beneficiary_id: line for line in period.payment_list.lines.all()}
    results = {people[0].pk: "paid", people[1].pk: "failed", people[2].pk: "paid"}
    for pk, status in results.items():
        line = lines[pk]
        line.status, line.failure_reason = status, "Ví bị khóa" if status == "failed" else ""
        line.save(update_fields=["status", "failure_reason"])
    return {"people": people, "guardian": guardian, "period": period}


def test_snapshots_equal_the_register_and_the_lists(hue_units, district_list):
    coverage.coverage_refresh(month=DEC, unit=hue_units["province"], register=True)
    c, n = hue_units["commune"], hue_units["neighbour"]
    for commune in (c, n):
        row = CoverageSnapshot.objects.get(
            month=DEC, commune=commune, provider_code="", category_code=""
        )
        assert {k: getattr(row, k) for k in coverage.FIELDS} == direct([commune], DEC)
    head = coverage.figures(hue_units["province"], DEC)
    expected = direct([c, n], DEC)
    assert {k: head[k] for k in coverage.FIELDS} == expected
    assert expected["active_count"] == 4 and expected["with_account_count"] == 2
    assert (head["electronic"], head["communes"]) == (1, 2)  # only one commune paid by account
    # By provider and by category.
    viettel = coverage.figures(hue_units["province"], DEC, provider="VIETTELPAY")
    assert (viettel["with_account_count"], viettel["paid_account_count"]) == (2, 1)
    assert viettel["unpaid_count"] == 1
    k5c = coverage.figures(hue_units["province"], DEC, category="K5C")
    k6 = coverage.figures(hue_units["province"], DEC, category="K6")
    # A person with K5C and K6 counts in both categories.
    assert (k5c["active_count"], k6["active_count"]) == (3, 1)


def test_a_past_month_keeps_its_register_figures_and_takes_new_results(hue_units, district_list):
    coverage.coverage_refresh(month=DEC, unit=hue_units["district"], register=True)
    Beneficiary.objects.filter(pk=district_list["people"][3].pk).update(status="stopped")
    line = PaymentLine.objects.get(beneficiary=district_list["people"][3])
    line.status = LineStatus.PAID
    line.save(update_fields=["status"])
    coverage.coverage_refresh(month=DEC, unit=hue_units["district"], register=False)
    head = coverage.figures(hue_units["district"], DEC)
    assert head["active_count"] == 4  # as it was when the month was current
    assert head["paid_cash_count"] == 2  # but the new result is in


def test_the_pages_by_role(client, hue_units, officers, district_list):
    coverage.coverage_refresh(month=DEC, unit=hue_units["province"], register=True)
    client.force_login(officers["province"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-figure="with-account">2/4<' in html
    assert 'data-figure="communes">1/2<' in html
    assert 'data-chart="trend"' in html and "<svg" in html
    assert f'data-unit="{hue_units["district"].code}"' in html  # districts side by side
    # Filters.
    html = client.get(reverse("reports:dashboard"), {"category": "K5C"}).content.decode()
    assert 'data-figure="with-account">2/3<' in html

    # A district officer lands on their district; another district is out of reach.
    client.force_login(officers["district"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert hue_units["district"].name in html
    assert client.get(reverse("reports:unit", args=[hue_units["province"].code])).status_code == 404
    other = hue_units["other_district"].code
    assert client.get(reverse("reports:unit", args=[other])).status_code == 404

    # The commune page: whom to call.
    client.force_login(officers["commune"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    people, guardian = district_list["people"], district_list["guardian"]
    assert people[2].full_name in html and guardian.phone in html  # no account: call the guardian
    assert "Ví bị khóa" in html  # the failed payment, with its reason
    assert people[3].full_name not in html  # another commune
    neighbour = hue_units["neighbour"].code
    assert client.get(reverse("reports:unit", args=[neighbour])).status_code == 404

    # The same tables as xlsx (logged: they name people), and a print view.
    response = client.get(reverse("reports:dashboard"), {"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Chưa có tài khoản" in workbook.sheetnames
    from reports.models import ExportLog

    assert ExportLog.objects.filter(what="coverage_xlsx", user=officers["commune"]).exists()
    html = client.get(reverse("reports:dashboard"), {"print": "1"}).content.decode()
    assert 'class="printing"' in html


def test_no_figures_yet_says_so(client, officers):
    client.force_login(officers["province"])
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert "Chưa có số liệu" in html or "No coverage figures yet" in html


@pytest.mark.slow
def test_on_the_demo_province_the_dashboard_equals_a_direct_count(client):
    result = demo_seed(count=500, as_of=datetime.date(2026, 11, 1))
    province = result.province
    for username in ("huyen474", "huyen476"):
        officer = User.objects.get(username=username)
        period = payment_period_open(unit=officer.unit, month=DEC)
        payment_list_generate(period=period, generated_by=officer)
        payment_list_close(period=period, closed_by=checker_of(officer.unit))
        for i, line in enumerate(period.payment_list.lines.order_by("line_no")):
            line.status = ("paid", "paid", "paid", "failed", "unpaid")[i % 5]
            line.save(update_fields=["status"])
    coverage.coverage_refresh(month=DEC, register=True)
    communes = AdministrativeUnit.objects.filter(path__startswith=province.path, level="commune")
    expected = direct(list(communes), DEC)
    head = coverage.figures(province, DEC)
    assert {k: head[k] for k in coverage.FIELDS} == expected
    client.force_login(User.objects.get(role=Role.PROVINCE_OFFICER, unit=province))
    html = client.get(reverse("reports:dashboard")).content.decode()
    shown = f"{expected['with_account_count']:,}/{expected['active_count']:,}".replace(",", ".")
    assert f'data-figure="with-account">{shown}<' in html


def test_generating_closing_and_reconciling_queue_a_refresh_once_while_one_waits(
    hue_units, officers, monkeypatch, settings, django_capture_on_commit_callbacks, checker
):
    from payments.models import PeriodStatus
    from payments.reconciliation import period_reconcile
    from reports import tasks
    from reports.models import CoverageRefreshRequest

    settings.TROCAP_COVERAGE_REFRESH_DELAY = 30
    queued = []
    monkeypatch.setattr(
        tasks.refresh_coverage,
        "apply_async",
        lambda args, countdown: queued.append((tuple(args), countdown)),
    )
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    district = hue_units["district"]
    refresh = (("2026-12-01", district.pk), 30)
    with django_capture_on_commit_callbacks(execute=True):
        period = payment_period_open(unit=district, month=DEC)
        payment_list_generate(period=period, generated_by=officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        payment_list_generate(period=period, generated_by=officers["district"])  # again
    with django_capture_on_commit_callbacks(execute=True):
        payment_list_close(period=period, closed_by=checker)
    assert queued == [refresh]  # one refresh waits for the three changes

    # The worker runs it: the snapshots are there, and the next change asks for another.
    assert tasks.refresh_coverage(*refresh[0]) > 0
    assert not CoverageRefreshRequest.objects.exists()
    assert CoverageSnapshot.objects.filter(month=DEC, commune=hue_units["commune"]).exists()
    period.refresh_from_db()
    period.payment_list.lines.update(status="paid")
    period.status = PeriodStatus.SUBMITTED
    period.save()

    def statement(batch):
        from types import SimpleNamespace

        items = [
            SimpleNamespace(reference=r, status=s, amount=a)
            for r, s, a in batch.lines.values_list("reference", "status", "amount_total")
        ]
        return SimpleNamespace(items=items)

    with django_capture_on_commit_callbacks(execute=True):
        period_reconcile(period=period, fetch=statement)
    assert queued == [refresh] * 2

    # A request whose task was lost (a broker emptied) does not block refreshes for ever.
    CoverageRefreshRequest.objects.update(
        requested_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_later(period)
    assert queued == [refresh] * 3


def test_the_nightly_refresh_covers_every_commune_this_month(hue_units, district_list):
    from django.utils import timezone

    from reports.tasks import refresh_coverage_nightly

    written = refresh_coverage_nightly()
    this_month = timezone.localdate().replace(day=1)
    assert written == CoverageSnapshot.objects.filter(month=this_month).count() > 0
    row = CoverageSnapshot.objects.get(
        month=this_month, commune=hue_units["commune"], provider_code="", category_code=""
    )
    assert row.active_count == 3


def test_the_automatic_refresh_can_be_turned_off(
    hue_units, officers, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.refresh_coverage, "apply_async", lambda *a, **k: queued.append(a))
    settings.TROCAP_COVERAGE_AUTO_REFRESH = False
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    with django_capture_on_commit_callbacks(execute=True):
        period = payment_period_open(unit=hue_units["district"], month=DEC)
        payment_list_generate(period=period, generated_by=officers["district"])
    assert queued == []
