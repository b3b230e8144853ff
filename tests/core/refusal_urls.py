"""Pages for the refusal-mapping tests only: each refuses the way a service does."""

from enum import StrEnum

from django.urls import include, path
from rest_framework.decorators import api_view

from config import urls as project_urls
from core.errors import AppError, AppForbidden, FieldErrors


class SampleCode(StrEnum):
    MONTH_CLOSED = "month_closed"
    NOT_YOURS = "not_yours"
    NAME_MISSING = "name_missing"


def page_refusing(request):
    raise AppError(SampleCode.MONTH_CLOSED, "Tháng 12/2026 đã chốt.")


def page_forbidding(request):
    raise AppForbidden(SampleCode.NOT_YOURS, "Chỉ cán bộ của Phường Vỹ Dạ được làm việc này.")


@api_view(["POST"])
def api_refusing(request):
    errors = FieldErrors()
    errors.add("full_name", SampleCode.NAME_MISSING, "Nhập họ tên.")
    errors.raise_if_any()


@api_view(["POST"])
def api_forbidding(request):
    raise AppForbidden(SampleCode.NOT_YOURS, "Chỉ cán bộ của Phường Vỹ Dạ được làm việc này.")


urlpatterns = [
    path("refuse/", page_refusing),
    path("forbid/", page_forbidding),
    path("api/refuse/", api_refusing),
    path("api/forbid/", api_forbidding),
    path("", include(project_urls)),  # the base template links to the project's pages
]
