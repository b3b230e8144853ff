"""The codes of the payment cycle's refusals (``core.errors.AppError``): stable, asserted by
tests and read by the API; the Vietnamese message that goes with each may change."""

from enum import StrEnum


class PaymentErrorCode(StrEnum):
    UNIT_CLOSES_NO_LISTS = "unit_closes_no_lists"
    REFORM_WORKLIST_WAITING = "reform_worklist_waiting"
    LIST_CLOSED = "list_closed"
    CLOSED_WHILE_GENERATING = "closed_while_generating"
    ALREADY_CLOSED = "already_closed"
    NOT_GENERATED = "not_generated"
    CHANGES_WAITING = "changes_waiting"
    CHANGES_SINCE_GENERATION = "changes_since_generation"
    POLICY_CHANGED_SINCE_GENERATION = "policy_changed_since_generation"
    LINES_CANNOT_COMPUTE = "lines_cannot_compute"
    GENERATION_FAILED = "generation_failed"
    NOT_OFFICER_OF_UNIT = "not_officer_of_unit"
    PREPARER_CANNOT_CLOSE = "preparer_cannot_close"
    CHANGE_NOT_WAITING = "change_not_waiting"
    NOT_CLOSED = "not_closed"
    NOT_SENT = "not_sent"
    LINES_NOT_FINAL = "lines_not_final"
    MONTH_OUT_OF_WINDOW = "month_out_of_window"
    MONTH_BEFORE_GO_LIVE = "month_before_go_live"
    MONTH_BEFORE_FIRST_LIST = "month_before_first_list"
