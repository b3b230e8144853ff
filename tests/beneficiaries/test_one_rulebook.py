"""One rulebook, every door (issue 17): the same bad value is refused with the same code by the
registration service, the registration page, a change, the import and the one-stop portal."""

import csv
import datetime
import io
import json

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.portal import ApplicationRefused, application_receive
from api.services import api_token_create
from beneficiaries import rules
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.changes import change_record_create
from beneficiaries.services.checks import registration_errors
from beneficiaries.services.import_file import COLUMNS
from beneficiaries.services.importing import beneficiaries_import
from beneficiaries.services.inputs import ChangeInput, RecipientInput, RegistrationInput
from beneficiaries.services.registration import beneficiary_register
from beneficiaries.validation import normalize_id_number
from core.errors import all_codes
from tests.api.conftest import auth
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory, id_number_for

pytestmark = pytest.mark.django_db


def years_ago(today: datetime.date, years: int) -> datetime.date:
    return today.replace(year=today.year - years, day=1)


def case_values(case: str, today: datetime.date) -> dict:
    """The person, category and recipient of each finding, relative to today."""
    elderly = years_ago(today, 88)
    values = {
        "date_of_birth": elderly,
        "id_number": id_number_for(elderly, "F", 4512),
        "category": "K5C",
        "recipient_id_number": id_number_for(years_ago(today, 45), "M", 1234),
    }
    if case == "guardian_aged_16":
        values["recipient_id_number"] = id_number_for(years_ago(today, 16), "M", 1234)
    elif case == "guardian_with_the_beneficiarys_id":
        values["recipient_id_number"] = values["id_number"]
    elif case == "province_code_999":
        values["recipient_id_number"] = "999" + values["recipient_id_number"][3:]
    elif case == "k1_at_64":
        values["date_of_birth"] = years_ago(today, 64)
        values["id_number"] = id_number_for(values["date_of_birth"], "F", 4512)
        values["category"] = "K1"
    return values


CASES = {
    "guardian_aged_16": Code.NOT_ADULT,
    "guardian_with_the_beneficiarys_id": Code.SAME_PERSON_AS_BENEFICIARY,
    "province_code_999": Code.ID_NUMBER_PROVINCE,
    "k1_at_64": Code.CATEGORY_AGE,
}


def via_service(v, today, officers, hue_units, client) -> set[str]:
    return all_codes(service_refusal(v, today, officers, hue_units))


