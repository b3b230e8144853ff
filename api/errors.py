"""The API's own error codes (tokens, the one-stop portal)."""

from __future__ import annotations

from enum import StrEnum


class ApiErrorCode(StrEnum):
    TOKEN_NAME_REQUIRED = "token_name_required"
    TOKEN_ROLE_INVALID = "token_role_invalid"
    TOKEN_UNIT_INVALID = "token_unit_invalid"
    PORTAL_COMMUNE_INVALID = "portal_commune_invalid"
