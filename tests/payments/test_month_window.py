"""Months have a window (issue 16): a list is opened, generated, closed and sent only for a month
from TROCAP_MONTH_WINDOW_BEFORE months before this month to TROCAP_MONTH_WINDOW_AFTER after
(default: last month to next month), never before go-live nor before the unit's first closed
list; on every door: the page, the commands, beat and the API's month parameter.

The suite runs with a wide window (config/settings/test.py); these tests set the default back."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Category
from core.errors import AppError
from core.months import add_months, month_label
from payments.dispatch import payment_list_submit
from payments.errors import PaymentErrorCode
from payments.models import PaymentList, PaymentPeriod, PeriodStatus
from payments.services import (
    payment_list_close,
    payment_list_generate,
    payment_list_generate_async,
    payment_period_open,
)
from payments.tasks import generate_payment_list
from tests.api.conftest import auth, tokens  # noqa: F401 - the fixture
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory
from tests.helpers import confirmed_post

pytestmark = pytest.mark.django_db

# The months of the issue: each was opened (or answered 500) before.
ABSURD = ["2031-01", "2030-06", "1900-01", "9999-12", "0001-01", "10000-01", "0000-01"]


@pytest.fixture(autouse=True)
def default_window(settings):
    settings.TROCAP_MONTH_WINDOW_BEFORE = 1
    settings.TROCAP_MONTH_WINDOW_AFTER = 1
    settings.TROCAP_GO_LIVE_MONTH = ""
    return settings


@pytest.fixture
def k5c(hue_units):
    b = BeneficiaryFactory(commune=hue_units["commune"], date_of_birth=datetime.date(1940, 1, 1))
    BeneficiaryCategoryFactory(beneficiary=b, category=Category.objects.get(code="K5C"))
    return b


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def codes(exc_info) -> str:
    return str(exc_info.value.code)


def out_of_window_period(unit, month=datetime.date(2031, 1, 1)) -> PaymentPeriod:
    """A period opened before the window existed (as the 01/2031 of the issue)."""
    period = PaymentPeriod.objects.create(unit=unit, month=month, deadline=month)
    PaymentList.objects.create(period=period)
    return period


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("month", ABSURD)
def test_the_page_refuses_to_open_a_month_outside_the_window(
    client, officers, k5c, eager_celery, django_capture_on_commit_callbacks, month
):
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:open"), {"month": month}, follow=True)
    assert response.status_code == 200
    assert not PaymentPeriod.objects.exists()
    first, last = add_months(this_month(), -1), add_months(this_month(), 1)
    html = response.content.decode()
    assert month_label(first) in html and month_label(last) in html  # says which months may be


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_page_opens_last_this_and_next_month(
    client, officers, k5c, eager_celery, django_capture_on_commit_callbacks, offset
):
    client.force_login(officers["district"])
    month = add_months(this_month(), offset)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:open"), {"month": f"{month:%Y-%m}"})
    period = PaymentPeriod.objects.get()
    assert response["Location"] == reverse("payments:review", args=[period.pk])
    assert period.month == month and period.status == PeriodStatus.GENERATED


def test_the_page_offers_only_the_months_of_the_window(client, officers):
    client.force_login(officers["district"])
    html = client.get(reverse("payments:list")).content.decode()
    assert f'min="{add_months(this_month(), -1):%Y-%m}"' in html
    assert f'max="{add_months(this_month(), 1):%Y-%m}"' in html


def test_generate_close_and_send_refuse_a_period_outside_the_window(
    client, officers, k5c, hue_units, eager_celery, django_capture_on_commit_callbacks
):
    period = out_of_window_period(hue_units["district"])
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:generate", args=[period.pk]), follow=True)
    assert "01/2031" in response.content.decode()
    period.payment_list.refresh_from_db()
    assert period.payment_list.task_id == "" or period.payment_list.task_id is None
    assert period.payment_list.generated_at is None
    # Generated and closed before the window existed: it still cannot be closed nor sent.
    PaymentPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.GENERATED)
    PaymentList.objects.filter(period=period).update(generated_at=timezone.now())
    response = confirmed_post(client, reverse("payments:close", args=[period.pk]), follow=True)
    assert "01/2031" in response.content.decode()
    assert PaymentPeriod.objects.get(pk=period.pk).status == PeriodStatus.GENERATED
    PaymentPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
    response = confirmed_post(client, reverse("payments:submit", args=[period.pk]), follow=True)
    assert "01/2031" in response.content.decode()
    assert PaymentPeriod.objects.get(pk=period.pk).status == PeriodStatus.CLOSED


# --- The services: the codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "month",
    [
        datetime.date(2031, 1, 1),
        datetime.date(2030, 6, 1),
        datetime.date(1900, 1, 1),
        datetime.date(9999, 12, 1),
        datetime.date(1, 1, 1),
    ],
)
def test_opening_a_month_outside_the_window_is_a_coded_refusal(hue_units, month):
    with pytest.raises(AppError) as exc:
        payment_period_open(unit=hue_units["district"], month=month)
    assert codes(exc) == PaymentErrorCode.MONTH_OUT_OF_WINDOW
    assert "01/1900" not in str(exc.value) or month.year == 1900
    assert not PaymentPeriod.objects.exists()


def test_every_service_refuses_a_period_outside_the_window(officers, k5c, hue_units):
    period = out_of_window_period(hue_units["district"], datetime.date(9999, 12, 1))
    assert generate_payment_list(period.pk)["error"]  # the worker's task, queued before
    period.payment_list.refresh_from_db()
    assert "12/9999" in period.payment_list.generation_error
    for call in (
        lambda: payment_list_generate_async(period=period, user=officers["district"]),
        lambda: payment_list_close(period=period, closed_by=officers["district"]),
        lambda: payment_list_submit(period=period, user=officers["district"]),
    ):
        with pytest.raises(AppError) as exc:
            call()
        assert codes(exc) == PaymentErrorCode.MONTH_OUT_OF_WINDOW
    period.payment_list.refresh_from_db()
    assert not period.payment_list.task_id  # nothing queued: it cannot stay "generating"
    assert period.payment_list.generated_at is None


def test_no_month_before_go_live(default_window, hue_units):
    default_window.TROCAP_GO_LIVE_MONTH = f"{this_month():%Y-%m}"
    with pytest.raises(AppError) as exc:
        payment_period_open(unit=hue_units["district"], month=add_months(this_month(), -1))
    assert codes(exc) == PaymentErrorCode.MONTH_BEFORE_GO_LIVE
    assert month_label(this_month()) in str(exc.value)
    assert payment_period_open(unit=hue_units["district"], month=this_month())


def test_no_month_before_the_units_first_closed_list(officers, k5c, hue_units):
    district = hue_units["district"]
    period = payment_period_open(unit=district, month=this_month())
    payment_list_generate(period=period)
    payment_list_close(period=period, closed_by=officers["district"])
    with pytest.raises(AppError) as exc:
        payment_period_open(unit=district, month=add_months(this_month(), -1))
    assert codes(exc) == PaymentErrorCode.MONTH_BEFORE_FIRST_LIST
    # Another district has closed nothing: last month is open to it.
    assert payment_period_open(unit=hue_units["other_district"], month=add_months(this_month(), -1))
    assert payment_period_open(unit=district, month=add_months(this_month(), 1))


# --- The commands ------------------------------------------------------------------------------


def run(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("month", ABSURD)
def test_generate_payment_list_refuses_a_month_outside_the_window(k5c, hue_units, month):
    with pytest.raises(CommandError):
        run("generate_payment_list", "--unit", hue_units["district"].code, "--month", month)
    assert not PaymentPeriod.objects.exists()


def test_the_command_says_which_months_are_allowed(k5c, hue_units):
    with pytest.raises(CommandError) as exc:
        run("generate_payment_list", "--unit", hue_units["district"].code, "--month", "2031-01")
    assert month_label(add_months(this_month(), 1)) in str(exc.value)
    run(
        "generate_payment_list",
        "--unit",
        hue_units["district"].code,
        "--month",
        f"{this_month():%Y-%m}",
    )
    assert PaymentPeriod.objects.get().month == this_month()


@pytest.mark.parametrize("month", ["2031-01", "0001-01", "9999-12", "10000-01"])
def test_submit_and_export_commands_refuse_or_never_crash(k5c, hue_units, tmp_path, month):
    period = out_of_window_period(hue_units["district"])
    PaymentPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
    code = hue_units["district"].code
    with pytest.raises(CommandError):
        run("submit_payment_list", "--unit", code, "--month", month)
    assert PaymentPeriod.objects.get(pk=period.pk).status == PeriodStatus.CLOSED
    with pytest.raises(CommandError):
        run(
            "export_payment_list",
            *("--unit", code, "--month", month, "--format", "csv"),
            *("--output", str(tmp_path / "x.csv")),
        )


# --- Beat --------------------------------------------------------------------------------------


def test_beat_opens_nothing_when_next_month_is_outside_the_window(default_window, k5c):
    from payments.tasks import open_next_periods

    default_window.TROCAP_MONTH_WINDOW_AFTER = 0
    assert open_next_periods() == 0
    assert not PaymentPeriod.objects.exists()


# --- Month parameters never answer 500 ---------------------------------------------------------


@pytest.mark.parametrize("month", ["0001-01", "0000-01", "10000-01", "9999-12"])
def test_month_parameters_never_answer_500(client, officers, tokens, month):  # noqa: F811
    client.force_login(officers["province"])
    assert client.get(reverse("reports:dashboard"), {"month": month}).status_code == 200
    response = client.get("/api/v1/coverage/", {"month": month}, **auth(tokens["province"]))
    assert response.status_code == 400
    response = client.get("/api/v1/payment-periods/", {"month": month}, **auth(tokens["district"]))
    assert response.status_code == 400


# --- The demo's history ------------------------------------------------------------------------


def test_the_demo_plans_its_year_of_history_and_the_window_holds_again_after(hue_units):
    from demo.history import history_plan

    created = history_plan(province=hue_units["province"], months=12, as_of=this_month())
    assert created == 12 * 9  # Huế's nine districts
    with pytest.raises(AppError) as exc:
        payment_period_open(unit=hue_units["district"], month=add_months(this_month(), -13))
    assert codes(exc) == PaymentErrorCode.MONTH_OUT_OF_WINDOW
