"""The REST API: token and session auth, the scope of every endpoint, the schema and its docs
served by the app itself."""

import pytest
from django.urls import reverse

from api.errors import ApiErrorCode
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from core.errors import error_codes
from reports import coverage
from tests.api.conftest import DEC, auth

pytestmark = pytest.mark.django_db


def test_a_token_reads_its_area_and_nothing_else(client, tokens, area, hue_units):
    people = area["people"]
    response = client.get("/api/v1/beneficiaries/", **auth(tokens["commune"]))
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [people["commune"].id]
    assert body["results"][0]["commune"] == hue_units["commune"].code
    assert body["results"][0]["categories"][0]["code"] == "K5C"
    # Out of scope is absent: 404, as on the pages.
    for key in ("neighbour", "far_commune"):
        url = f"/api/v1/beneficiaries/{people[key].id}/"
        assert client.get(url, **auth(tokens["commune"])).status_code == 404
    # A district sees its communes, not the other district's.
    ids = {
        r["id"]
        for r in client.get("/api/v1/beneficiaries/", **auth(tokens["district"])).json()["results"]
    }
    assert ids == {people["commune"].id, people["neighbour"].id}
    # The province sees all three.
    assert client.get("/api/v1/beneficiaries/", **auth(tokens["province"])).json()["count"] == 3


def test_changes_by_status_kind_and_dossier(client, tokens, area):
    changes = area["changes"]
    rows = client.get("/api/v1/changes/", **auth(tokens["commune"])).json()["results"]
    assert [r["id"] for r in rows] == [changes["commune"].id]
    found = client.get(
        "/api/v1/changes/", {"source_reference": "HS-0001"}, **auth(tokens["district"])
    ).json()
    assert [r["id"] for r in found["results"]] == [changes["commune"].id]
    assert found["results"][0]["source"] == "portal"
    assert (
        client.get("/api/v1/changes/", {"status": "approved"}, **auth(tokens["district"])).json()[
            "count"
        ]
        == 0
    )
    bad = client.get("/api/v1/changes/", {"status": "nope"}, **auth(tokens["district"]))
    assert bad.status_code == 400 and "status" in bad.json()
    url = f"/api/v1/changes/{changes['far_commune'].id}/"
    assert client.get(url, **auth(tokens["district"])).status_code == 404


def test_periods_and_lines_scoped_to_the_commune(client, tokens, area, hue_units):
    own, other = area["periods"]["district"], area["periods"]["other_district"]
    periods = client.get("/api/v1/payment-periods/", **auth(tokens["commune"])).json()
    assert {p["id"] for p in periods["results"]} >= {own.id}
    assert other.id not in {p["id"] for p in periods["results"]}
    december = client.get(
        "/api/v1/payment-periods/", {"month": "2026-12"}, **auth(tokens["district"])
    ).json()
    assert [p["id"] for p in december["results"]] == [own.id]
    assert december["results"][0]["line_count"] == 2
    # The commune officer sees the district's list but only the commune's lines.
    lines = client.get(f"/api/v1/payment-periods/{own.id}/lines/", **auth(tokens["commune"]))
    assert [row["commune"] for row in lines.json()["results"]] == [hue_units["commune"].code]
    assert lines.json()["results"][0]["amount_total"] == 500_000
    assert (
        len(
            client.get(
                f"/api/v1/payment-periods/{own.id}/lines/", **auth(tokens["district"])
            ).json()["results"]
        )
        == 2
    )
    url = f"/api/v1/payment-periods/{other.id}/lines/"
    assert client.get(url, **auth(tokens["district"])).status_code == 404
    bad = client.get("/api/v1/payment-periods/", {"month": "12/2026"}, **auth(tokens["district"]))
    assert bad.status_code == 400


def test_coverage_equals_the_dashboard_figures(client, tokens, area, hue_units):
    body = client.get("/api/v1/coverage/", {"month": "2026-12"}, **auth(tokens["province"])).json()
    head = coverage.figures(hue_units["province"], DEC)
    assert body["unit"] == hue_units["province"].code
    assert {k: body["figures"][k] for k in coverage.FIELDS} == {k: head[k] for k in coverage.FIELDS}
    assert len(body["children"]) == 9 and len(body["trend"]) == 12
    assert body["trend"][-1]["month"] == "2026-12-01" and not body["trend"][-1]["empty"]
    # A district token: its district by default, another district is a 404.
    assert client.get("/api/v1/coverage/", **auth(tokens["district"])).json()["unit"] == (
        hue_units["district"].code
    )
    other = {"unit": hue_units["other_district"].code}
    assert client.get("/api/v1/coverage/", other, **auth(tokens["district"])).status_code == 404


