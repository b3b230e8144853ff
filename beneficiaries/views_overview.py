"""Each role's overview page and the policy tables: the register's figures for the user's scope.

(They were org's views; they read the register, so they live in beneficiaries, above org.)
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from beneficiaries import selectors as beneficiary_selectors
from beneficiaries.shortcuts import shortcuts_for
from org import selectors
from org.models import Role, UnitLevel


@login_required
@require_GET
def home(request):
    """Each role's overview: the figures of the user's scope, and the units just below it."""
    user = request.user
    root = selectors.unit_root(user=user)
    by_commune = beneficiary_selectors.coverage_by_commune(user=user)  # counted once
    figures = beneficiary_selectors.coverage_figures(user=user, by_commune=by_commune)
    breakdown = []
    if root is None or root.level != UnitLevel.COMMUNE:
        breakdown = beneficiary_selectors.coverage_by_child_unit(
            user=user, unit=root, by_commune=by_commune
        )
    return render(
        request,
        "org/home.html",
        {
            "title": _("Overview"),
            "root": root,
            "figures": figures,
            "breakdown": breakdown,
            "is_commune": root is not None and root.level == UnitLevel.COMMUNE,
            "shortcuts": shortcuts_for(user=user),
            "Role": Role,
        },
    )


@login_required
@require_GET
def policy_tables(request):
    """The approved standard levels and category coefficients, and apart from them, marked
    "awaiting approval", the rows proposed in the admin that do not count yet."""
    return render(
        request,
        "org/policy_tables.html",
        {
            "title": _("Standard levels and coefficients"),
            "levels": beneficiary_selectors.standard_levels(),
            "coefficients": beneficiary_selectors.category_coefficients(),
            "proposed_levels": beneficiary_selectors.standard_levels(approved=False),
            "proposed_coefficients": beneficiary_selectors.category_coefficients(approved=False),
        },
    )
