"""The reform removes the old districts' lists of its month on that are not closed (their people
moved), says how many in the plan and the run, keeps their history; closed lists and earlier
drafts stay."""

import datetime
import io

import pytest
from django.core.management import call_command

from beneficiaries.models import ReformRun
from org.models import AdministrativeUnit
from payments.models import LineArrear, PaymentLine, PaymentList, PaymentPeriod
from payments.months import month_window_suspended
from payments.services import payment_list_close, payment_list_generate, payment_period_open
from tests.reform.setup import EFFECTIVE, thai_nguyen_reformed

pytestmark = pytest.mark.django_db
DEC_2025 = datetime.date(2025, 12, 1)
FEB_2026 = datetime.date(2026, 2, 1)


def lists_before_the_reform(world) -> dict:
    """The whole commune's old district: 12/2025 closed, 01/2026 generated (a draft with lines),
    02/2026 opened only; another old district: 12/2025 generated, not closed."""
    district = world["whole"].parent
    other = (
        AdministrativeUnit.objects.filter(
            path__startswith="2025-01/19/", level="district", children__level="commune"
        )
        .exclude(pk=district.pk)
        .first()
    )
    with month_window_suspended():
        closed = payment_period_open(unit=district, month=DEC_2025)
        payment_list_generate(period=closed)
        payment_list_close(period=closed, closed_by=world["district_officer"])
        january = payment_period_open(unit=district, month=EFFECTIVE)
        payment_list_generate(period=january)
        february = payment_period_open(unit=district, month=FEB_2026)
        earlier = payment_period_open(unit=other, month=DEC_2025)
        payment_list_generate(period=earlier)
    assert january.payment_list.lines.exists()
    plan = io.StringIO()
    call_command(
        "apply_unit_reform", province="19", effective_month="2026-01", dry_run=True, stdout=plan
    )
    return {
        "closed": closed,
        "january": january,
        "february": february,
        "earlier": earlier,
        "plan": plan.getvalue(),
        "january_lines": list(january.payment_list.lines.values_list("pk", flat=True)),
    }


@pytest.fixture
def tn(db):
    return thai_nguyen_reformed(before=lists_before_the_reform)


def test_the_reform_removes_the_old_districts_drafts_of_its_month_on(tn):
    assert "to remove (closed ones stay): 2" in tn["plan"]
    run = ReformRun.objects.get()
    assert run.drafts_removed == 2
    # The draft of the effective month and the period opened after it are gone, lines too.
    assert not PaymentPeriod.objects.filter(pk__in=[tn["january"].pk, tn["february"].pk]).exists()
    assert not PaymentLine.objects.filter(pk__in=tn["january_lines"]).exists()
    assert not LineArrear.objects.filter(line_id__in=tn["january_lines"]).exists()
    # ... their history kept, with the reform as the reason.
    gone = PaymentPeriod.history.filter(id=tn["january"].pk, history_type="-").get()
    assert gone.history_change_reason == run.history_reason
    assert PaymentList.history.filter(period_id=tn["january"].pk, history_type="-").exists()
    # The closed list and a draft of a month before the reform stay as they were.
    closed = PaymentPeriod.objects.get(pk=tn["closed"].pk)
    assert closed.status == "closed" and closed.payment_list.lines.exists()
    earlier = PaymentPeriod.objects.get(pk=tn["earlier"].pk)
    assert earlier.status == "generated" and earlier.payment_list.generated_at is not None
