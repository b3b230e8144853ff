"""CSRF on every form: each URL that takes a POST refuses one without the CSRF token (403) and
takes the same request with it, and every form in the templates carries the token. The one
exemption is the providers' callback inbox, authenticated by its HMAC signature; the API's
token clients are not browsers, and its session callers go through DRF's own CSRF check."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.security.test_access_matrix import MATRIX, WHO, urls, world  # noqa: F401

pytestmark = pytest.mark.django_db

EXEMPT = {"providers:callback"}  # signed by the provider, never a browser's form
# The pages whose form posts back to themselves, and who fills them in.
FORMS = {
    "login": "anon",
    "beneficiaries:register": "commune",
    "beneficiaries:change_create": "commune",
    "beneficiaries:import": "commune",
}


def posts(w, units) -> dict[str, tuple[str, str]]:
    """URL name → (URL, who may post to it) for every URL that takes a POST."""
    found = {}
    for name, (method, url) in urls(w, units).items():
        if name.startswith("api:") or name in EXEMPT:
            continue
        if name in FORMS:
            found[name] = (url, FORMS[name])
        elif method == "POST":
            # Someone the matrix lets through (not 403 or 404), signed in where possible.
            allowed = [
                who
                for who, code in zip(WHO, MATRIX[name], strict=True)
                if code not in (403, 404) and who != "anon"
            ]
            found[name] = (url, allowed[0])
    return found


def test_every_post_needs_the_token(world, hue_units):  # noqa: F811
    targets = posts(world, hue_units)
    assert set(targets) >= {"payments:close", "beneficiaries:change_approve", "logout"}
    for name, (url, who) in sorted(targets.items()):
        client = Client(enforce_csrf_checks=True)
        if who != "anon":
            client.force_login(world["users"][who])
        refused = client.post(url, {})
        assert refused.status_code == 403, (name, who)
        assert "CSRF" in refused.content.decode(), name
        # The same request with the token the pages hand out goes through.
        client.get("/dang-nhap/" if who == "anon" else "/")
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
        taken = client.post(url, {"csrfmiddlewaretoken": token})
        assert taken.status_code != 403, (name, who)


def test_every_form_in_the_templates_carries_the_token():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    forms = 0
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.S | re.I):
                if re.search(r'method="post"', match.group(0)[:300], re.I):
                    forms += 1
                    assert "{% csrf_token %}" in match.group(1), path
    assert forms >= 15
