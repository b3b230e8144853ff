"""Hostile input at the API (issue 17): Hypothesis sends the portal applications with any field
replaced by any JSON value, bodies of any bytes, and every read endpoint any query string. No
answer is a 500 or carries a stack trace; a portal application is 201/200, or a 400/409 that
saved nothing."""

import datetime
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.models import PortalApplication
from beneficiaries.models import Beneficiary, ChangeRecord
from tests.api.conftest import auth
from tests.api.test_portal import URL, application

pytestmark = pytest.mark.django_db
HOSTILE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "9999-12-31",
            "0001-01-01",
            "2199-12-31",
            "1900-01-01",
            "2026-02-30",
            "31/12/9999",
            "10000-01-01",
            "０４６１３８００４５１２",
            "٠٤٦١٣٨٠٠٤٥١٢",
            "046138004512\u200b",
            "K5C",
            "K99",
            "extremely_severe",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "x" * 5000,
        ]
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    texts,
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
dates = st.one_of(
    st.sampled_from(
        ["9999-12-31", "0001-01-01", "2199-12-31", "2200-01-01", "1899-12-31", "2999-01-01"]
    ),
    st.dates().map(datetime.date.isoformat),
    st.datetimes().map(datetime.datetime.isoformat),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    values,
)
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), values)
choices = st.one_of(texts, values)
# Each field of an application, with what is hostile for it: values of its own type at the ends
# of their range (Hypothesis favours those), and anything at all.
FIELDS = {
    "dossier_id": choices,
    "received_on": dates,
    "commune": choices,
    "applicant": values,
    "category": choices,
    "disability_level": choices,
    "dependent_children": numbers,
    "start_month": dates,
    "recipient": values,
    "documents": values,
    "applicant.full_name": choices,
    "applicant.date_of_birth": dates,
    "applicant.sex": choices,
    "applicant.id_number": choices,
    "applicant.phone": choices,
    "applicant.address": choices,
    "recipient.kind": choices,
    "recipient.full_name": choices,
    "recipient.id_number": choices,
    "recipient.relationship": choices,
}


def state() -> tuple[int, int, int]:
    return (
        Beneficiary.objects.count(),
        ChangeRecord.objects.count(),
        PortalApplication.objects.count(),
    )


def no_stack_trace(response) -> None:
    text = response.content.decode("utf-8", errors="replace")
    assert "Traceback" not in text and 'File "' not in text


@pytest.fixture
def hostile_client(client):
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a crash
    return client


def _send_changed(client, key, commune_code, dossier, changes, *, recipient=False):
    """Post the valid application with `changes` ({"a.b": value}) made; assert the answer is
    taken (201/200) or refused (400/409) with nothing saved, and no stack trace."""
    sent = application(commune_code, dossier=dossier)
    if recipient:
        sent["recipient"] = {
            "kind": "authorized",
            "full_name": "Lê Văn Tâm",
            "id_number": "046085001234",
            "relationship": "Con",
        }
    for path, value in changes.items():
        node = sent
        *parents, name = path.split(".")
        for parent in parents:
            if not isinstance(node.get(parent), dict):
                node[parent] = {}
            node = node[parent]
        node[name] = value
    before = state()
    response = client.post(URL, json.dumps(sent), content_type="application/json", **auth(key))
    assert response.status_code in (200, 201, 400, 409), (response.status_code, sent)
    no_stack_trace(response)
    if response.status_code == 201:
        assert state() == tuple(n + 1 for n in before)
    else:
        assert state() == before, (response.status_code, sent)


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_any_value_of_one_portal_field_is_taken_or_refused_never_half_saved(
    hostile_client, tokens, hue_units, field
):
    serial = iter(range(10**6))

    @settings(HOSTILE, max_examples=15)
    @given(value=FIELDS[field], recipient=st.booleans())
    @example(value="9999-12-31", recipient=False)  # the finding of issue 17
    def check(value, recipient):
        dossier = f"HS-{field}-{next(serial)}"[:60]
        changes = {field: value}
        _send_changed(
            hostile_client,
            tokens["district"],
            hue_units["commune"].code,
            dossier,
            changes,
            recipient=recipient,
        )

    check()