def test_keys_wrong_revoked_or_missing_are_refused(client, tokens, officers, hue_units):
    assert client.get("/api/v1/beneficiaries/").status_code in (401, 403)
    wrong = tokens["commune"][:-3] + "xyz"
    response = client.get("/api/v1/beneficiaries/", **auth(wrong))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert client.get("/api/v1/beneficiaries/", **auth("no-dot")).status_code == 401
    token = ApiToken.objects.get(prefix=tokens["commune"].split(".")[0])
    assert client.get("/api/v1/beneficiaries/", **auth(tokens["commune"])).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    api_token_revoke(token=token, revoked_by=officers["admin"])
    assert client.get("/api/v1/beneficiaries/", **auth(tokens["commune"])).status_code == 401
    # Only the hash is stored.
    assert tokens["commune"] not in str(ApiToken.objects.values_list().get(pk=token.pk))


def test_a_token_needs_a_name_and_a_role_that_fits_its_unit(officers, hue_units):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        api_token_create(
            name="", unit=hue_units["district"], role="commune_officer", created_by=None
        )
    assert error_codes(exc.value) == {
        "name": [ApiErrorCode.TOKEN_NAME_REQUIRED],
        "unit": [ApiErrorCode.TOKEN_UNIT_INVALID],
    }
    with pytest.raises(ValidationError) as exc:
        api_token_create(name="x", unit=hue_units["province"], role="admin", created_by=None)
    assert error_codes(exc.value) == {"role": [ApiErrorCode.TOKEN_ROLE_INVALID]}
    assert not ApiToken.objects.exists()


def test_the_browser_session_works_and_writes_are_not_allowed(client, officers, area):
    client.force_login(officers["commune"])
    assert client.get("/api/v1/beneficiaries/").json()["count"] == 1
    assert client.post("/api/v1/beneficiaries/", {}).status_code in (403, 405)
    assert client.delete(f"/api/v1/changes/{area['changes']['commune'].id}/").status_code in (
        403,
        405,
    )


def test_schema_and_docs_are_served_offline(client, officers, tokens):
    assert client.get("/api/schema/").status_code in (401, 403)
    schema = client.get("/api/schema/", {"format": "json"}, **auth(tokens["province"]))
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/beneficiaries/", "/api/v1/coverage/", "/api/v1/changes/"} <= set(paths)
    client.force_login(officers["province"])
    html = client.get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html and "http://" not in html


def test_the_admin_creates_a_token_shows_the_key_once_and_revokes(client, officers, hue_units):
    client.force_login(officers["admin"])
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"name": "Cổng dịch vụ công", "unit": hue_units["province"].pk, "role": "province_officer"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.split(": ")[-1] for m in shown if token.prefix in m)
    assert client.get("/api/v1/beneficiaries/", **auth(key)).status_code == 200
    assert token.created_by == officers["admin"] and token.user.role == "province_officer"
    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.user.is_active
    assert client.get("/api/v1/beneficiaries/", **auth(key)).status_code == 401


def test_a_key_whose_unit_the_reform_abolished_is_held_like_the_pages(client, tokens, hue_units):
    """The pages hold a user of an abolished unit (org.middleware.AbolishedUnitMiddleware); a
    key of that unit is held the same way, until the administrator issues one for the new
    unit."""
    assert client.get("/api/v1/beneficiaries/", **auth(tokens["commune"])).status_code == 200
    commune = hue_units["commune"]
    commune.active = False  # what apply_unit_reform does to an old commune
    commune.save(update_fields=["active"])
    response = client.get("/api/v1/beneficiaries/", **auth(tokens["commune"]))
    assert response.status_code == 403
    assert "2025" in response.content.decode()
    # Another unit's key still works.
    assert client.get("/api/v1/beneficiaries/", **auth(tokens["district"])).status_code == 200
