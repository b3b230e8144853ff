"""apply_unit_reform on a small Huế demo (three-tier, 2025-01): every person on a 2025-10
commune, none lost, none twice; the next month's lists of the new closing units add up to the
lines and amounts the district lists of that month had before the reform; closed lists stay on
the old communes; history reasons; a dry run writes nothing; a second run changes nothing."""

import io
import os
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaries.models import (
    Beneficiary,
    ChangeRecord,
    ChangeStatus,
    ReformRun,
    ReformWorklistItem,
)
from beneficiaries.reform import worklist_assign
from core.errors import AppError
from core.months import add_months
from org.models import AdministrativeUnit, Role, User
from payments.errors import PaymentErrorCode
from payments.models import LineStatus, PaymentLine
from payments.months import month_window_suspended
from payments.services import payment_list_close, payment_list_generate
from payments.services.periods import closing_units, payment_period_open
from reports import coverage
from tests.helpers import checker_of

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def generate_all(month):
    """Generate the month's list of every closing unit: {unit path: (lines, amount)}."""
    figures = {}
    for unit in closing_units():
        period = payment_period_open(unit=unit, month=month)
        payment_list = payment_list_generate(period=period)
        agg = payment_list.lines.aggregate(n=Count("id"), total=Sum("amount_total"))
        figures[unit.path] = (agg["n"], agg["total"] or 0)
    return figures


def table_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def demo():
    this_month = timezone.localdate().replace(day=1)
    with month_window_suspended():
        call_command(
            "seed_demo",
            # REFORM_DEMO_BENEFICIARIES=60738: the same check on the whole demo (a few minutes).
            beneficiaries=int(os.environ.get("REFORM_DEMO_BENEFICIARIES", "2000")),
            seed=11,
            months=0,
            as_of=this_month,
            stdout=io.StringIO(),
        )
        # This month's lists are closed, a few lines not paid: they carry over next month.
        for unit in closing_units():
            period = payment_period_open(unit=unit, month=this_month)
            payment_list_generate(period=period)
            payment_list_close(period=period, closed_by=checker_of(unit))
        failed = PaymentLine.objects.filter(payment_list__period__month=this_month)[::97]
        PaymentLine.objects.filter(pk__in=[line.pk for line in failed]).update(
            status=LineStatus.FAILED
        )
        yield this_month, add_months(this_month, 1), len(failed)


