"""The codes of org's refusals (``core.errors.AppError``): the unit files and staff users."""

from enum import StrEnum


class OrgErrorCode(StrEnum):
    UNIT_ENTRY_INVALID = "unit_entry_invalid"
    UNIT_LEVELS_UNKNOWN = "unit_levels_unknown"
    UNIT_PARENT_MISSING = "unit_parent_missing"
    UNIT_FILE_UNREADABLE = "unit_file_unreadable"
    UNIT_FILE_EMPTY = "unit_file_empty"
    USER_NEEDS_UNIT = "user_needs_unit"
    ROLE_WRONG_LEVEL = "role_wrong_level"
    UNIT_ABOLISHED = "unit_abolished"
    # Reference data under maker-checker (org.review)
    REFERENCE_REVIEW_NOT_ALLOWED = "reference_review_not_allowed"
    REFERENCE_OWN_PROPOSAL = "reference_own_proposal"
    REFERENCE_NOT_PROPOSED = "reference_not_proposed"
    REFERENCE_MONTH_CLOSED = "reference_month_closed"
    # Export jobs (org.exports)
    EXPORT_JOB_STALLED = "export_job_stalled"
    EXPORT_JOB_FAILED = "export_job_failed"
    EXPORT_JOB_EXPIRED = "export_job_expired"
