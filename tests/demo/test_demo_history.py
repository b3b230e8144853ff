"""seed_demo --months: a history made by the real generation, closing, the real mock providers
(in their own process) and reconciliation, month by month; finished after an interruption,
never paid twice; the coverage figures of every month equal a direct count."""

import datetime
import io
import logging
import sqlite3

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from demo.history import HISTORY_REASON, history_finish, planned_periods
from demo.seed import demo_seed
from org.models import AdministrativeUnit, User
from payments.dispatch import payment_list_submit
from payments.models import LineStatus, PaymentLine, PaymentPeriod, PeriodStatus
from payments.services import payment_list_close, payment_list_generate
from reports import coverage
from tests.providers.mockprocess import call, free_port, running_mock
from tests.reports.test_coverage import direct

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]
AS_OF = datetime.date(2026, 11, 1)
MONTHS = [datetime.date(2026, m, 1) for m in (8, 9, 10)]


@pytest.fixture
def no_running_mock(tmp_path):
    """Nothing answers at MOCK_PROVIDERS_URL: the history starts its own mock process, with
    its ledger in MOCK_PROVIDERS_DB."""
    with override_settings(
        MOCK_PROVIDERS_URL=f"http://127.0.0.1:{free_port()}",
        MOCK_PROVIDERS_DB=tmp_path / "mock_providers.sqlite3",
    ):
        yield tmp_path / "mock_providers.sqlite3"


def ledger(db_path) -> list[tuple[str, str, int, str]]:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT provider, reference, amount, status FROM ledger").fetchall()


def test_seed_demo_makes_months_of_history_through_the_mock_providers(no_running_mock, caplog):
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="demo.history"):
        call_command("seed_demo", beneficiaries=600, seed=7, as_of=AS_OF, months=3, stdout=out)
    output = out.getvalue()
    # One log line per month made, with its figures.
    made = [r for r in caplog.records if r.name == "demo.history"]
    assert [(r.month, r.units, r.province_code) for r in made] == [
        (month.isoformat(), 9, "46") for month in MONTHS
    ]
    assert all(r.lines > 0 and r.paid > 0 and r.seconds >= 0 for r in made)
    province = AdministrativeUnit.objects.get(level="province", code="46", active=True)
    periods = PaymentPeriod.objects.filter(unit__path__startswith=province.path)
    # Every district, every month, reconciled without a discrepancy.
    assert sorted({p.month for p in periods}) == MONTHS
    assert periods.count() == 3 * 9
    assert {p.status for p in periods} == {PeriodStatus.RECONCILED}
    # Prepared by one district officer, approved by another: the official list names both.
    people = {
        (p.payment_list.generated_by.username, p.payment_list.closed_by.username) for p in periods
    }
    assert people == {(f"lap{p.unit.code}", f"huyen{p.unit.code}") for p in periods}
    assert {p.reconciliation.status for p in periods} == {"matched"}
    assert "seed_demo: 10/2026:" in output and "payment history of 3 months" in output

    lines = PaymentLine.objects.filter(payment_list__period__in=periods)
    assert not lines.exclude(status__in=[LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID])
    # The provider paid every line exactly once, with our amount and our result.
    paid = ledger(no_running_mock)
    assert len(paid) == lines.count() == len({ref for _p, ref, _a, _s in paid})
    ours = dict(lines.values_list("reference", "amount_total"))
    assert {ref: amount for _p, ref, amount, _s in paid} == ours
    # Results include failures, and what a month did not pay the next one carries over.
    assert lines.filter(status=LineStatus.PAID).count() > 0.9 * lines.count()
    assert lines.filter(status__in=[LineStatus.FAILED, LineStatus.UNPAID]).exists()
    carried = lines.filter(payment_list__period__month=MONTHS[-1], amount_carried_over__gt=0)
    assert carried.exists()
    # The demo's carers are paid care support every month, beside the allowance lines.
    care = lines.filter(line_kind="care_support")
    assert {line.payment_list.period.month for line in care} == set(MONTHS)
    assert care.filter(status=LineStatus.PAID, amount_care__gt=0).exists()

    # Each month's dashboard figures equal the register and that month's lines.
    communes = list(
        AdministrativeUnit.objects.filter(path__startswith=province.path, level="commune")
    )
    for month in MONTHS:
        head = coverage.figures(province, month)
        assert {k: head[k] for k in coverage.FIELDS} == direct(communes, month), month
    # This month's register figures are there before its lists, and the pages open on the
    # latest month that was paid.
    assert coverage.figures(province, AS_OF)["active_count"] > 0
    assert coverage.latest_month(province) == MONTHS[-1]
    # A person counts from the month their allowance started, an account from the month it
    # was opened: the seeded register shows coverage growing over the months.
    trend = coverage.trend(province, MONTHS[-1])
    with_account = [row["with_account_count"] for row in trend if row["month"] in MONTHS]
    assert with_account == sorted(with_account) and with_account[0] < with_account[-1]


