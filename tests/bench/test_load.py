"""The load test's generator (bench/loadgen.py): its officers against Django's live server get
the answer a working application gives to every request, and its figures are exact. How fast
anything is, is never asserted here: `make load` measures that."""

import datetime
import math
import random
import threading

import pytest
from django.urls import reverse

from bench import loadgen
from bench.loadgen import Sample, percentile, summarize
from beneficiaries.models import ChangeRecord, ChangeStatus
from org.models import Role
from payments.models import PaymentList
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, UserFactory

PASSWORD = "mat-khau-123"  # UserFactory's


def test_percentiles_are_the_nearest_rank_over_every_sample():
    values = [float(v) for v in range(1, 101)]
    random.Random(1).shuffle(values)
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2  # a sample, never interpolated
    assert percentile([1.0, 2.0, 3.0, 4.0], 51) == 3
    assert percentile([7.0], 99) == 7
    assert math.isnan(percentile([], 50))


def test_the_summary_counts_the_window_only_and_every_error():
    samples = [Sample("home", started=10 + i / 10, ms=float(i), status=200) for i in range(1, 101)]
    samples += [
        Sample("person", started=12.0, ms=500.0, status=500, error="status 500"),
        Sample("person", started=13.0, ms=30.0, status=None, error="ConnectionRefusedError"),
        Sample("person", started=14.0, ms=20.0, status=200),
        Sample("home", started=9.99, ms=9000.0, status=200),  # the warm-up
        Sample("home", started=30.0, ms=9000.0, status=200),  # after the window
    ]
    summary = summarize(samples, start=10.0, end=30.0)
    assert summary.rps == 103 / 20
    assert (summary.overall.count, summary.overall.errors) == (103, 2)
    home, person = summary.pages
    assert (home.page, home.count, home.errors) == ("home", 100, 0)
    assert (home.p50, home.p95, home.p99, home.max) == (50, 95, 99, 100)
    assert (person.count, person.errors, person.p50, person.max) == (3, 2, 30, 500)
    table = loadgen.table(summary)
    assert table.splitlines()[0].split() == [
        "page",
        "count",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "errors",
    ]
    assert table.splitlines()[-1].split() == ["all", "103", "50", "96", "100", "500", "2"]


def test_the_generator_requests_the_applications_urls():
    assert {
        "login": reverse("login"),
        "home": reverse("home"),
        "register": reverse("beneficiaries:list"),
        "person": reverse("beneficiaries:detail", args=[0]).replace("0", "{pk}"),
        "change_create": reverse("beneficiaries:change_create", args=[0, "kind"])
        .replace("0", "{pk}")
        .replace("kind", "{kind}"),
        "change_queue": reverse("beneficiaries:change_queue"),
        "change_detail": reverse("beneficiaries:change_detail", args=[0]).replace("0", "{pk}"),
        "periods": reverse("payments:list"),
        "period_open": reverse("payments:open"),
        "period_review": reverse("payments:review", args=[0]).replace("0", "{pk}"),
        "period_progress": reverse("payments:progress", args=[0]).replace("0", "{pk}"),
        "period_generate": reverse("payments:generate", args=[0]).replace("0", "{pk}"),
        "dashboard": reverse("reports:dashboard"),
        "dashboard_unit": reverse("reports:unit", args=["code"]).replace("code", "{code}"),
    } == loadgen.PATHS


def test_a_name_fragment_is_typed_with_or_without_diacritics():
    assert loadgen.plain("Đặng Thị Ánh") == "dang thi anh"
    fragments = {loadgen.name_fragment("Đặng Thị Ánh", random.Random(i)) for i in range(40)}
    assert fragments == {"ánh", "anh", "thị ánh", "thi anh"}
    assert loadgen.next_month(datetime.date(2026, 12, 31)) == "2027-01"


