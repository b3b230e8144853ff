"""A line's explanation ("how the amount was computed"): written once, read in any language.

Generation writes it into the line in the system's language (Vietnamese), whoever started the
generation and in whatever language: the line is sealed with its list, and the same list
generated twice reads the same. A page in another language reads it through
`explanation_text`, which puts the known fragments into the active language; the rest of it
(category codes, coefficients, amounts, months) is the same in every language.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_noop, override

SEPARATOR = "; "
ARREARS = gettext_noop("arrears %(months)s")
FUNERAL = gettext_noop("funeral support")
CARE = gettext_noop("care support %(formula)s")
CARRIED_OVER = gettext_noop("carried over from an earlier list")


def line_explanation(
    *,
    regular: str,
    arrears_months: Iterable[datetime.date],
    funeral: bool,
    carried_over: bool,
    care: str = "",
) -> str:
    """The stored explanation of a line: the regular allowance's formula (`regular`, may be
    empty) or the care support's (`care`, on a care-support line), then the arrears months, the
    funeral support and a carry-over, in the system's language; at most 400 characters (the
    field's size)."""
    months = [f"{month:%m/%Y}" for month in arrears_months]
    if not (months or funeral or carried_over or care):
        # Most lines: the formula alone, nothing to translate (no language switch per line).
        return regular[:400]
    with override(settings.LANGUAGE_CODE):
        parts = [regular] if regular else []
        if care:
            parts.append(gettext(CARE) % {"formula": care})
        if months:
            parts.append(gettext(ARREARS) % {"months": ", ".join(months)})
        if funeral:
            parts.append(gettext(FUNERAL))
        if carried_over:
            parts.append(gettext(CARRIED_OVER))
    return SEPARATOR.join(parts)[:400]


def explanation_text(stored: str) -> str:
    """`stored`, a line's explanation, in the active language (unchanged in the system's)."""
    language = get_language() or settings.LANGUAGE_CODE
    if not stored or language == settings.LANGUAGE_CODE:
        return stored
    with override(settings.LANGUAGE_CODE):
        fixed = {gettext(FUNERAL): FUNERAL, gettext(CARRIED_OVER): CARRIED_OVER}
        arrears_prefix = gettext(ARREARS).split("%(months)s")[0]
        care_prefix = gettext(CARE).split("%(formula)s")[0]
    parts = []
    for part in stored.split(SEPARATOR):
        if part in fixed:
            part = gettext(fixed[part])
        elif arrears_prefix and part.startswith(arrears_prefix):
            part = gettext(ARREARS) % {"months": part[len(arrears_prefix) :]}
        elif care_prefix and part.startswith(care_prefix):
            part = gettext(CARE) % {"formula": part[len(care_prefix) :]}
        parts.append(part)
    return SEPARATOR.join(parts)
