"""The access matrix: every URL of the application, for an anonymous visitor and for every role,
in scope and out of scope, with the answer it must get. A URL without a row fails the test, so
a new page or endpoint cannot go in without deciding who may use it.

Columns: anon, commune (the commune officer of the objects' commune), neighbour (a commune
officer of the next commune: same district, out of scope), district (of the objects), other
(a district officer of another district), province, admin. Pages answer 200, 302 (to sign in,
or after a POST action), 403 (the role cannot do this), 404 (out of scope: absent); the API
answers 401 without credentials. A second table gives each URL's answer to the other method
(405 for nearly all).
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import PortalApplication
from beneficiaries.models import ChangeRecord, ImportJob
from org.exports import export_dir
from org.models import ExportJob, Role
from payments.services import payment_list_close
from tests.factories import UserFactory
from tests.helpers import reconciled_with_a_discrepancy_per_line
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
WHO = ("anon", "commune", "neighbour", "district", "other", "province", "admin")


@pytest.fixture
def world(hue_units, officers):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Ngô Thị Một")
    far = person(hue_units["far_commune"], datetime.date(1941, 1, 1), ["K5C"])
    next_door = person(
        hue_units["neighbour"], datetime.date(1939, 1, 1), ["K5C"], full_name="Bùi Văn Hai"
    )
    change = ChangeRecord.objects.create(
        beneficiary=b,
        commune=b.commune,
        kind="stop",
        reason="moved_away",
        effective_month=datetime.date(2027, 1, 1),
        status="submitted",
        maker=officers["commune"],
        decision_file=SimpleUploadedFile("qd.pdf", b"%PDF-1.4 quyet dinh"),
    )
    # December's list of the district: generated, closed, reconciled.
    period = generate(hue_units["district"], DEC)
    payment_list_close(period=period, closed_by=officers["district"])
    reconciled_with_a_discrepancy_per_line(period)  # one on each commune's line
    PortalApplication.objects.create(
        dossier_id="HS-1",
        change=change,
        received_on=DEC,
        payload={},
        sent_by=officers["district"],
    )
    # An upload of the commune officer, checked by the worker: its page is its uploader's alone.
    job = ImportJob.objects.create(
        user=officers["commune"], file_name="dt.csv", size=1, sha256="0" * 64, status="checked"
    )
    # A large export of the commune officer, written by the worker: its owner's alone.
    export = ExportJob.objects.create(
        owner=officers["commune"],
        kind="payment_list_xlsx",
        parameters={"period": period.pk, "commune": hue_units["commune"].pk},
        parameters_key="matrix",
        file_name="ds.xlsx",
        status="done",
    )
    export.stored_name = f"{export.uuid.hex}.xlsx"
    export.save()
    (export_dir() / export.stored_name).write_bytes(b"PK")
    users = {
        **officers,
        "other": UserFactory(
            username="huyenkhac", role=Role.DISTRICT_OFFICER, unit=hue_units["other_district"]
        ),
    }
    return {
        "b": b,
        "far": far,
        "next_door": next_door,
        "change": change,
        "period": period,
        "job": job,
        "export": export,
        "users": users,
    }


def url_names() -> set[str]:
    """Every named URL of the application (the admin's and the static files' aside)."""
    names = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern) and p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def probe(client, world, method, url, who, data=None):
    client.logout()
    if who != "anon":
        client.force_login(world["users"][who])
    call = getattr(client, method.lower())
    return call(url, data or {}).status_code


def urls(w, units):
    """URL name → (method, URL with the world's in-scope objects)."""
    pk, cpk, ppk = w["b"].pk, w["change"].pk, w["period"].pk
    commune = units["commune"]
    get, post = "GET", "POST"
    return {
        "home": (get, reverse("home")),
        "login": (get, reverse("login")),
        "logout": (post, reverse("logout")),
        "set_language": (post, reverse("set_language")),
        "healthz": (get, reverse("healthz")),
        "favicon": (get, reverse("favicon")),
        "metrics": (get, reverse("metrics")),
        "unit_list": (get, reverse("unit_list")),
        "policy_tables": (get, reverse("policy_tables")),
        "beneficiaries:list": (get, reverse("beneficiaries:list")),
        "beneficiaries:register": (get, reverse("beneficiaries:register")),
        "beneficiaries:import": (get, reverse("beneficiaries:import")),
        "beneficiaries:import_job": (
            get,
            reverse("beneficiaries:import_job", args=[w["job"].uuid]),
        ),
        "beneficiaries:import_progress": (
            get,
            reverse("beneficiaries:import_progress", args=[w["job"].uuid]),
        ),
        "beneficiaries:import_confirm": (
            post,
            reverse("beneficiaries:import_confirm", args=[w["job"].uuid]),
        ),
        "beneficiaries:import_errors": (
            get,
            reverse("beneficiaries:import_errors", args=[w["job"].uuid]),
        ),
        "beneficiaries:reform_worklist": (get, reverse("beneficiaries:reform_worklist")),
        "beneficiaries:import_template": (get, reverse("beneficiaries:import_template")),
        "export_job": (get, reverse("export_job", args=[w["export"].uuid])),
        "export_job_progress": (get, reverse("export_job_progress", args=[w["export"].uuid])),
        "export_job_download": (get, reverse("export_job_download", args=[w["export"].uuid])),
        "beneficiaries:export": (get, reverse("beneficiaries:export")),
        "beneficiaries:detail": (get, reverse("beneficiaries:detail", args=[pk])),
        "beneficiaries:change_create": (
            get,
            # Not "stop": one is already waiting for this person, so its form is refused (400).
            reverse("beneficiaries:change_create", args=[pk, "suspend"]),
        ),
        "beneficiaries:change_queue": (get, reverse("beneficiaries:change_queue")),
        "beneficiaries:change_bulk_approve": (post, reverse("beneficiaries:change_bulk_approve")),
        "beneficiaries:change_detail": (get, reverse("beneficiaries:change_detail", args=[cpk])),
        "beneficiaries:change_approve": (post, reverse("beneficiaries:change_approve", args=[cpk])),
        "beneficiaries:change_reject": (post, reverse("beneficiaries:change_reject", args=[cpk])),
        "beneficiaries:change_submit": (post, reverse("beneficiaries:change_submit", args=[cpk])),
        "beneficiaries:change_cancel": (post, reverse("beneficiaries:change_cancel", args=[cpk])),
        "beneficiaries:change_decision_file": (
            get,
            reverse("beneficiaries:change_decision_file", args=[cpk]),
        ),
        "payments:list": (get, reverse("payments:list")),
        "payments:open": (post, reverse("payments:open")),
        "payments:province_rollup": (get, reverse("payments:province_rollup")),
        "payments:review": (get, reverse("payments:review", args=[ppk])),
        "payments:progress": (get, reverse("payments:progress", args=[ppk])),
        "payments:generate": (post, reverse("payments:generate", args=[ppk])),
        "payments:close": (post, reverse("payments:close", args=[ppk])),
        "payments:submit": (post, reverse("payments:submit", args=[ppk])),
        "payments:batches": (get, reverse("payments:batches", args=[ppk])),
        "payments:reconciliation": (get, reverse("payments:reconciliation", args=[ppk])),
        "payments:reconcile": (post, reverse("payments:reconcile", args=[ppk])),
        "payments:settlement": (get, reverse("payments:settlement", args=[ppk])),
        "payments:lines": (get, reverse("payments:lines", args=[ppk])),
        "payments:defer": (post, reverse("payments:defer", args=[ppk, cpk])),
        "payments:export": (get, reverse("payments:export", args=[ppk, "csv"])),
        "payments:results_export": (get, reverse("payments:results_export", args=[ppk])),
        "payments:signature_list": (
            get,
            reverse("payments:signature_list", args=[ppk, commune.pk]),
        ),
        "providers:callback": (post, reverse("providers:callback", args=["VIETTELPAY"])),
        "reports:dashboard": (get, reverse("reports:dashboard")),
        "reports:unit": (get, reverse("reports:unit", args=[commune.code])),
        "api:api-root": (get, reverse("api:api-root")),
        "api:beneficiary-list": (get, reverse("api:beneficiary-list")),
        "api:beneficiary-detail": (get, reverse("api:beneficiary-detail", args=[pk])),
        "api:change-list": (get, reverse("api:change-list")),
        "api:change-detail": (get, reverse("api:change-detail", args=[cpk])),
        "api:period-list": (get, reverse("api:period-list")),
        "api:period-detail": (get, reverse("api:period-detail", args=[ppk])),
        "api:period-lines": (get, reverse("api:period-lines", args=[ppk])),
        "api:application-list": (post, reverse("api:application-list")),
        "api:application-detail": (get, reverse("api:application-detail", args=["HS-1"])),
        "api:coverage": (get, reverse("api:coverage")),
        "api:schema": (get, reverse("api:schema")),
        "api:docs": (get, reverse("api:docs")),
    }


# anon, commune, neighbour, district, other, province, admin
MATRIX = {
    "home": (302, 200, 200, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302, 302, 302),
    "logout": (302, 302, 302, 302, 302, 302, 302),
    "set_language": (302, 302, 302, 302, 302, 302, 302),
    "healthz": (200, 200, 200, 200, 200, 200, 200),
    # The browsers' /favicon.ico: to the static icon, for anyone.
    "favicon": (301, 301, 301, 301, 301, 301, 301),
    # Prometheus's scrape: only with its token (tests/core/test_metrics.py), absent to everyone.
    "metrics": (404, 404, 404, 404, 404, 404, 404),
    "unit_list": (302, 200, 200, 200, 200, 200, 200),
    "policy_tables": (302, 200, 200, 200, 200, 200, 200),
    "beneficiaries:list": (302, 200, 200, 200, 200, 200, 200),
    # Registering is a commune officer's own page (for their own commune).
    "beneficiaries:register": (302, 200, 200, 403, 403, 403, 403),
    # Importing: a commune officer's registrations, or the administrator's initial load.
    "beneficiaries:import": (302, 200, 200, 403, 403, 403, 200),
    # An upload's job: its uploader's alone (anyone else: absent).
    "beneficiaries:import_job": (302, 200, 404, 404, 404, 404, 404),
    "beneficiaries:import_progress": (302, 200, 404, 404, 404, 404, 404),
    "beneficiaries:import_confirm": (302, 302, 404, 404, 404, 404, 404),
    "beneficiaries:import_errors": (302, 200, 404, 404, 404, 404, 404),
    "beneficiaries:import_template": (302, 200, 200, 200, 200, 200, 200),
    # The 2025 reform's worklist: the province officer and the administrator assign its people;
    # on 2025-10 units a candidate commune's leader and officer too (test_two_tier_access), not a
    # 2025-01 commune's officer.
    "beneficiaries:reform_worklist": (302, 403, 403, 403, 403, 200, 200),
    # A large export's job and its file: its owner's alone (anyone else: absent).
    "export_job": (302, 200, 404, 404, 404, 404, 404),
    "export_job_progress": (302, 200, 404, 404, 404, 404, 404),
    "export_job_download": (302, 200, 404, 404, 404, 404, 404),
    "beneficiaries:export": (302, 200, 200, 200, 200, 200, 200),
    "beneficiaries:detail": (302, 200, 404, 200, 404, 200, 200),
    "beneficiaries:change_create": (302, 200, 404, 403, 403, 403, 403),
    "beneficiaries:change_queue": (302, 200, 200, 200, 200, 200, 200),
    "beneficiaries:change_bulk_approve": (302, 403, 403, 302, 302, 403, 403),
    "beneficiaries:change_detail": (302, 200, 404, 200, 404, 200, 200),
    # Actions in scope redirect back to the change with the service's answer (a role that
    # cannot decide gets its message there); out of scope they are absent.
    "beneficiaries:change_approve": (302, 302, 404, 302, 404, 302, 302),
    "beneficiaries:change_reject": (302, 302, 404, 302, 404, 302, 302),
    "beneficiaries:change_submit": (302, 302, 404, 302, 404, 302, 302),
    "beneficiaries:change_cancel": (302, 302, 404, 302, 404, 302, 302),
    "beneficiaries:change_decision_file": (302, 200, 404, 200, 404, 200, 200),
    "payments:list": (302, 200, 200, 200, 200, 200, 200),
    "payments:open": (302, 403, 403, 302, 302, 403, 403),
    # The province's roll-up covers communes outside a district's or a commune's scope.
    "payments:province_rollup": (302, 404, 404, 404, 404, 200, 200),
    # A commune officer follows the list of the district that closes it (their lines only).
    "payments:review": (302, 200, 200, 200, 404, 200, 200),
    "payments:progress": (302, 200, 200, 200, 404, 200, 200),
    "payments:generate": (302, 403, 403, 302, 404, 403, 403),
    "payments:close": (302, 302, 302, 302, 404, 302, 302),
    "payments:submit": (302, 302, 302, 302, 404, 302, 302),
    "payments:batches": (302, 200, 200, 200, 404, 200, 200),
    "payments:reconciliation": (302, 200, 200, 200, 404, 200, 200),
    "payments:reconcile": (302, 302, 302, 302, 404, 302, 302),
    "payments:settlement": (302, 404, 404, 200, 404, 200, 200),
    "payments:lines": (302, 200, 200, 200, 404, 200, 200),
    "payments:defer": (302, 302, 404, 302, 404, 302, 302),
    "payments:export": (302, 200, 200, 200, 404, 200, 200),
    # The results of the same lines: the same answers as the list export.
    "payments:results_export": (302, 200, 200, 200, 404, 200, 200),
    "payments:signature_list": (302, 200, 404, 200, 404, 200, 200),
    # The providers' inbox takes only signed callbacks, whoever sends them.
    "providers:callback": (400, 400, 400, 400, 400, 400, 400),
    "reports:dashboard": (302, 200, 200, 200, 200, 200, 200),
    "reports:unit": (302, 200, 404, 200, 404, 200, 200),
    "api:api-root": (401, 200, 200, 200, 200, 200, 200),
    "api:beneficiary-list": (401, 200, 200, 200, 200, 200, 200),
    "api:beneficiary-detail": (401, 200, 404, 200, 404, 200, 200),
    "api:change-list": (401, 200, 200, 200, 200, 200, 200),
    "api:change-detail": (401, 200, 404, 200, 404, 200, 200),
    "api:period-list": (401, 200, 200, 200, 200, 200, 200),
    "api:period-detail": (401, 200, 200, 200, 404, 200, 200),
    "api:period-lines": (401, 200, 200, 200, 404, 200, 200),
    # Applications come from a system's token only, never a browser session.
    "api:application-list": (401, 403, 403, 403, 403, 403, 403),
    "api:application-detail": (401, 200, 404, 200, 404, 200, 200),
    "api:coverage": (401, 200, 200, 200, 200, 200, 200),
    "api:schema": (401, 200, 200, 200, 200, 200, 200),
    "api:docs": (401, 200, 200, 200, 200, 200, 200),
}


def test_every_url_has_a_row():
    assert set(MATRIX) == url_names(), "a URL without a row, or a row without a URL"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, world, hue_units, name):
    method, url = urls(world, hue_units)[name]
    got = tuple(probe(client, world, method, url, who) for who in WHO)
    assert dict(zip(WHO, got, strict=True)) == dict(zip(WHO, MATRIX[name], strict=True)), url