def test_any_portal_application_is_taken_or_refused_never_half_saved(
    hostile_client, tokens, hue_units
):
    serial = iter(range(10**6))

    @settings(HOSTILE, max_examples=60)
    @given(data=st.data(), recipient=st.booleans())
    def check(data, recipient):
        names = data.draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=2, max_size=4))
        changes = {name: data.draw(FIELDS[name], label=name) for name in names}
        _send_changed(
            hostile_client,
            tokens["district"],
            hue_units["commune"].code,
            f"HS-H-{next(serial)}",
            changes,
            recipient=recipient,
        )

    check()


def test_any_body_to_the_portal_is_a_coded_refusal(hostile_client, tokens):
    @HOSTILE
    @given(
        body=st.one_of(
            st.binary(max_size=2000),
            st.builds(
                lambda n, c: c * n, st.integers(0, 200_000), st.sampled_from(["[", "{", '{"a":'])
            ),
        ),
        content_type=st.sampled_from(
            [
                "application/json",
                "application/json; charset=latin-1",
                "application/json; charset=bz2_codec",
                "text/plain",
            ]
        ),
    )
    def check(body, content_type):
        before = state()
        raw = body if isinstance(body, bytes) else body.encode()
        response = hostile_client.generic(  # bytes as they are, whatever the charset says
            "POST", URL, raw, content_type=content_type, **auth(tokens["district"])
        )
        assert response.status_code in (400, 413, 415), response.status_code
        no_stack_trace(response)
        assert state() == before

    check()


READS = [
    "/api/v1/beneficiaries/",
    "/api/v1/changes/",
    "/api/v1/payment-periods/",
    "/api/v1/coverage/",
    "/api/v1/portal/applications/HS-1/",
]
PARAMS = [
    "status",
    "commune",
    "kind",
    "source_reference",
    "month",
    "unit",
    "provider",
    "category",
    "page",
    "format",
    "ordering",
]


def test_any_query_string_on_any_read_is_an_answer_not_a_500(hostile_client, tokens, area):
    @HOSTILE
    @given(
        path=st.sampled_from(READS),
        params=st.dictionaries(st.sampled_from(PARAMS), texts, max_size=4),
        who=st.sampled_from(["commune", "district", "province"]),
    )
    def check(path, params, who):
        response = hostile_client.get(path, params, **auth(tokens[who]))
        assert response.status_code in (200, 400, 404), (response.status_code, path, params)
        no_stack_trace(response)

    check()


def test_any_id_in_a_read_address_is_an_answer_not_a_500(hostile_client, tokens, area):
    @HOSTILE
    @given(
        path=st.sampled_from(
            ["beneficiaries", "changes", "payment-periods", "portal/applications"]
        ),
        key=st.one_of(
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
                min_size=1,
                max_size=30,
            ),
        ),
    )
    def check(path, key):
        response = hostile_client.get(f"/api/v1/{path}/{key}/", **auth(tokens["district"]))
        assert response.status_code in (200, 400, 404), (response.status_code, path, key)
        no_stack_trace(response)

    check()


def test_a_month_param_at_the_ends_of_the_calendar(hostile_client, tokens, area):
    for month in ("0001-01", "9999-12", "2199-12", "1900-01", datetime.date.max.isoformat()):
        response = hostile_client.get(
            "/api/v1/coverage/", {"month": month}, **auth(tokens["district"])
        )
        assert response.status_code in (200, 400), month


def as_wsgi(value: str) -> str:
    """A header as a WSGI server hands it over: its UTF-8 bytes read as latin-1."""
    return value.encode("utf-8").decode("latin-1")


def test_any_authorization_header_is_a_401_or_an_answer(hostile_client, tokens):
    @HOSTILE
    @given(
        header=st.one_of(
            st.builds(lambda k: f"Token {k}", texts),
            st.builds(lambda k: f"Token {tokens['district'].split('.')[0]}{k}", texts),
            texts,
        ).map(as_wsgi)
    )
    def check(header):
        response = hostile_client.get("/api/v1/beneficiaries/", HTTP_AUTHORIZATION=header)
        assert response.status_code in (200, 401, 403), response.status_code
        no_stack_trace(response)

    check()
    for key in ("ab\x00.cd", f"{tokens['district']}\x00"):
        response = hostile_client.get("/api/v1/beneficiaries/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 401
