"""The API fuzzed with schemathesis against its own schema: generated calls of every operation,
for a commune officer's token (the narrowest scope, with people, changes and lists next door)
and a district officer's (with another district's beside it). No call may answer 5xx, every
answer must match the schema, and nothing outside the caller's area (for a commune, its commune
and the district that closes its list) may appear in any answer."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from config.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(tokens, area):
    # Called through the WSGI application itself, in the test's transaction: like Django's
    # test client, keep the request signals from closing the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json",
            application,
            headers={"Authorization": f"Token {tokens['commune']}"},
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def codes_in(value, key: str) -> set[str]:
    """Every value of `key` anywhere in a JSON answer."""
    found = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                found.add(v)
            found |= codes_in(v, key)
    elif isinstance(value, list):
        for item in value:
            found |= codes_in(item, key)
    return found


@pytest.mark.parametrize("who", ["commune", "district"])
def test_no_server_error_no_schema_violation_no_scope_leak(api_schema, tokens, hue_units, who):
    headers = {"Authorization": f"Token {tokens[who]}"}
    district = hue_units["district"]
    if who == "commune":
        allowed_communes = {hue_units["commune"].code}
    else:
        allowed_communes = set(district.children.values_list("code", flat=True))
    allowed_units = allowed_communes | {district.code}
    labels = []

    def check(case) -> None:
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )
        if response.status_code == 200:
            body = response.json()
            assert codes_in(body, "commune") <= allowed_communes, case.path
            # A period is the district's (it closes the commune's list); coverage the commune's.
            assert codes_in(body, "unit") <= allowed_units, case.path

    # One hypothesis run per operation (schemathesis' pytest plugin does the same).
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        given(case=operation.as_strategy())(
            settings(
                max_examples=40,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )(lambda case: check(case))  # a new function each time: one settings each
        )()
    assert "GET /api/v1/beneficiaries/{id}/" in labels and len(labels) >= 8
