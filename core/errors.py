"""One application error type: a stable code and the Vietnamese message.

Services raise `AppError` (a refusal of the input: a 400, a form error, a line of the import
report) or `AppForbidden` (the user may not do this: a 403). Both are an `ApplicationError`
carrying a `code` from one of the apps' code enums (`StrEnum`s named `...ErrorCode`); tests
assert the code, the message may change.

They subclass Django's own `ValidationError` and `PermissionDenied` respectively, so forms, the
admin and the default 403 handling take them as they are; `core.web` maps them for pages and the
API in one place. A field error puts the code on the message inside the dict, as Django's forms do
(`exc.error_dict[field][0].code`); `error_codes(exc)` reads them all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError


class CoreErrorCode(StrEnum):
    """Codes that belong to no one app."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_OFFICER_OF_UNIT = "not_officer_of_unit"
    MONTH_OUT_OF_RANGE = "month_out_of_range"


class ApplicationError:
    """What every refusal of a service is, whether a 400 or a 403: a stable `code` (an error-code
    enum member) and the message. `except ApplicationError` catches both kinds."""

    code: StrEnum

    @property
    def text(self) -> str:
        """The message alone (for a page's flash message or a log line)."""
        return " ".join(str(m) for m in self.messages)

    def __str__(self) -> str:
        return self.text


class AppError(ApplicationError, ValidationError):
    """A service refused its input. `code` is an error-code enum member; `field` (optional) names
    the input the message is about; `params` fill the message's %(name)s placeholders."""

    def __init__(
        self,
        code: StrEnum,
        message: Any,
        *,
        field: str | None = None,
        params: dict | None = None,
    ) -> None:
        if params:
            message = message % params
        if field:
            super().__init__({field: [ValidationError(message, code=str(code))]})
        else:
            super().__init__(message, code=str(code))
        self.code = code
        self.field = field


class FieldErrors:
    """Collects field -> [(code, message)] and raises one `AppError` holding them all (the shape
    Django forms and the import report use). Nothing is raised while it is empty."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, name: str, code: StrEnum, message: Any) -> None:
        self.by_field.setdefault(name, []).append(ValidationError(message, code=str(code)))

    def extend(self, name: str, errors: list[ValidationError]) -> None:
        """Add errors from a check that already returns coded ValidationErrors."""
        for error in errors:
            self.by_field.setdefault(name, []).append(error)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self, code: StrEnum = CoreErrorCode.INVALID) -> None:
        if self.by_field:
            error = AppError.__new__(AppError)
            ValidationError.__init__(error, self.by_field)
            error.code = code
            error.field = None
            raise error


class AppForbidden(ApplicationError, PermissionDenied):
    """The user may not do this here: a 403 on a page, the API's 403, the import report's line.
    Not a ValidationError: a view that catches refusals of its input does not swallow it."""

    def __init__(self, code: StrEnum, message: Any, *, params: dict | None = None) -> None:
        if params:
            message = message % params
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def messages(self) -> list[str]:
        return [str(self.message)]


def error_codes(exc: ValidationError) -> set[str] | dict[str, list[str]]:
    """The codes inside a ValidationError: a dict field -> [codes] for a field error, else a set.

    `AppError(code, ...)` gives {code}; `FieldErrors` gives {field: [codes]}.
    """
    if hasattr(exc, "error_dict"):
        return {name: [e.code for e in errors] for name, errors in exc.error_dict.items()}
    return {e.code for e in exc.error_list}


def all_codes(exc: ValidationError) -> set[str]:
    """Every code inside a ValidationError, flat (fields ignored)."""
    found = error_codes(exc)
    if isinstance(found, dict):
        return {code for codes in found.values() for code in codes}
    return found
