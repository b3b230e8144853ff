"""The demo's error codes (see core.errors)."""

from enum import StrEnum


class DemoErrorCode(StrEnum):
    UNKNOWN_PROVINCE = "unknown_province"