def test_the_reform_moves_everyone_and_the_next_lists_add_up_to_the_same(demo, client):
    this_month, next_month, failed = demo
    assert failed > 0
    old_province = AdministrativeUnit.objects.get(code_version="2025-01", level="province")
    coverage.coverage_refresh(month=this_month)
    old_trend = coverage.trend(old_province, this_month, months=1)[0]
    with month_window_suspended():
        with transaction.atomic():
            before = generate_all(next_month)
            transaction.set_rollback(True)
        assert len(before) == 9  # the nine districts of Huế
        people_before = dict(Beneficiary.objects.values_list("id", "status"))
        closed_lines = dict(
            PaymentLine.objects.filter(payment_list__closed_at__isnull=False).values_list(
                "id", "commune_id"
            )
        )
        open_changes = ChangeRecord.objects.filter(
            status__in=[ChangeStatus.PROPOSED, ChangeStatus.DRAFT, ChangeStatus.SUBMITTED]
        ).count()
        district_officer = User.objects.filter(role=Role.DISTRICT_OFFICER).first()

        out = io.StringIO()
        with CaptureQueriesContext(connection) as queries:
            call_command(
                "apply_unit_reform",
                province="46",
                effective_month=next_month.strftime("%Y-%m"),
                stdout=out,
            )
        # Set-based: no query per person (2,000 of them here).
        assert len(queries) < 400, len(queries)
        output = out.getvalue()
        run = ReformRun.objects.get()
        # Huế's one 2025-01 commune the package does not carry (Hương Hòa, 20176) waits in the
        # worklist, and blocks the month's lists until an officer assigns its people.
        assert run.worklist_size == ReformWorklistItem.objects.count() > 0
        with pytest.raises(AppError) as refused:
            generate_all(next_month)
        assert refused.value.code == PaymentErrorCode.REFORM_WORKLIST_WAITING
        admin = User.objects.filter(role=Role.ADMIN).first()
        for item in ReformWorklistItem.objects.select_related("default_commune"):
            worklist_assign(item=item, commune=item.default_commune, user=admin)
        after = generate_all(next_month)

    # Every person on an active 2025-10 commune; none lost, none twice (same ids, same status).
    assert dict(Beneficiary.objects.values_list("id", "status")) == people_before
    assert not Beneficiary.objects.exclude(commune__code_version="2025-10").exists()
    assert not Beneficiary.objects.filter(commune__active=False).exists()
    assert run.moved + run.worklist_size == len(people_before)
    # The lists of the new closing units: exactly the lines and amounts of the nine districts.
    assert all(path.startswith("2025-10/46/") for path in after)
    assert sum(n for n, _t in after.values()) == sum(n for n, _t in before.values())
    assert sum(t for _n, t in after.values()) == sum(t for _n, t in before.values())
    print(  # the figures, for a run on the whole demo with -s
        f"reform demo: {len(people_before):,} people, {run.moved:,} moved, "
        f"{run.worklist_size:,} in the worklist; {len(before)} lists before, {len(after)} after: "
        f"{sum(n for n, _t in after.values()):,} lines, {sum(t for _n, t in after.values()):,} đ"
    )
    carried = PaymentLine.objects.filter(
        payment_list__period__month=next_month, amount_carried_over__gt=0
    ).count()
    assert carried == failed
    # Closed lists keep their lines on the old communes.
    assert (
        dict(PaymentLine.objects.filter(pk__in=list(closed_lines)).values_list("id", "commune_id"))
        == closed_lines
    )
    # Each person's move and each open change's is in their history, with the run as reason.
    reason = f"Sắp xếp đơn vị hành chính 2025 (đợt {run.pk})"
    assert Beneficiary.history.filter(history_change_reason=reason).count() == len(people_before)
    assert ChangeRecord.history.filter(history_change_reason=reason).count() == open_changes
    assert f"{run.moved} people moved, {run.worklist_size} in the worklist" in output
    # The district officers wait to be re-homed; the province's own officers moved with it.
    district_officer.refresh_from_db()
    assert district_officer.unit.active is False
    assert not User.objects.filter(role=Role.PROVINCE_OFFICER, unit__active=False).exists()
    # ... and cannot act: every page answers that their unit was abolished.
    client.force_login(district_officer)
    page = client.get("/")
    assert page.status_code == 403
    assert "đơn vị đã giải thể" in page.content.decode()
    assert not AdministrativeUnit.objects.filter(code_version="2025-01", active=True).exists()

    # The dashboard's trend of the new province: this month (before the reform) re-aggregated
    # from the old communes, the same figures, its nine closed district lists counted.
    new_province = AdministrativeUnit.objects.get(code_version="2025-10", level="province")
    point = coverage.trend(new_province, next_month, months=2)[0]
    assert point["month"] == this_month and point["reaggregated"]
    for name in ("active_count", "with_account_count", "amount_due", "paid_state", "closed"):
        assert point[name] == old_trend[name], name
    assert point["active_count"] > 0 and point["closed"] == 9
    # ... and the dashboard says how those months were counted.
    client.force_login(User.objects.filter(role=Role.PROVINCE_OFFICER).first())
    assert "data-trend-reaggregated" in client.get("/reports/").content.decode()
    client.logout()

    # A second run changes nothing and says so.
    counts = table_counts()
    out = io.StringIO()
    call_command("apply_unit_reform", province="46", effective_month="2030-01", stdout=out)
    assert "already applied" in out.getvalue()
    assert table_counts() == counts


def test_a_dry_run_prints_the_plan_and_writes_nothing(demo):
    counts = table_counts()
    out = io.StringIO()
    call_command(
        "apply_unit_reform", province="46", effective_month="2030-01", dry_run=True, stdout=out
    )
    assert table_counts() == counts
    output = out.getvalue()
    assert "dry run, nothing written" in output
    people = Beneficiary.objects.count()
    waiting = Beneficiary.objects.filter(commune__code="20176").count()
    assert waiting > 0
    assert f"People moved at once: {people - waiting}" in output
    assert f"Worklist (split communes): {waiting} people" in output
    arrivals = Counter()
    for line in output.splitlines():
        if line.startswith("  ") and " people from " in line:
            arrivals[line.split(":")[0].strip()] += int(line.split(": ")[1].split(" ")[0])
    assert sum(arrivals.values()) == people - waiting
    users = User.objects.filter(role__in=[Role.DISTRICT_OFFICER, Role.COMMUNE_OFFICER]).count()
    assert f"Users to re-home: {users}" in output
    # Huế's one 2025-01 commune the package does not carry is named, and the new communes
    # whose codes differ between the two sources.
    assert "old 20176 (Xã Hương Hòa) is not in the package" in output
    assert "code 19753 in the package, 19768 here (matched by name)" in output
