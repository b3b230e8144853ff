"""The callback inbox cannot be flooded (issue 17): a callback not signed with our secret keeps
only its first bytes with the hash and length of the whole, and is never written whole first;
each provider has a body limit (413, nothing stored) and a limit of refused callbacks stored a
minute (past it they are counted and logged, not stored); a signed body nested past Python's
decoder is a refused event and a 4xx, never a 500."""

import hashlib
import hmac
import json
import logging

import pytest
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Length
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers import services
from providers.models import CallbackEvent
from tests.core.test_metrics import scrape, value
from tests.providers import test_callbacks
from tests.providers.test_callbacks import SECRET, items, send

lines = test_callbacks.lines  # the same fixture: two paid lines in an acknowledged batch

pytestmark = pytest.mark.django_db
URL = reverse("providers:callback", args=["VIETTELPAY"])
MB = 1024 * 1024


def signed(body: bytes, secret: str = SECRET) -> dict:
    return {"HTTP_X_SIGNATURE": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def grew(before: str, after: str, outcome: str) -> float:
    labels = {"provider": "VIETTELPAY", "outcome": outcome}
    name = "trocap_callbacks_total"
    return value(after, name, **labels) - value(before, name, **labels)


def table_bytes() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('providers_callbackevent')")
        return cursor.fetchone()[0]


def test_ten_unsigned_megabyte_callbacks_keep_ten_excerpts_and_are_never_written_whole(
    client, lines
):
    before = table_bytes()
    body = b'{"items": [' + b"9" * (MB - 20) + b"]}"
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            response = client.post(URL, body, content_type="application/json")
            assert response.status_code == 400
    events = CallbackEvent.objects.all()
    assert events.count() == 10
    stored = events.aggregate(n=Sum(Length("body")))["n"]
    assert stored <= 10 * services.UNSIGNED_BODY_KEPT
    assert {(e.body_bytes, e.body_sha256, e.body_cut) for e in events} == {
        (len(body), hashlib.sha256(body).hexdigest(), True)
    }
    # No statement ever carried the whole body (written first, cut after, as before).
    assert max(len(q["sql"]) for q in queries.captured_queries) < 64 * 1024
    if connection.vendor == "postgresql":
        # 10 MB sent; the table (heap, toast, indexes) grew by a few pages.
        assert table_bytes() - before < 512 * 1024


def test_a_signed_body_nested_past_the_decoder_is_a_refused_event_and_a_400(client, lines, caplog):
    body = b"[" * 100_000
    before = scrape(client)
    with caplog.at_level(logging.INFO, logger="providers"):
        response = client.post(URL, body, content_type="application/json", **signed(body))
    after = scrape(client)
    assert response.status_code == 400
    event = CallbackEvent.objects.get()
    assert event.signature_valid is False and "MALFORMED" not in event.body
    assert len(event.body) <= services.SIGNED_UNREADABLE_BODY_KEPT
    assert (event.body_bytes, event.body_sha256) == (len(body), hashlib.sha256(body).hexdigest())
    refused = [r for r in caplog.records if r.getMessage() == "callback_refused"]
    assert [(r.event_id, r.code) for r in refused] == [(event.pk, "MALFORMED")]
    assert (grew(before, after, "received"), grew(before, after, "refused")) == (1, 1)


def test_a_body_over_the_providers_limit_is_a_413_and_nothing_is_stored(
    client, lines, settings, caplog
):
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {**settings.TROCAP_PROVIDERS["VIETTELPAY"], "callback_max_bytes": 4096},
    }
    before = scrape(client)
    with caplog.at_level(logging.INFO, logger="providers"):
        big = b" " * 4097
        assert client.post(URL, big, content_type="application/json").status_code == 413
        signed_big = b"{}" + b" " * 4095
        response = client.post(URL, signed_big, content_type="application/json", **signed(big))
        assert response.status_code == 413
    after = scrape(client)
    assert not CallbackEvent.objects.exists()
    assert grew(before, after, "dropped") == 2
    assert [r.code for r in caplog.records if r.getMessage() == "callback_dropped"] == [
        "TOO_LARGE",
        "TOO_LARGE",
    ]
    # Within it, the provider's callbacks go on.
    assert send(client, items(lines)).status_code == 200


def test_past_the_providers_refused_per_minute_they_are_counted_not_stored(
    client, lines, settings, caplog
):
    settings.TROCAP_PROVIDERS = {
        **settings.TROCAP_PROVIDERS,
        "VIETTELPAY": {
            **settings.TROCAP_PROVIDERS["VIETTELPAY"],
            "unsigned_callbacks_per_minute": 3,
        },
    }
    before = scrape(client)
    with caplog.at_level(logging.INFO, logger="providers"):
        answers = [send(client, items(lines), secret="wrong").status_code for _ in range(5)]
    after = scrape(client)
    assert answers == [400] * 5
    assert CallbackEvent.objects.count() == 3
    assert grew(before, after, "dropped") == 2 and grew(before, after, "refused") == 3
    dropped = [r for r in caplog.records if r.getMessage() == "callback_dropped"]
    assert [(r.provider, r.code) for r in dropped] == [("VIETTELPAY", "UNSIGNED_RATE")] * 2
    # A signed callback is never dropped for the forged ones.
    assert send(client, items(lines)).status_code == 200
    assert CallbackEvent.objects.filter(signature_valid=True).count() == 1


def test_a_signature_header_outside_ascii_is_refused_not_a_500(client, lines):
    response = client.post(URL, b"{}", content_type="application/json", HTTP_X_SIGNATURE="ÿ" * 64)
    assert response.status_code == 400
    assert CallbackEvent.objects.get().signature_valid is False


def test_a_flood_of_headers_is_kept_cut(client, lines):
    headers = {f"HTTP_X_PAD_{i}": "x" * 4000 for i in range(50)}
    assert client.post(URL, b"{}", content_type="application/json", **headers).status_code == 400
    kept = CallbackEvent.objects.get().headers
    assert len(kept) <= services.HEADERS_KEPT
    assert all(len(v) <= services.HEADER_VALUE_KEPT for v in kept.values())


def test_the_admin_shows_a_body_nested_past_the_decoder(client, lines, officers):
    body = b"[" * 100_000
    client.post(URL, body, content_type="application/json", **signed(body))
    event = CallbackEvent.objects.get()
    client.force_login(officers["admin"])
    page = client.get(reverse("admin:providers_callbackevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:providers_callbackevent_changelist")).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"paid_at": "0001-01-01T00:00:00+07:00"},  # year 0 in UTC: could never be stored
        {"paid_at": "9999-12-31T23:59:59-07:00"},  # year 10000 in UTC
        {"amount": 2**70},  # past the database's integer
    ],
    ids=["year-0", "year-10000", "amount"],
)
def test_a_signed_result_out_of_range_is_refused_not_failed_forever(client, lines, change):
    payload = items(lines)
    payload["items"][0].update(change)
    body = json.dumps(payload).encode()
    response = client.post(URL, body, content_type="application/json", **signed(body))
    assert response.status_code == 400
    event = CallbackEvent.objects.get()
    assert event.signature_valid is False and "malformed" in event.error