def service_refusal(v, today, officers, hue_units):
    month = today.replace(day=1)
    data = RegistrationInput(
        full_name="Lê Thị Xuân",
        date_of_birth=v["date_of_birth"],
        sex="F",
        commune=hue_units["commune"],
        categories=(v["category"],),
        decision_number="7/QĐ-UBND",
        decision_date=month,
        start_month=month,
        id_number=v["id_number"],
        recipient=RecipientInput(
            kind="guardian",
            full_name="Lê Văn Tư",
            id_number=v["recipient_id_number"],
            relationship="Con trai",
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        beneficiary_register(data=data, maker=officers["commune"], today=today)
    return excinfo.value


def via_page(v, today, officers, hue_units, client) -> set[str]:
    client.force_login(officers["commune"])
    month = today.replace(day=1)
    response = client.post(
        reverse("beneficiaries:register"),
        {
            "full_name": "Lê Thị Xuân",
            "date_of_birth": v["date_of_birth"].strftime("%d/%m/%Y"),
            "sex": "F",
            "ethnicity": "Kinh",
            "id_number": v["id_number"],
            "commune": hue_units["commune"].pk,
            "categories": [v["category"]],
            "decision_number": "7/QĐ-UBND",
            "decision_date": month.strftime("%d/%m/%Y"),
            "start_month": month.strftime("%Y-%m"),
            "recipient_kind": "guardian",
            "recipient_full_name": "Lê Văn Tư",
            "recipient_id_number": v["recipient_id_number"],
            "recipient_relationship": "Con trai",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    return {e.code for problems in errors.values() for e in problems}


def via_change(v, today, officers, hue_units, client) -> set[str]:
    person = BeneficiaryFactory(
        commune=hue_units["commune"],
        date_of_birth=v["date_of_birth"],
        sex="F",
        id_number=v["id_number"],
        start_month=years_ago(today, 1),
    )
    BeneficiaryCategoryFactory(beneficiary=person, start_month=years_ago(today, 1))
    month = today.replace(day=1)
    if v["category"] == "K1":
        data = ChangeInput(
            kind="change_category",
            reason="new_decision",
            effective_month=month,
            new_category="K1",
            decision_number="8/QĐ-UBND",
            decision_date=month,
        )
    else:
        data = ChangeInput(
            kind="set_recipient",
            reason="new_decision",
            effective_month=month,
            recipient=RecipientInput(
                kind="guardian",
                full_name="Lê Văn Tư",
                id_number=v["recipient_id_number"],
                relationship="Con trai",
            ),
        )
    with pytest.raises(ValidationError) as excinfo:
        change_record_create(beneficiary=person, data=data, maker=officers["commune"], today=today)
    return all_codes(excinfo.value)


def via_import(v, today, officers, hue_units, client, *, initial_load=False) -> set[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        full_name="Lê Thị Xuân",
        date_of_birth=v["date_of_birth"].isoformat(),
        gender="F",
        ethnicity="Kinh",
        id_number=v["id_number"],
        commune_code=hue_units["commune"].code,
        category=v["category"],
        decision_number="7/QĐ-UBND",
        decision_date=today.replace(day=1).isoformat(),
        start_month=today.strftime("%Y-%m"),
        recipient_full_name="Lê Văn Tư",
        recipient_id_number=v["recipient_id_number"],
        recipient_relationship="Con trai",
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    result = beneficiaries_import(
        name="ho_so.csv",
        content=out.getvalue().encode(),
        user=officers["admin"] if initial_load else officers["commune"],
        initial_load=initial_load,
        dry_run=True,
        today=today,
    )
    return {str(e.code) for e in result.errors}


def via_initial_load(v, today, officers, hue_units, client) -> set[str]:
    return via_import(v, today, officers, hue_units, client, initial_load=True)


def portal_application(v, today, hue_units) -> dict:
    return {
        "dossier_id": "HS-2026-000777",
        "received_on": today.isoformat(),
        "commune": hue_units["commune"].code,
        "applicant": {
            "full_name": "Lê Thị Xuân",
            "date_of_birth": v["date_of_birth"].isoformat(),
            "sex": "F",
            "id_number": v["id_number"],
        },
        "category": v["category"],
        "start_month": today.replace(day=1).isoformat(),
        "recipient": {
            "kind": "guardian",
            "full_name": "Lê Văn Tư",
            "id_number": v["recipient_id_number"],
            "relationship": "Con trai",
        },
    }


def via_portal(v, today, officers, hue_units, client) -> set[str]:
    data = portal_application(v, today, hue_units)
    data["received_on"] = today
    data["start_month"] = today.replace(day=1)
    data["applicant"]["date_of_birth"] = v["date_of_birth"]
    with pytest.raises(ApplicationRefused) as excinfo:
        application_receive(data=data, sent_by=officers["district"])

    def flat(codes):
        if isinstance(codes, dict):
            return {c for inner in codes.values() for c in flat(inner)}
        return {str(c) for c in codes}

    return flat(excinfo.value.codes)


PATHS = {
    "registration_service": via_service,
    "registration_page": via_page,
    "change": via_change,
    "import": via_import,
    "initial_load": via_initial_load,
    "portal": via_portal,
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES)
def test_the_same_bad_value_gets_the_same_code_on_every_door(
    case, path, officers, hue_units, client
):
    today = timezone.localdate()
    v = case_values(case, today)
    codes = PATHS[path](v, today, officers, hue_units, client)
    assert str(CASES[case]) in codes, (case, path, codes)
    assert not ChangeRecord.objects.exists()
    if path != "change":
        assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("case", CASES)
def test_the_portal_api_refuses_it_with_the_rulebooks_message(case, officers, hue_units, client):
    _token, key = api_token_create(
        name="Cổng một cửa",
        unit=hue_units["district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    today = timezone.localdate()
    v = case_values(case, today)
    response = client.post(
        "/api/v1/portal/applications/",
        json.dumps(portal_application(v, today, hue_units)),
        content_type="application/json",
        **auth(key),
    )
    assert response.status_code == 400
    body = json.dumps(response.json(), ensure_ascii=False)
    refusal = service_refusal(v, today, officers, hue_units)
    messages = [
        message
        for problems in refusal.error_dict.values()
        for problem in problems
        if problem.code == CASES[case]
        for message in problem.messages
    ]
    assert messages and all(message in body for message in messages), (body, messages)
    assert not ChangeRecord.objects.exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=st.text(max_size=16))
@example(number="\x00")  # PostgreSQL refuses a NUL in a statement: it must not reach one
def test_any_recipient_id_number_gets_coded_refusals_never_an_exception(
    number, officers, hue_units
):
    today = timezone.localdate()
    v = case_values("guardian_aged_16", today)
    month = today.replace(day=1)
    data = RegistrationInput(
        full_name="Lê Thị Xuân",
        date_of_birth=v["date_of_birth"],
        sex="F",
        commune=hue_units["commune"],
        categories=("K5C",),
        decision_number="7/QĐ-UBND",
        decision_date=month,
        start_month=month,
        id_number=v["id_number"],
        recipient=RecipientInput(
            kind="guardian",
            full_name="Lê Văn Tư",
            id_number=normalize_id_number(number),
            relationship="Con trai",
        ),
    )
    errors = registration_errors(data=data, today=today, user=officers["commune"])
    found = {e.code for problems in errors.by_field.values() for e in problems}
    assert found <= {str(code) for code in Code}
    assert set(errors.by_field) <= {"recipient_id_number"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(age=st.integers(16, 110), category=st.sampled_from(["K1", "K3", "K7"]))
def test_a_child_category_for_anyone_16_or_older_is_always_category_age(age, category, hue_units):
    month = timezone.localdate().replace(day=1)
    born = years_ago(month, age)
    errors = rules.category_age_errors(
        tables=load_policy_tables(),
        categories=[category],
        date_of_birth=born,
        month=month,
        disability_level="",
        dependent_children=None,
        age_rule=django_settings.TROCAP_AGE_RULE,
    )
    assert [e.code for e in errors] == [Code.CATEGORY_AGE]
