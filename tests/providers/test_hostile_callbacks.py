"""Hostile callbacks (issue 17): Hypothesis posts to the inbox any bytes, unsigned or signed
with our secret, and signed item lists whose fields hold anything. No answer is a 500; an
unsigned body is never kept past its excerpt; a signed one is stored and answered 200/202, or
refused with a 400."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers import services
from providers.models import CallbackEvent
from tests.providers import test_callbacks
from tests.providers.test_callbacks import SECRET

pytestmark = pytest.mark.django_db
lines = test_callbacks.lines  # the same fixture: two lines in an acknowledged batch
HOSTILE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
URLS = {code: reverse("providers:callback", args=[code]) for code in ("VIETTELPAY", "VNPOST")}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "paid",
            "failed",
            "unpaid",
            "pending",
            "at_point",
            "at_home",
            "9999-12-31T23:59:59+07:00",
            "0001-01-01T00:00:00+00:00",
            "2026-12-05T09:30:00",
            "\x00",
            "1e400",
            "-1",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


def signature(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def hostile_client(client, settings, lines):  # after `lines`, which sets VIETTELPAY too
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VNPOST": {
            "base_url": "http://127.0.0.1:9",
            "secret": SECRET,
            "timeout": 1.0,
            "unsigned_callbacks_per_minute": 10**6,
        },
        # Every refused one stored, so that each example's excerpt can be looked at.
        "VIETTELPAY": {
            **settings.TROCAP_PROVIDERS["VIETTELPAY"],
            "unsigned_callbacks_per_minute": 10**6,
        },
    }
    client.raise_request_exception = False
    return client


def post(client, code: str, body: bytes, *, signed: bool, content_type: str):
    headers = {"HTTP_X_SIGNATURE": signature(body)} if signed else {}
    return client.generic("POST", URLS[code], body, content_type=content_type, **headers)


def assert_answered(response, signed: bool) -> None:
    allowed = (200, 202, 400) if signed else (400,)
    assert response.status_code in allowed, response.status_code
    assert b"Traceback" not in response.content


def test_any_bytes_unsigned_or_signed_are_answered_and_never_kept_whole_unsigned(
    hostile_client, lines
):
    @HOSTILE
    @given(
        code=st.sampled_from(sorted(URLS)),
        body=st.one_of(
            st.binary(max_size=5000),
            st.builds(lambda n, c: c * n, st.integers(0, 150_000), st.sampled_from([b"[", b"{"])),
        ),
        signed=st.booleans(),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded"]
        ),
    )
    def check(code, body, signed, content_type):
        latest = CallbackEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = post(hostile_client, code, body, signed=signed, content_type=content_type)
        assert_answered(response, signed)
        event = CallbackEvent.objects.filter(pk__gt=latest).get()
        assert event.body_bytes == len(body)
        if not signed:
            assert event.signature_valid is False
            assert len(event.body.encode()) <= 3 * services.UNSIGNED_BODY_KEPT

    check()


def test_any_signed_item_list_is_applied_refused_or_kept_for_a_retry(hostile_client, lines):
    @HOSTILE
    @given(
        code=st.sampled_from(sorted(URLS)),
        items=st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "reference": st.one_of(
                        st.sampled_from([line.reference for line in lines]), json_values
                    ),
                    "status": json_values,
                    "failure_code": json_values,
                    "paid_at": json_values,
                    "amount": json_values,
                    "channel": json_values,
                },
            ),
            max_size=4,
        ),
    )
    def check(code, items):
        body = json.dumps({"items": items}).encode()
        response = post(hostile_client, code, body, signed=True, content_type="application/json")
        assert_answered(response, signed=True)

    check()
