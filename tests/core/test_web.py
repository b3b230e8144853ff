"""The one mapping of a service's refusal to what the user gets (core/web.py): a page, the API."""

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory

from core.errors import AppError, AppForbidden, ApplicationError, error_codes
from core.web import flash_refusal
from tests.core.refusal_urls import SampleCode

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.refusal_urls")]


def test_a_refusal_no_view_caught_is_a_400_page_with_its_message_and_code(client, officers):
    client.force_login(officers["commune"])
    response = client.get("/refuse/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tháng 12/2026 đã chốt." in page and "month_closed" in page


def test_a_forbidden_refusal_stays_a_403(client, officers):
    client.force_login(officers["commune"])
    assert client.get("/forbid/").status_code == 403


def test_the_api_answers_code_detail_and_field_errors(client, officers):
    client.force_login(officers["commune"])
    refused = client.post("/api/refuse/", {}, content_type="application/json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {"full_name": [{"code": "name_missing", "message": "Nhập họ tên."}]}
    forbidden = client.post("/api/forbid/", {}, content_type="application/json")
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "code": "not_yours",
        "detail": "Chỉ cán bộ của Phường Vỹ Dạ được làm việc này.",
    }


def test_both_kinds_are_one_type_with_a_code_and_only_one_is_a_validation_error():
    from django.core.exceptions import PermissionDenied, ValidationError

    refused = AppError(SampleCode.MONTH_CLOSED, "Tháng %(m)s đã chốt.", params={"m": "12/2026"})
    forbidden = AppForbidden(SampleCode.NOT_YOURS, "Không được.")
    assert isinstance(refused, ApplicationError) and isinstance(forbidden, ApplicationError)
    assert isinstance(refused, ValidationError) and not isinstance(forbidden, ValidationError)
    assert isinstance(forbidden, PermissionDenied)
    assert (str(refused), refused.code) == ("Tháng 12/2026 đã chốt.", SampleCode.MONTH_CLOSED)
    assert error_codes(AppError(SampleCode.NAME_MISSING, "x", field="full_name")) == {
        "full_name": ["name_missing"]
    }


def test_flash_refusal_shows_the_message_and_logs_the_code(officers, caplog, rf: RequestFactory):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/")
    request.user = officers["commune"]
    request.session = {}
    request._messages = FallbackStorage(request)
    request.resolver_match = None
    with caplog.at_level("INFO", logger="core.web"):
        flash_refusal(request, AppForbidden(SampleCode.NOT_YOURS, "Không được."))
    assert [str(m) for m in get_messages(request)] == ["Không được."]
    assert any(getattr(r, "code", None) == "not_yours" for r in caplog.records)
