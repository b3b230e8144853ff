"""The rulebook's checks on a person's categories (Decree 20/2021 Art. 5): what each category
requires, and whether it applies to the person's age, disability level and children in a month.

Pure: the policy tables and the age rule (settings.TROCAP_AGE_RULE) are passed in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.policy import Person, PolicyTables, age_in_month, category_coefficient
from beneficiaries.rules.identity import error

CATEGORY_CODES = ("K1", "K2", "K3", "K4", "K5A", "K5B", "K5C", "K5D", "K6", "K7", "K8")


def check_category_requirements(
    categories: list[str], *, disability_level: str, dependent_children: int | None
) -> dict[str, list[ValidationError]]:
    """Fields a category requires: a disability level for K6, a number of children for K4.
    Returns errors keyed by the field they belong to."""
    errors: dict[str, list[ValidationError]] = {}
    if "K6" in categories and not disability_level:
        errors["disability_level"] = [
            error(
                Code.DISABILITY_LEVEL_REQUIRED,
                _("Category K6 needs the disability level (severe or extremely severe)."),
            )
        ]
    if "K4" in categories and not dependent_children:
        errors["dependent_children"] = [
            error(
                Code.DEPENDENT_CHILDREN_REQUIRED,
                _("Category K4 needs the number of children being raised (at least 1)."),
            )
        ]
    return errors


def category_age_errors(
    *,
    tables: PolicyTables,
    categories: Iterable[str],
    date_of_birth: datetime.date | None,
    month: datetime.date | None,
    disability_level: str,
    dependent_children: int | None,
    age_rule: str,
) -> list[ValidationError]:
    """A category whose conditions the person does not meet in `month` (K5C under 80, K1 at 16
    or over, K6 with a level no band pays, ...): CATEGORY_AGE, whichever door (a registration in
    its start month, a category or disability change in its effective month). A missing
    disability level or number of children is `check_category_requirements`' error, not this
    one's; a month before the birth month is another check's."""
    if month is None or date_of_birth is None:
        return []
    month = month.replace(day=1)
    if month < date_of_birth.replace(day=1):
        return []
    codes = tuple(code for code in categories if code in CATEGORY_CODES)
    person = Person(
        date_of_birth=date_of_birth,
        categories=codes,
        disability_level=disability_level or "severe",  # a missing one is checked on its own
        dependent_children=dependent_children or 1,
    )
    age = age_in_month(date_of_birth, month, age_rule)
    return [
        error(
            Code.CATEGORY_AGE,
            _("Category %(code)s does not apply to a person aged %(age)s in %(month)s.")
            % {"code": code, "age": age, "month": month.strftime("%m/%Y")},
        )
        for code in codes
        if category_coefficient(tables, code, person, month, age_rule) is None
    ]
