"""The portal and the API cannot be made to fail (issue 17): a dossier id of another unit is a
409 that names nothing, dates the system cannot compute with are field errors, a body nested
too deep or too large is refused with a code, and four copies of one application sent at the
same moment give one registration, one 201 and three 200s with the same body."""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from api import portal as portal_module
from api.errors import ApiErrorCode
from api.models import PortalApplication
from api.services import api_token_create
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord
from tests.api.conftest import auth
from tests.api.test_portal import URL, application, post


def codes(data) -> dict:
    """DRF's field errors as {field: [codes]} (nested as sent)."""
    if isinstance(data, dict):
        return {name: codes(value) for name, value in data.items()}
    return [str(error.code) for error in data]


@pytest.fixture
def other_district_key(officers, hue_units):
    _token, key = api_token_create(
        name="Cổng huyện khác",
        unit=hue_units["other_district"],
        role="district_officer",
        created_by=officers["admin"],
    )
    return key


@pytest.mark.django_db
def test_a_dossier_id_of_another_unit_is_a_409_that_names_nothing(
    client, tokens, hue_units, other_district_key
):
    first = post(client, tokens["district"], application(hue_units["commune"].code))
    assert first.status_code == 201
    theirs = application(
        hue_units["far_commune"].code,
        applicant={
            "full_name": "Trần Văn Bình",
            "date_of_birth": "1938-01-01",
            "sex": "M",
            "id_number": "046038001111",
        },
    )
    response = post(client, other_district_key, theirs)
    assert response.status_code == 409
    assert response.json() == {
        "code": ApiErrorCode.PORTAL_DOSSIER_TAKEN,
        "detail": response.json()["detail"],
    }
    text = response.content.decode()
    for secret in ("Xuân", hue_units["commune"].code, hue_units["commune"].name, "046138004512"):
        assert secret not in text
    assert Beneficiary.objects.count() == 1 and PortalApplication.objects.count() == 1
    # The same sender again: its first application, as it was.
    again = post(client, tokens["district"], application(hue_units["commune"].code))
    assert (again.status_code, again.json()) == (200, first.json())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("received_on", "9999-12-31"),
        ("received_on", "0001-01-01"),
        ("start_month", "9999-12-31"),
        ("start_month", "0001-01-01"),
        ("applicant.date_of_birth", "9999-12-31"),
        ("applicant.date_of_birth", "0001-01-01"),
    ],
)
def test_a_date_the_system_cannot_compute_with_is_a_field_error(
    client, tokens, hue_units, field, value
):
    data = application(hue_units["commune"].code)
    node, name = (data["applicant"], "date_of_birth") if "." in field else (data, field)
    node[name] = value
    response = post(client, tokens["district"], data)
    assert response.status_code == 400
    found = codes(response.data)
    if "." in field:
        found = found["applicant"]
    assert found[name] == [ApiErrorCode.PORTAL_DATE_OUT_OF_RANGE]
    assert not Beneficiary.objects.exists() and not ChangeRecord.objects.exists()


@pytest.mark.django_db
def test_a_future_receipt_or_a_start_years_away_gets_the_registration_rules_codes(
    client, tokens, hue_units
):
    data = application(hue_units["commune"].code, received_on="2030-01-15")
    response = post(client, tokens["district"], data)
    assert response.status_code == 400
    assert codes(response.data)["received_on"] == [Code.DECISION_DATE_FUTURE]
    data = application(hue_units["commune"].code, start_month="2199-12-01")
    response = post(client, tokens["district"], data)
    assert response.status_code == 400
    assert codes(response.data)["start_month"] == [Code.START_MONTH_OUT_OF_RANGE]
    assert not Beneficiary.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"[" * 100_000, 400, ApiErrorCode.BODY_MALFORMED),
        (b"[" * 50 + b"]" * 50, 400, ApiErrorCode.BODY_MALFORMED),
        (b'{"dossier_id": "HS-1", ', 400, ApiErrorCode.BODY_MALFORMED),
        (b"\xff\xfe{}", 400, ApiErrorCode.BODY_MALFORMED),
        (b'{"a": NaN}', 400, ApiErrorCode.BODY_MALFORMED),
        (b" " * (1024 * 1024 + 1), 413, ApiErrorCode.BODY_TOO_LARGE),
    ],
    ids=["brackets", "deep", "cut", "not-utf8", "nan", "too-large"],
)
def test_a_body_the_api_cannot_read_is_refused_with_a_code(client, tokens, body, status, code):
    response = client.post(URL, body, content_type="application/json", **auth(tokens["district"]))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not PortalApplication.objects.exists()


@pytest.mark.django_db
def test_query_parameters_out_of_their_choices_are_coded_400s(client, tokens):
    for path in (
        "/api/v1/beneficiaries/?status=zz",
        "/api/v1/changes/?kind=zz",
        "/api/v1/payment-periods/?month=9999-99",
        "/api/v1/coverage/?month=0000-01",
    ):
        response = client.get(path, **auth(tokens["district"]))
        assert response.status_code == 400, path
        (name,) = response.data
        assert [e.code for e in response.data[name]] == [ApiErrorCode.QUERY_INVALID], path


def _post_live(url: str, key: str, data: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_copies_sent_at_once_give_one_registration_one_201_and_the_same_200s(
    live_server, tokens, hue_units, monkeypatch
):
    # Stage the race that gave three 400s: every copy looks for the dossier before the first
    # commits, and the later copies reach the duplicate-ID check after it has. (With the
    # dossier looked up under its lock, only the first copy ever gets here.)
    real_register = portal_module.beneficiary_register
    calls, calls_lock = [], threading.Lock()

    def staggered_register(**kwargs):
        with calls_lock:
            calls.append(1)
            n = len(calls)
        time.sleep(0.4 * (n - 1))
        return real_register(**kwargs)

    monkeypatch.setattr(portal_module, "beneficiary_register", staggered_register)
    data = application(hue_units["commune"].code)
    barrier = threading.Barrier(4)
    answers: list = [None] * 4

    def send(i: int) -> None:
        barrier.wait()
        answers[i] = _post_live(live_server.url + URL, tokens["district"], data)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200, 200, 200, 201], answers
    created = next(body for status, body in answers if status == 201)
    assert all(body == created for _status, body in answers)
    assert Beneficiary.objects.count() == 1
    assert ChangeRecord.objects.count() == 1 and PortalApplication.objects.count() == 1
    assert len(calls) == 1  # the repeats never reached the registration's checks
