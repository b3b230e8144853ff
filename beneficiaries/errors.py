"""The register's error codes: what a service refused, as a stable name.

Services raise `core.errors.AppError` / `AppForbidden` with one of these; field checks return
`ValidationError(message, code=...)` with one of these. Tests assert the code, pages show the
Vietnamese message that goes with it.
"""

from __future__ import annotations

from enum import StrEnum


class BeneficiaryErrorCode(StrEnum):
    # Who may do it
    NOT_MAKER = "not_maker"
    NOT_CHECKER = "not_checker"
    OWN_CHANGE = "own_change"
    IMPORT_NOT_ALLOWED = "import_not_allowed"
    INITIAL_LOAD_NOT_ALLOWED = "initial_load_not_allowed"
    INITIAL_LOAD_AFTER_CLOSED_LIST = "initial_load_after_closed_list"

    # The person
    REQUIRED = "required"
    SEX_INVALID = "sex_invalid"
    DATE_OF_BIRTH_FUTURE = "date_of_birth_future"
    DATE_OF_BIRTH_TOO_OLD = "date_of_birth_too_old"
    ID_NUMBER_FORMAT = "id_number_format"
    ID_NUMBER_CENTURY = "id_number_century"
    ID_NUMBER_SEX_MISMATCH = "id_number_sex_mismatch"
    ID_NUMBER_YEAR_MISMATCH = "id_number_year_mismatch"
    ID_NUMBER_PROVINCE = "id_number_province"
    ID_NUMBER_TAKEN = "id_number_taken"
    PHONE_INVALID = "phone_invalid"
    COMMUNE_INVALID = "commune_invalid"

    # Categories and the decision
    CATEGORY_REQUIRED = "category_required"
    CATEGORY_UNKNOWN = "category_unknown"
    CATEGORY_AGE = "category_age"
    DISABILITY_LEVEL_REQUIRED = "disability_level_required"
    DEPENDENT_CHILDREN_REQUIRED = "dependent_children_required"
    DECISION_BEFORE_BIRTH = "decision_before_birth"
    DECISION_DATE_FUTURE = "decision_date_future"
    START_BEFORE_BIRTH = "start_before_birth"
    START_BEFORE_DECISION = "start_before_decision"
    START_MONTH_OUT_OF_RANGE = "start_month_out_of_range"
    DECISION_FILE_TOO_LARGE = "decision_file_too_large"
    DECISION_FILE_TYPE = "decision_file_type"

    # Recipient and account
    RECIPIENT_KIND_INVALID = "recipient_kind_invalid"
    PROVIDER_INVALID = "provider_invalid"
    PROVIDER_HAS_NO_ACCOUNT = "provider_has_no_account"
    ACCOUNT_NUMBER_INVALID = "account_number_invalid"
    ACCOUNT_NOT_VIETTEL = "account_not_viettel"
    ACCOUNT_HOLDER_INVALID = "account_holder_invalid"
    ACCOUNT_HOLDER_NO_RECIPIENT = "account_holder_no_recipient"
    ACCOUNT_TAKEN = "account_taken"
    NOT_ADULT = "not_adult"
    SAME_PERSON_AS_BENEFICIARY = "same_person_as_beneficiary"
    RECORDED_DEAD = "recorded_dead"

    # Changes
    CHANGE_KIND_INVALID = "change_kind_invalid"
    CHANGE_REASON_INVALID = "change_reason_invalid"
    BENEFICIARY_CLOSED = "beneficiary_closed"
    BENEFICIARY_PENDING = "beneficiary_pending"
    DATE_OF_DEATH_FUTURE = "date_of_death_future"
    DATE_OF_DEATH_BEFORE_BIRTH = "date_of_death_before_birth"
    EFFECTIVE_BEFORE_START = "effective_before_start"
    EFFECTIVE_MONTH_OUT_OF_RANGE = "effective_month_out_of_range"

    # Care arrangements (Decree 20 Art. 20)
    CARE_CODE_INVALID = "care_code_invalid"
    CARE_VARIANT_INVALID = "care_variant_invalid"
    CARER_NOT_ALLOWED = "carer_not_allowed"
    CARER_BIRTH_DATE_NEEDED = "carer_birth_date_needed"
    CARE_REQUIREMENT_NOT_MET = "care_requirement_not_met"
    CARE_END_REQUIRED = "care_end_required"
    CARE_END_BEFORE_START = "care_end_before_start"
    CARE_TOO_LONG = "care_too_long"
    CARE_OVERLAP = "care_overlap"
    CARE_EXCLUSIVE = "care_exclusive"
    CARE_ALREADY_ENDS = "care_already_ends"
    NO_ACTIVE_CARE = "no_active_care"
    CARE_NOT_ACTIVE = "care_not_active"
    CARE_NOT_PENDING = "care_not_pending"

    # Policy tables (reference data)
    REFERENCE_DATA_INVALID = "reference_data_invalid"
    STANDARD_LEVEL_OUT_OF_RANGE = "standard_level_out_of_range"
    COEFFICIENT_OUT_OF_RANGE = "coefficient_out_of_range"
    AGE_BANDS_OVERLAP = "age_bands_overlap"
    AGE_BAND_EMPTY = "age_band_empty"
    VALIDITY_INVALID = "validity_invalid"
    MONTH_NOT_FIRST_DAY = "month_not_first_day"
    REFERENCE_MONTH_CLOSED = "reference_month_closed"
    STOP_REASON_INVALID = "stop_reason_invalid"
    NOT_ACTIVE = "not_active"
    NOT_SUSPENDED = "not_suspended"
    CATEGORY_ALREADY_HELD = "category_already_held"
    CATEGORY_NOT_HELD = "category_not_held"
    DISABILITY_LEVEL_INVALID = "disability_level_invalid"
    DISABILITY_LEVEL_UNCHANGED = "disability_level_unchanged"
    NEW_COMMUNE_INVALID = "new_commune_invalid"
    SAME_COMMUNE = "same_commune"
    COMMUNE_OTHER_VERSION = "commune_other_version"
    NO_RECIPIENT = "no_recipient"
    NO_ACTIVE_ACCOUNT = "no_active_account"
    CHANGE_ALREADY_OPEN = "change_already_open"
    NOT_SUBMITTABLE = "not_submittable"
    NOT_OPEN = "not_open"
    NOT_WAITING = "not_waiting"
    REJECTION_REASON_REQUIRED = "rejection_reason_required"

    # Import
    IMPORT_FILE_UNREADABLE = "import_file_unreadable"
    IMPORT_FILE_TOO_LARGE = "import_file_too_large"
    IMPORT_FILE_TYPE = "import_file_type"
    IMPORT_FILE_EMPTY = "import_file_empty"
    IMPORT_HEADER_INVALID = "import_header_invalid"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_BAD_VALUE = "import_bad_value"
    IMPORT_FORMULA = "import_formula"
    IMPORT_DUPLICATE_ID = "import_duplicate_id"
    IMPORT_ROW_FAILED = "import_row_failed"
    IMPORT_FILE_RATIO = "import_file_ratio"
    IMPORT_FILE_MARKUP = "import_file_markup"
    IMPORT_FILE_TIMEOUT = "import_file_timeout"
    IMPORT_JOB_NOT_CONFIRMABLE = "import_job_not_confirmable"
    IMPORT_JOB_FILE_CHANGED = "import_job_file_changed"
    IMPORT_JOB_STALLED = "import_job_stalled"
    IMPORT_JOB_FAILED = "import_job_failed"

    # The 2025 administrative reform (beneficiaries.reform)
    REFORM_UNKNOWN_PROVINCE = "reform_unknown_province"
    REFORM_ALREADY_APPLIED = "reform_already_applied"
    REFORM_UNMAPPED_COMMUNE = "reform_unmapped_commune"
    REFORM_ALREADY_ASSIGNED = "reform_already_assigned"
    REFORM_NOT_A_CANDIDATE = "reform_not_a_candidate"
    REFORM_NOT_YOUR_COMMUNE = "reform_not_your_commune"
