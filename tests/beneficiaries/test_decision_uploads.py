"""Uploads that cannot be served as pages (issue 17): a scanned decision is checked by name and
content, a "PDF" with markup in it is refused, it is stored under a generated name, and it is
served only by its scoped view, as a download with its real type; /media/ serves nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.services.registration import beneficiary_register
from core.errors import error_codes
from tests.beneficiaries.test_registration import registration

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
PAGE = b"%PDF-1.4\n<html><body><script>steal()</script><form action=//evil></form></body></html>"


def register_with(hue_units, officers, upload):
    return beneficiary_register(
        data=registration(hue_units["commune"]),
        maker=officers["commune"],
        decision_file=upload,
        today=TODAY,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("trang.html", b"%PDF-1.4\n%%EOF\n"),  # a PDF named .html: served back as a page
        ("qd.pdf", PAGE),  # a page that starts like a PDF
        ("qd.pdf", b"%PDF-1.7\n1 0 obj\n<< >>\n<SVG onload=alert(1)>"),
        ("qd.png", b"%PDF-1.4\n%%EOF\n"),  # name and content disagree
        ("qd", b"\x89PNG\r\n\x1a\n...."),  # no extension
    ],
)
def test_a_decision_that_could_be_a_page_is_refused(
    hue_units, officers, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as refused:
        register_with(hue_units, officers, SimpleUploadedFile(name, content))
    assert error_codes(refused.value)["decision_file"] == [Code.DECISION_FILE_TYPE]
    assert not any(tmp_path.rglob("*.*"))


def test_a_decision_is_stored_under_a_generated_name_and_served_as_a_download(
    client, hue_units, officers, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    change = register_with(
        hue_units, officers, SimpleUploadedFile("<script>.PDF", b"%PDF-1.4\n%%EOF\n")
    )
    stored = change.decision_file.name
    assert "script" not in stored and stored.endswith(".pdf")
    client.force_login(officers["commune"])
    response = client.get(reverse("beneficiaries:change_decision_file", args=[change.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"quyet-dinh-{change.pk}.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/" + stored).status_code == 404


def test_media_is_not_served_even_with_debug_on(settings):
    """`make run` runs with DEBUG on: the URLconf it builds then must not serve /media/."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.DEBUG = True
    try:
        patterns = importlib.reload(config.urls).urlpatterns
        assert not [p for p in patterns if "media" in str(p.pattern)]
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
