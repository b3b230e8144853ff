"""Read the policy reference rows from the database into the pure `PolicyTables` value."""

from __future__ import annotations

from beneficiaries.policy import (
    ADDITIVE_PARTNERS,
    CoefficientBand,
    PolicyTables,
    StandardLevelRow,
)
from beneficiaries.policy_models import CategoryCoefficient, StandardLevel
from org.review import ReviewStatus


def load_policy_tables() -> PolicyTables:
    """All approved coefficient bands and standard levels, in two queries, with no side effects.

    Rows proposed in the admin and not yet approved by another person (`org.review`) are left
    out: they take effect only once approved.

    Provincial levels carry the province's GSO code, national ones None. Categories flagged
    `additive` (K4) are mapped to `ADDITIVE_PARTNERS`; they are found through their bands, since
    a category without bands could never be paid anyway. Load once per payment list or request
    and pass the result to the functions in `beneficiaries.policy`.
    """
    bands = []
    additive: dict[str, frozenset[str]] = {}
    approved = {"review_status": ReviewStatus.APPROVED}
    # Plain tuples, not model instances: a worker reads the tables once per closing unit.
    for code, is_additive, *band in CategoryCoefficient.objects.filter(**approved).values_list(
        "category__code",
        "category__additive",
        "min_age",
        "max_age",
        "age_group",
        "disability_level",
        "per_child",
        "variant",
        "coefficient",
        "valid_from",
        "valid_to",
    ):
        bands.append(CoefficientBand(code, *band))
        if is_additive:
            additive[code] = ADDITIVE_PARTNERS
    levels = tuple(
        StandardLevelRow(province_code=province_code, effective_month=month, amount=amount)
        for province_code, month, amount in StandardLevel.objects.filter(**approved).values_list(
            "province__code", "effective_month", "amount"
        )
    )
    return PolicyTables(bands=tuple(bands), levels=levels, additive=additive)
