"""Where a service's refusal meets the user: the one mapping of errors to pages and the API.

- Pages: a view that calls a service wraps the call in `except REFUSALS as exc` and calls
  `flash_refusal(request, exc)` (the message on the next page, the code in the log); a refusal
  that no view catches is answered by `RefusalMiddleware` (400 page with the message, or Django's
  403 for `AppForbidden`).
- API: `api_exception_handler` answers `{"code", "detail", "errors"}` with 400, or 403 for
  `AppForbidden`; DRF's own refusals of a whole request (401, 404, 409, 413, a body it cannot
  parse...) answer `{"code", "detail"}` too, with their status; a serializer's field errors stay
  DRF's `{field: [messages]}`. `REST_FRAMEWORK["EXCEPTION_HANDLER"]` points here.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import AppError, AppForbidden, ApplicationError, CoreErrorCode

logger = logging.getLogger(__name__)

# What a view catches around a service call.
REFUSALS = (ValidationError, PermissionDenied)


# A row id as it comes in an address or a form: ASCII digits, and no more than a bigint holds
# ("²".isdigit() is True and int("²") raises; 10**30 overflows the database's integer).
_MAX_ID_DIGITS = 18


def id_param(value: str | None) -> int | None:
    """The id in a query parameter or a form value, or None if it is not one."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= _MAX_ID_DIGITS:
        return int(value)
    return None


def refusal_code(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    return CoreErrorCode.FORBIDDEN if isinstance(exc, PermissionDenied) else CoreErrorCode.INVALID


def refusal_text(exc: Exception) -> str:
    """The message(s) of a refusal as one line for the officer."""
    if isinstance(exc, ApplicationError):
        return exc.text
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def flash_refusal(request, exc: Exception) -> None:
    """Show a refusal on the next page and log its code (never its personal data)."""
    logger.info(
        "refused",
        extra={"code": refusal_code(exc), "view": getattr(request.resolver_match, "view_name", "")},
    )
    messages.error(request, refusal_text(exc))


def _field_errors(exc: ValidationError) -> dict:
    if not hasattr(exc, "error_dict"):
        return {}
    return {
        name: [
            {"code": e.code or CoreErrorCode.INVALID, "message": " ".join(e.messages)} for e in errs
        ]
        for name, errs in exc.error_dict.items()
    }


def api_exception_handler(exc, context):
    """DRF's handler, plus the application's refusals with their codes."""
    if isinstance(exc, AppForbidden):
        return Response(
            {"code": str(exc.code), "detail": exc.text}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, AppError):
        body = {"code": str(exc.code), "detail": exc.text}
        fields = _field_errors(exc)
        if fields:
            body["errors"] = fields
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    detail = response.data.get("detail") if response is not None and response.data else None
    if isinstance(detail, drf_exceptions.ErrorDetail) and len(response.data) == 1:
        # A refusal of the whole request (not of its fields: 401, 404, 409, 413, a body that
        # cannot be parsed): its code beside the message, as the application's refusals answer.
        response.data = {"code": str(detail.code), "detail": str(detail)}
    return response


class RefusalMiddleware:
    """A refusal that reached no `except`: a 400 page with its message (403s stay Django's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AppError):
            logger.info("refused", extra={"code": refusal_code(exception), "path": request.path})
            return render(
                request,
                "400.html",
                {
                    "title": _("This cannot be done"),
                    "message": refusal_text(exception),
                    "code": refusal_code(exception),
                },
                status=400,
            )
        return None
