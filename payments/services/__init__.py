"""Writes of the payment cycle, one module per capability (as Zulip's ``zerver/actions/``):
opening a period (``periods``), generating its list (``generation``), closing it (``closing``),
deferring a decision to a later list (``deferral``); a generation's life on a worker
(``generation_runs``) and the point in the register's history a list reflects (``snapshot``).
Sending a closed list to the providers and taking their results back is ``payments.dispatch``;
reconciling is ``payments.reconciliation``.

The services are re-exported here, so ``from payments.services import payment_list_close``
keeps working for the callers."""

from payments.services.closing import (
    blocking_changes,
    content_hash,
    payment_list_close,
    preparer_closes,
    preparer_refusal,
)
from payments.services.deferral import change_record_defer
from payments.services.generation import payment_list_generate
from payments.services.generation_runs import (
    generations_fail_stalled,
    payment_list_generate_async,
)
from payments.services.periods import CLOSED_STATUSES, closing_units, payment_period_open
from payments.services.snapshot import changes_decided_since_generation

__all__ = [
    "CLOSED_STATUSES",
    "blocking_changes",
    "change_record_defer",
    "changes_decided_since_generation",
    "closing_units",
    "content_hash",
    "generations_fail_stalled",
    "payment_list_close",
    "payment_list_generate",
    "payment_list_generate_async",
    "payment_period_open",
    "preparer_closes",
    "preparer_refusal",
]