@pytest.fixture
def register(hue_units):
    """More people than one register page holds, in a commune of the district."""
    people = []
    for i in range(loadgen.PAGE_SIZE + 5):
        person = BeneficiaryFactory(
            commune=hue_units["commune"],
            full_name=f"Nguyễn Thị Ánh {i}",
            date_of_birth=datetime.date(1940, 1, 1),
        )
        BeneficiaryCategoryFactory(beneficiary=person)
        people.append(person)
    return people


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_officer_gets_the_expected_answer_to_every_request(
    live_server, hue_units, register, eager_celery
):
    accounts = [
        (Role.DISTRICT_OFFICER, hue_units["district"], "list"),
        (Role.DISTRICT_OFFICER, hue_units["district"], "district"),
        (Role.COMMUNE_OFFICER, hue_units["commune"], "commune"),
    ]
    recorder, stop = loadgen.Recorder(), threading.Event()
    officers = []
    for number, (role, unit, kind) in enumerate(accounts):
        user = UserFactory(username=f"{kind}{number}", role=role, unit=unit)
        officer = loadgen.officer_for(
            loadgen.Account(user.username, PASSWORD, kind),
            base_url=live_server.url,
            number=number,
            recorder=recorder,
            stop=stop,
            seed=2023,
            think=(0.0, 0.0),
        )
        officers.append(officer)
    officers[0].poll_seconds = 0.01
    officers[2].change_rate = officers[2].dashboard_rate = 1.0  # every page, every time

    for officer in officers:
        officer.run(iterations=2)

    samples = recorder.samples()
    assert [(s.page, s.status, s.error) for s in samples if not s.ok] == []
    assert all(o.signed_in and o.iterations == 2 and not o.failures for o in officers)
    pages = {s.page for s in samples}
    assert {
        "sign_in",
        "static",
        "home",
        "register",
        "person",
        "change_form",
        "change_save",
        "change_queue",
        "dashboard",
        "periods",
        "list_open",
        "list_review",
        "list_progress",
        "list_generate",
    } <= pages
    assert pages & {"search_name", "search_id"}
    # Two changes saved and sent for approval, and the district's list generated twice.
    changes = ChangeRecord.objects.filter(reason_detail="Kiểm thử tải (make load)")
    assert officers[2].changes_saved == 2
    assert list(changes.values_list("status", flat=True)) == [ChangeStatus.SUBMITTED] * 2
    list_officer = officers[0]
    assert len(list_officer.generations) == 2
    assert all(g.finished is not None and not g.error for g in list_officer.generations)
    payment_list = PaymentList.objects.get(period_id=list_officer.period)
    assert payment_list.line_count == len(register)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_officer_only_records_the_changes_the_persons_menu_offers(live_server, hue_units):
    """The same person, again and again: once a suspension and a new account wait for approval,
    the menu offers neither and the officer records nothing more, instead of posting a change the
    application refuses (`make load` once counted such a refusal, a 400, as an error)."""
    person = BeneficiaryFactory(
        commune=hue_units["commune"],
        full_name="Nguyễn Thị Ánh",
        date_of_birth=datetime.date(1940, 1, 1),
    )
    BeneficiaryCategoryFactory(beneficiary=person)
    user = UserFactory(username="commune0", role=Role.COMMUNE_OFFICER, unit=hue_units["commune"])
    recorder = loadgen.Recorder()
    officer = loadgen.officer_for(
        loadgen.Account(user.username, PASSWORD, "commune"),
        base_url=live_server.url,
        number=0,
        recorder=recorder,
        stop=threading.Event(),
        seed=2023,
        think=(0.0, 0.0),
    )
    officer.change_rate = 1.0
    officer.run(iterations=4)

    assert [(s.page, s.status, s.error) for s in recorder.samples() if not s.ok] == []
    assert sorted(
        ChangeRecord.objects.filter(beneficiary=person).values_list("kind", flat=True)
    ) == ["set_account", "suspend"]
    assert officer.changes_saved == 2