def test_the_admin_is_for_administrators(client, world):
    for who in WHO:
        code = probe(client, world, "GET", "/admin/", who)
        assert code == (200 if who == "admin" else 302), who


def test_a_commune_sees_only_its_own_people_on_the_district_reconciliation(client, world):
    url = reverse("payments:reconciliation", args=[world["period"].pk])
    client.force_login(world["users"]["commune"])
    html = client.get(url).content.decode()
    assert "Ngô Thị Một" in html
    assert "Bùi Văn Hai" not in html
    client.force_login(world["users"]["district"])
    html = client.get(url).content.decode()
    assert "Bùi Văn Hai" in html


def test_a_nul_character_in_the_address_is_a_400_not_a_500(client, world):
    """Found by the API fuzz on PostgreSQL: a NUL in a filter reached the database."""
    client.force_login(world["users"]["district"])
    for url in ("/api/v1/beneficiaries/", "/doi-tuong/", "/reports/"):
        response = client.get(url, {"commune": "19\x00777", "q": "a\x00"})
        assert response.status_code == 400, url
        assert "không được phép" in response.content.decode()


def test_every_answer_carries_the_content_security_policy(client, world):
    client.force_login(world["users"]["district"])
    for url in ("/", "/doi-tuong/", "/api/docs/", "/api/v1/beneficiaries/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, url
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


# The policy the hand-written middleware sent before django-csp's: the same directives, in the
# order django-csp writes them (a set's, which varies).
POLICY_BEFORE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def test_the_policy_is_the_one_sent_before(client, world):
    anonymous = client.get("/dang-nhap/")["Content-Security-Policy"]
    client.force_login(world["users"]["district"])
    for policy in (anonymous, client.get("/")["Content-Security-Policy"]):
        assert sorted(policy.split("; ")) == sorted(POLICY_BEFORE.split("; "))


# The other method (POST to a page, GET to an action), as the district officer: 405, except
# the forms that take both (their own answers) and what the role may not use at all.
OTHER_METHOD = {name: 405 for name in MATRIX} | {
    "login": 302,  # a signed-in user is sent on
    "set_language": 302,  # Django's view redirects back either way
    "beneficiaries:register": 403,  # a commune officer's form
    "beneficiaries:change_create": 403,
    "beneficiaries:import": 403,  # a commune officer's or the administrator's form
    "beneficiaries:reform_worklist": 403,  # the province's, the administrator's, a leader's form
    "metrics": 404,  # absent to anyone without the token, whatever the method
    # The irreversible steps: GET is their confirmation page, with the figures.
    "payments:close": 200,
    "payments:submit": 200,
    "payments:defer": 200,
    "beneficiaries:change_bulk_approve": 302,  # nothing ticked: back to the queue
}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_other_method(client, world, hue_units, name):
    method, url = urls(world, hue_units)[name]
    other = "POST" if method == "GET" else "GET"
    assert probe(client, world, other, url, "district") == OTHER_METHOD[name], (other, url)
