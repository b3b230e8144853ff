import datetime

import pytest

from api.services import api_token_create
from beneficiaries.models import ChangeRecord
from payments.services import payment_period_open
from reports.coverage import coverage_refresh
from tests.payments.test_generate import generate, person

DEC = datetime.date(2026, 12, 1)


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def tokens(officers, hue_units):
    """A key for each officer role, on the same units as `officers`."""
    keys = {}
    for name, role in (
        ("commune", "commune_officer"),
        ("district", "district_officer"),
        ("province", "province_officer"),
    ):
        _token, keys[name] = api_token_create(
            name=f"Hệ thống {name}", unit=hue_units[name], role=role, created_by=officers["admin"]
        )
    return keys


@pytest.fixture
def area(hue_units):
    """People in the commune, its neighbour and a commune of another district; a change each;
    December's lists of both districts, and coverage snapshots."""
    people = {
        key: person(hue_units[key], datetime.date(1940, 1, 1), ["K5C"])
        for key in ("commune", "neighbour", "far_commune")
    }
    changes = {
        key: ChangeRecord.objects.create(
            beneficiary=b,
            commune=b.commune,
            kind="stop",
            reason="moved_away",
            effective_month=DEC,
            status="submitted",
            source="portal" if key == "commune" else "officer",
            source_reference="HS-0001" if key == "commune" else "",
        )
        for key, b in people.items()
    }
    periods = {
        "district": generate(hue_units["district"], DEC),
        "other_district": generate(hue_units["other_district"], DEC),
    }
    payment_period_open(unit=hue_units["district"], month=datetime.date(2027, 1, 1))  # no lines
    coverage_refresh(month=DEC, register=True)
    return {"people": people, "changes": changes, "periods": periods}
