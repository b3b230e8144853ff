"""The register against the national population database, through the real mock service (its
own process): the nightly check flags a mismatch and an unknown ID, proposes stopping a dead
beneficiary (with funeral support once approved), does nothing twice, and waits when the
service is down; a registration is checked at once, or queued until the service answers."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import (
    Beneficiary,
    ChangeRecord,
    FuneralSupport,
    PopulationCheck,
)
from beneficiaries.population import registration_check
from beneficiaries.services.changes import change_record_approve, change_record_submit
from beneficiaries.tasks import verify_beneficiary, verify_population_nightly
from tests.factories import RecipientFactory
from tests.payments.test_generate import person
from tests.providers.mockprocess import call, running_mock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_mock(tmp_path_factory.mktemp("population")) as url:
        yield url


@pytest.fixture
def population(service):
    call(f"{service}/__mock__/reset", {})
    call(f"{service}/__mock__/config", {"population": {"outage": False, "failure_rate": 0}})
    with override_settings(
        TROCAP_POPULATION={"base_url": service, "secret": "mock-population-secret", "timeout": 5}
    ):
        yield service


@pytest.fixture
def people(hue_units):
    c = hue_units["commune"]
    ok = person(
        c, datetime.date(1940, 3, 1), ["K5C"], full_name="Trần Thị Bình", id_number="046140001111"
    )
    renamed = person(
        c,
        datetime.date(1941, 5, 2),
        ["K5C"],
        full_name="Nguyễn Văn Tý",
        id_number="046041002222",
        sex="M",
    )
    dead = person(
        c, datetime.date(1935, 1, 1), ["K5C"], full_name="Lê Thị Mận", id_number="046135003399"
    )
    unknown = person(
        hue_units["neighbour"],
        datetime.date(1942, 1, 1),
        ["K5C"],
        full_name="Hồ Văn Cu",
        id_number="046042004497",
        sex="M",
    )
    guardian = RecipientFactory(
        beneficiary=dead, full_name="Lê Văn Hòa", id_number="046075001234", relationship="con trai"
    )
    return {"ok": ok, "renamed": renamed, "dead": dead, "unknown": unknown, "guardian": guardian}


def test_the_nightly_check_flags_proposes_and_does_nothing_twice(
    population, people, officers, client
):
    # The database knows the second person under another name.
    call(
        f"{population}/__mock__/population",
        {
            "people": [
                {
                    "id_number": "046041002222",
                    "full_name": "Nguyễn Văn Tí",
                    "date_of_birth": "1941-05-02",
                    "sex": "M",
                }
            ]
        },
    )
    # Someone else died the same day: each death is its own proposal.
    also_dead = person(
        people["dead"].commune,
        datetime.date(1933, 2, 2),
        ["K5C"],
        full_name="Võ Văn Tư",
        id_number="046033006699",
        sex="M",
    )
    totals = verify_population_nightly()
    assert totals == {
        "checked": 5,
        "match": 1,
        "mismatch": 1,
        "deceased": 2,
        "not_found": 1,
        "stops_proposed": 2,
    }
    assert ChangeRecord.objects.filter(beneficiary=also_dead, status="proposed").exists()
    check = PopulationCheck.objects.get(beneficiary=people["renamed"], latest=True)
    assert (check.result, check.field_list) == ("mismatch", ["full_name"])

    # A stop (death) proposed in the commune's queue, with funeral support for the guardian.
    stop = ChangeRecord.objects.get(beneficiary=people["dead"])
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    assert (stop.kind, stop.reason, stop.status, stop.source) == (
        "stop",
        "death",
        "proposed",
        "population_db",
    )
    assert stop.date_of_death == last_month.replace(day=15)
    assert stop.effective_month == today.replace(day=1)  # the month after the death
    assert (stop.funeral_payee_name, stop.funeral_payee_relationship) == ("Lê Văn Hòa", "con trai")

    # The commune officer sees the mismatch on the person's page and in the queue.
    client.force_login(officers["commune"])
    page = client.get(reverse("beneficiaries:detail", args=[people["renamed"].pk])).content.decode()
    assert 'data-population="mismatch"' in page and "họ và tên" in page
    queue = client.get(reverse("beneficiaries:change_queue")).content.decode()
    assert "data-population-problems" in queue and "Nguyễn Văn Tý" in queue
    assert "Hồ Văn Cu" not in queue  # the neighbour commune's problem is not theirs
    assert "Lê Thị Mận" in queue  # the proposed stop waits for them

    # Again: nothing new (the same answers only move checked_at).
    assert verify_population_nightly() == {}  # nobody is due for 30 days
    call_command("verify_population", recheck_days=0, stdout=io.StringIO())
    assert PopulationCheck.objects.count() == 5
    assert ChangeRecord.objects.filter(kind="stop").count() == 2

    # Submitted and approved like any change: funeral support, and the person stops.
    change_record_submit(change=stop, user=officers["commune"])
    change_record_approve(change=stop, approved_by=officers["district"], today=today)
    support = FuneralSupport.objects.get(beneficiary=people["dead"])
    assert support.payee_name == "Lê Văn Hòa" and support.amount > 0


def test_a_service_that_is_down_leaves_everything_for_later(population, people):
    call(f"{population}/__mock__/config", {"population": {"outage": True}})
    totals = verify_population_nightly()
    assert "stopped" in totals and "503" in totals["stopped"]
    assert not PopulationCheck.objects.exists()
    out = io.StringIO()
    with pytest.raises(Exception, match="stopped answering"):
        call_command("verify_population", stdout=out)


def test_a_registration_is_checked_at_once_or_queued(
    population, people, django_capture_on_commit_callbacks
):
    assert registration_check(people["ok"]) == "match"
    call(f"{population}/__mock__/config", {"population": {"outage": True}})
    with django_capture_on_commit_callbacks() as queued:
        assert registration_check(people["renamed"]) == "queued"
    assert len(queued) == 1  # verify_beneficiary, sent once the registration commits
    with pytest.raises(Exception):  # noqa: B017  (the task retries while the service is down)
        verify_beneficiary.apply(args=[people["renamed"].pk], throw=True, retries=99)
    call(f"{population}/__mock__/config", {"population": {"outage": False}})
    assert verify_beneficiary.apply(args=[people["renamed"].pk]).get() == "checked"
    assert PopulationCheck.objects.get(beneficiary=people["renamed"]).result == "match"
    no_id = Beneficiary.objects.filter(pk=people["ok"].pk).update(id_number="")
    assert no_id == 1
    people["ok"].refresh_from_db()
    assert registration_check(people["ok"]) == "no_id"


def test_the_registration_page_says_what_the_database_said(population, officers, client, hue_units):
    client.force_login(officers["commune"])
    response = client.post(
        reverse("beneficiaries:register"),
        {
            "full_name": "Phan Thị Lụa",
            "date_of_birth": "1938-04-12",
            "sex": "F",
            "ethnicity": "Kinh",
            "id_number": "046138004512",
            "commune": hue_units["commune"].pk,
            "categories": ["K5C"],
            "decision_number": "123/QĐ-UBND",
            "decision_date": "2026-11-02",
            "start_month": "2026-11",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "CSDL" in text or "dân cư" in text, text
    assert PopulationCheck.objects.get().result == "match"


def test_a_death_without_a_recipient_asks_the_officer_who_receives_the_support(
    population, hue_units, officers, client
):
    alone = person(
        hue_units["commune"],
        datetime.date(1936, 6, 6),
        ["K5C"],
        full_name="Đặng Văn Sáu",
        id_number="046036005599",
        sex="M",
    )
    verify_population_nightly()
    stop = ChangeRecord.objects.get(beneficiary=alone)
    assert stop.funeral_payee_name == ""
    client.force_login(officers["commune"])
    page = client.get(reverse("beneficiaries:change_detail", args=[stop.pk])).content.decode()
    assert 'name="funeral_payee_name"' in page
    url = reverse("beneficiaries:change_submit", args=[stop.pk])
    refused = client.post(url, {"funeral_payee_name": " "}, follow=True)
    assert "Nhập họ và tên người nhận hỗ trợ mai táng." in refused.content.decode()
    assert ChangeRecord.objects.get(pk=stop.pk).status == "proposed"
    bad_id = client.post(
        url, {"funeral_payee_name": "Đặng Thị Bảy", "funeral_payee_id_number": "12"}
    )
    assert bad_id.status_code == 302 and ChangeRecord.objects.get(pk=stop.pk).status == "proposed"
    client.post(
        url,
        {
            "funeral_payee_name": "Đặng  Thị Bảy",
            "funeral_payee_id_number": "046180001234",
            "funeral_payee_relationship": "con gái",
        },
    )
    stop.refresh_from_db()
    assert stop.status == "submitted" and stop.funeral_payee_name == "Đặng Thị Bảy"
    assert stop.maker == officers["commune"]


def test_a_failed_check_is_logged_with_the_person_and_never_the_id_number(
    population, people, caplog, django_capture_on_commit_callbacks
):
    call(f"{population}/__mock__/config", {"population": {"outage": True}})
    with (
        caplog.at_level("INFO", logger="beneficiaries.population"),
        django_capture_on_commit_callbacks(),
    ):
        assert registration_check(people["renamed"]) == "queued"
    unavailable = [r for r in caplog.records if r.msg == "population service unavailable"]
    assert len(unavailable) == 1 and unavailable[0].levelname == "WARNING"
    assert unavailable[0].people == 1
    queued = [r for r in caplog.records if r.msg == "population check queued"]
    assert [r.beneficiary_id for r in queued] == [people["renamed"].pk]
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert people["renamed"].id_number not in logged


def test_the_checker_sees_the_warning_the_maker_saw(population, officers, client, hue_units):
    """The district officer approving a registration sees the population database's warning
    that the commune officer saw when registering (issue 17: the same warnings)."""
    client.force_login(officers["commune"])
    today = timezone.localdate()
    response = client.post(
        reverse("beneficiaries:register"),
        {
            "full_name": "Phan Thị Lụa",
            "date_of_birth": "1938-04-12",
            "sex": "F",
            "ethnicity": "Kinh",
            "id_number": "046138004597",  # the mock database does not know it
            "commune": hue_units["commune"].pk,
            "categories": ["K5C"],
            "decision_number": "123/QĐ-UBND",
            "decision_date": today.replace(day=1).isoformat(),
            "start_month": today.strftime("%Y-%m"),
        },
        follow=True,
    )
    maker_saw = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert maker_saw == ["CSDL quốc gia về dân cư không có số định danh này."]
    change = ChangeRecord.objects.get(beneficiary__id_number="046138004597")
    client.force_login(officers["district"])
    page = client.get(reverse("beneficiaries:change_detail", args=[change.pk])).content.decode()
    assert "data-warnings" in page
    assert f'data-warning-level="warning">{maker_saw[0]}</li>' in page
