"""What the confirmation of a bulk approval says: how many changes, of which kinds, whose."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import ngettext

from beneficiaries.models import ChangeRecord


def bulk_approval_figures(changes: list[ChangeRecord]) -> dict:
    """The sentence and the count by kind for approving `changes` at once (no query: the
    changes come with their beneficiary and commune, as the queue's selector loads them)."""
    by_kind = Counter(c.get_kind_display() for c in changes)
    kinds = ", ".join(f"{n} {label.lower()}" for label, n in by_kind.most_common())
    sentence = ngettext(
        "Approve %(n)s change (%(kinds)s). Once approved it goes into the payment lists and "
        "cannot be undone.",
        "Approve %(n)s changes (%(kinds)s). Once approved they go into the payment lists and "
        "cannot be undone.",
        len(changes),
    ) % {"n": len(changes), "kinds": kinds}
    return {
        "sentence": sentence,
        "by_kind": by_kind.most_common(),
        "changes": changes,
        "count": len(changes),
    }
