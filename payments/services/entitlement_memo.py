"""Monthly amounts already computed, kept across the lists one process generates.

A national generation is one task per closing unit: thousands of communes of a few hundred to a
few thousand people, each pricing again the same few hundred combinations of categories, age,
disability level and children. The amount is a pure function (payments.calculations.entitlement)
of that combination and of its context: the policy tables, the month, the province, the age rule
and the language a problem is written in. So the answers are kept per context, and a list reuses
them only while the tables it has just read from the database (inside its consistent read) are
EQUAL to the tables the answers were computed with. A band or standard level approved, edited or
withdrawn since gives a fresh memo: nothing to invalidate, no time to live, no stale decree.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict

from django.utils.translation import get_language

from beneficiaries.policy import PolicyTables

# Contexts kept (month × province × rule × language): a national month is 34 provinces. Each
# memo holds at most the combinations a province's people have (a few thousand small values).
MAX_CONTEXTS = 64

_memos: OrderedDict[tuple, tuple[PolicyTables, dict]] = OrderedDict()
_lock = threading.Lock()


def entitlement_memo(
    tables: PolicyTables, month: datetime.date, province_code: str, rule: str
) -> dict:
    """The memo of amounts for this context, shared with earlier lists of this process that read
    equal policy tables; a new empty one (replacing the old) when the tables differ. Its keys are
    the generation's (codes held, age, disability level, children), its values what
    `entitlement` returned for them."""
    key = (month, province_code, rule, get_language())
    with _lock:
        entry = _memos.get(key)
        if entry is None or entry[0] != tables:
            entry = (tables, {})
            _memos[key] = entry
        _memos.move_to_end(key)
        while len(_memos) > MAX_CONTEXTS:
            _memos.popitem(last=False)
        return entry[1]


def entitlement_memos_clear() -> None:
    """Forget every kept amount (tests that replace the amount function)."""
    with _lock:
        _memos.clear()