def test_an_interrupted_history_is_finished_by_the_next_run_without_paying_twice(tmp_path):
    """The history uses the mock providers already running (as in docker compose), sets their
    pace for itself and puts it back; half a history is finished, nothing is sent twice."""
    mock = running_mock(tmp_path, MOCK_VNPOST_WINDOW="3", MOCK_VIETTELPAY_DELAY="2")
    with mock as url, override_settings(MOCK_PROVIDERS_URL=url):
        result = demo_seed(count=300, seed=8, as_of=AS_OF, months=2)
        assert result.planned_periods == 2 * 9
        planned = PaymentPeriod.history.filter(history_change_reason=HISTORY_REASON)
        assert planned.count() == 18
        # The first run stopped after closing one list and sending another.
        first, second = list(planned_periods(result.province))[:2]
        for period in (first, second):
            officer = User.objects.get(username=f"huyen{period.unit.code}")
            preparer = User.objects.get(username=f"lap{period.unit.code}")
            payment_list_generate(period=period, generated_by=preparer)
            payment_list_close(period=period, closed_by=officer)
        with override_settings(
            TROCAP_PROVIDERS={
                code: {**config, "base_url": url, "callback_url": ""}
                for code, config in settings.TROCAP_PROVIDERS.items()
            }
        ):
            payment_list_submit(period=second, user=None, run_async=False)

        # The next `make run` (seed_demo --skip-if-seeded) finishes it.
        out = io.StringIO()
        call_command("seed_demo", beneficiaries=300, seed=8, skip_if_seeded=True, stdout=out)
        output = out.getvalue()
        assert "skipped" in output and "payment history of 2 months made" in output
        assert "09/2026" in output and "10/2026" in output
        assert not planned_periods(result.province).exists()
        assert history_finish(province=result.province, seed=8) == []  # nothing left
        # The mock's own pace is back as it was.
        config = call(f"{url}/__mock__/config")
        assert config["vnpost"]["window_seconds"] == 3
        assert config["viettelpay"]["result_delay_seconds"] == 2
        submissions = call(f"{url}/__mock__/submissions")["entries"]
        mock_ledger = call(f"{url}/__mock__/ledger")["entries"]
    # Every batch reached its provider once; every line was paid once.
    assert not [s for s in submissions if s["replay"]]
    references = [entry["reference"] for entry in mock_ledger]
    lines = PaymentLine.objects.filter(
        payment_list__period__unit__path__startswith=result.province.path
    )
    assert len(references) == len(set(references)) == lines.count()
    assert {p.status for p in PaymentPeriod.objects.all()} == {PeriodStatus.RECONCILED}


def test_no_history_without_months(no_running_mock):
    out = io.StringIO()
    call_command("seed_demo", beneficiaries=100, seed=9, as_of=AS_OF, months=0, stdout=out)
    assert not PaymentPeriod.objects.exists()
    assert "history" not in out.getvalue()
    with pytest.raises(Exception, match="--months must be from 0 to 60"):
        call_command("seed_demo", beneficiaries=100, months=-1, stdout=out)


def test_a_two_tier_history_runs_per_commune(no_running_mock):
    """On 2025-10 units each commune's list is prepared by its officer, closed by its leader,
    paid by the mock providers and reconciled."""
    out = io.StringIO()
    call_command(
        "seed_demo",
        province="46",
        two_tier=True,
        beneficiaries=120,
        seed=5,
        as_of=AS_OF,
        months=1,
        stdout=out,
    )
    province = AdministrativeUnit.objects.get(level="province", code="46", active=True)
    periods = list(PaymentPeriod.objects.filter(unit__path__startswith=province.path))
    assert periods and all(p.unit.level == "commune" for p in periods)
    assert {p.status for p in periods} == {PeriodStatus.RECONCILED}
    for period in periods:
        plist = period.payment_list
        assert plist.closed_by.role == "commune_leader" and plist.closed_by.unit == period.unit
        assert plist.generated_by.role == "commune_officer"
