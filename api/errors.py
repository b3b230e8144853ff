"""The API's own error codes (tokens, the one-stop portal)."""

from __future__ import annotations

from enum import StrEnum


class ApiErrorCode(StrEnum):
    TOKEN_NAME_REQUIRED = "token_name_required"
    TOKEN_ROLE_INVALID = "token_role_invalid"
    TOKEN_UNIT_INVALID = "token_unit_invalid"
    PORTAL_COMMUNE_INVALID = "portal_commune_invalid"
    PORTAL_DOSSIER_TAKEN = "portal_dossier_taken"
    PORTAL_DATE_OUT_OF_RANGE = "portal_date_out_of_range"
    BODY_MALFORMED = "body_malformed"
    BODY_TOO_LARGE = "body_too_large"
    QUERY_INVALID = "query_invalid"
