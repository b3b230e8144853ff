"""Start and effective months are bounded (issue 16): a registration starts at most
TROCAP_BACKDATE_MONTHS (36, the arrears cap) before this month and at most next month; a change
takes effect in the same past and at most 12 months ahead; an initial load may start earlier
(an earlier system paid those months), never later than next month. On every door: the
service, the form, the import file and the portal's API.

The suite runs with a wide TROCAP_BACKDATE_MONTHS (config/settings/test.py); these tests set
the default back."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord
from beneficiaries.services.changes import change_record_create
from beneficiaries.services.inputs import ChangeInput
from beneficiaries.services.registration import beneficiary_register
from core.errors import all_codes
from core.months import add_months
from tests.beneficiaries.test_import import rows, write_csv
from tests.beneficiaries.test_registration import registration
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def default_bounds(settings):
    settings.TROCAP_BACKDATE_MONTHS = 36


def register(hue_units, officers, start_month, *, initial_load=False, decision_date=None):
    return beneficiary_register(
        data=registration(
            hue_units["commune"],
            start_month=start_month,
            decision_date=decision_date or min(start_month, TODAY),
            date_of_birth=datetime.date(1940, 2, 10),
            categories=("K5C",),
            id_number="046140004512",
            recipient=None,
            account=None,
        ),
        maker=officers["admin" if initial_load else "commune"],
        initial_load=initial_load,
        today=TODAY,
    )


@pytest.mark.parametrize(
    "start_month",
    [
        datetime.date(2001, 1, 1),
        datetime.date(2023, 10, 1),  # 37 months back
        datetime.date(2027, 1, 1),  # two months ahead
        datetime.date(2031, 1, 1),
        datetime.date(9999, 12, 1),
    ],
)
def test_a_start_month_outside_the_bounds_is_refused(officers, hue_units, start_month):
    with pytest.raises(Exception) as exc:
        register(hue_units, officers, start_month, decision_date=datetime.date(1999, 1, 1))
    assert Code.START_MONTH_OUT_OF_RANGE in all_codes(exc.value)
    message = " ".join(exc.value.message_dict["start_month"])
    assert "11/2023" in message and "12/2026" in message  # says which months are allowed
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("start_month", [datetime.date(2023, 11, 1), datetime.date(2026, 12, 1)])
def test_the_bounds_themselves_are_accepted(officers, hue_units, start_month):
    register(hue_units, officers, start_month)
    assert Beneficiary.objects.get().start_month == start_month


def test_an_initial_load_may_start_earlier_but_not_ahead(officers, hue_units):
    with pytest.raises(Exception) as exc:
        register(hue_units, officers, datetime.date(2031, 1, 1), initial_load=True)
    assert Code.START_MONTH_OUT_OF_RANGE in all_codes(exc.value)
    # A child an earlier system has paid since 01/2022 (58 months back) is migrated as such.
    early = datetime.date(2022, 1, 1)
    data = registration(
        hue_units["commune"], start_month=early, decision_date=datetime.date(2021, 12, 20)
    )
    with pytest.raises(Exception) as exc:
        beneficiary_register(data=data, maker=officers["commune"], today=TODAY)
    assert Code.START_MONTH_OUT_OF_RANGE in all_codes(exc.value)
    beneficiary_register(data=data, maker=officers["admin"], initial_load=True, today=TODAY)
    assert Beneficiary.objects.get().start_month == early


@pytest.fixture
def person(hue_units):
    b = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=datetime.date(1940, 3, 2),
        sex="F",
        start_month=datetime.date(1990, 1, 1),
    )
    BeneficiaryCategoryFactory(beneficiary=b)
    return b


@pytest.mark.parametrize(
    "month",
    [
        datetime.date(1900, 1, 1),
        datetime.date(2023, 10, 1),
        datetime.date(2027, 12, 1),  # 13 months ahead
        datetime.date(2031, 1, 1),
        datetime.date(9999, 12, 1),
    ],
)
def test_an_effective_month_outside_the_bounds_is_refused(officers, person, month):
    with pytest.raises(Exception) as exc:
        change_record_create(
            beneficiary=person,
            data=ChangeInput(kind="suspend", reason="other", effective_month=month),
            maker=officers["commune"],
            today=TODAY,
        )
    assert Code.EFFECTIVE_MONTH_OUT_OF_RANGE in all_codes(exc.value)
    assert "11/2023" in str(exc.value) and "11/2027" in str(exc.value)
    assert not ChangeRecord.objects.exists()


@pytest.mark.parametrize("month", [datetime.date(2023, 11, 1), datetime.date(2027, 11, 1)])
def test_an_effective_month_inside_the_bounds_is_accepted(officers, person, month):
    change = change_record_create(
        beneficiary=person,
        data=ChangeInput(kind="suspend", reason="other", effective_month=month),
        maker=officers["commune"],
        today=TODAY,
    )
    assert change.effective_month == month


def test_the_registration_form_refuses_a_start_month_years_ahead(client, officers, hue_units):
    client.force_login(officers["commune"])
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    response = client.post(
        reverse("beneficiaries:register"),
        {
            "full_name": "Hồ Thị Lài",
            "date_of_birth": "10/02/1940",
            "sex": "F",
            "ethnicity": "Kinh",
            "id_number": "046140004512",
            "commune": hue_units["commune"].pk,
            "categories": ["K5C"],
            "decision_number": "215/QĐ-UBND",
            "decision_date": "05/10/2026",
            "start_month": "2031-01",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="field-start_month"' in html
    assert f"{next_month:%m/%Y}" in html
    assert not Beneficiary.objects.exists()


def test_the_change_form_refuses_an_effective_month_years_ahead(client, officers, person):
    client.force_login(officers["commune"])
    response = client.post(
        reverse("beneficiaries:change_create", args=[person.pk, "suspend"]),
        {"reason": "other", "effective_month": "2031-01", "submit": "1"},
    )
    assert response.status_code == 200
    assert 'id="field-effective_month"' in response.content.decode()
    assert not ChangeRecord.objects.exists()


def test_the_import_names_the_row_with_a_start_month_years_ahead(tmp_path, officers, hue_units):
    data = rows(hue_units["commune"].code, 3)
    data[1]["start_month"] = "2031-01"
    path = tmp_path / "a.csv"
    write_csv(path, data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad rows of 3"):
        call_command("import_beneficiaries", str(path), "--as", "xa", stdout=err, stderr=err)
    assert "Dòng 3, cột «Tháng bắt đầu hưởng»:" in err.getvalue()
    assert not Beneficiary.objects.exists()


def test_the_portal_api_refuses_an_application_received_years_ago(client, hue_units, officers):
    from api.models import PortalApplication
    from api.services import api_token_create
    from tests.api.test_portal import application, post

    _token, key = api_token_create(
        name="Cổng DVC",
        unit=hue_units["district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    old = timezone.localdate().replace(day=1) - datetime.timedelta(days=365 * 4)
    response = post(
        client, key, application(hue_units["commune"].code, received_on=old.isoformat())
    )
    assert response.status_code == 400
    assert "start_month" in response.json()
    assert not PortalApplication.objects.exists() and not Beneficiary.objects.exists()


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "9999-12", "10000-01"])
def test_propose_age_changes_never_crashes_on_an_absurd_month(db, month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("propose_age_changes", "--month", month, stdout=io.StringIO())
