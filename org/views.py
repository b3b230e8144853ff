"""Login, logout, the home page of each role, and the unit browser."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from beneficiaries import selectors as beneficiary_selectors
from org import selectors
from org.forms import LoginForm
from org.models import AdministrativeUnit, Role
from org.scoping import get_in_scope_or_404


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_GET
def home(request):
    """Each role's overview: the figures of the user's scope, and the units just below it."""
    user = request.user
    root = selectors.unit_root(user=user)
    by_commune = beneficiary_selectors.coverage_by_commune(user=user)  # counted once
    figures = beneficiary_selectors.coverage_figures(user=user, by_commune=by_commune)
    breakdown = []
    if root is None or root.level != "commune":
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
            "is_commune": root is not None and root.level == "commune",
            "Role": Role,
        },
    )


@login_required
@require_GET
def unit_list(request):
    """Browse the administrative units in scope, one level at a time (?parent=<id>)."""
    parent = None
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        parent = get_in_scope_or_404(
            AdministrativeUnit.objects.all(), user=request.user, unit_field="", pk=int(parent_id)
        )
    elif request.user.unit_id:
        parent = request.user.unit
    if parent is None:
        units = selectors.unit_list(user=request.user).filter(parent__isnull=True)
    else:
        units = selectors.unit_list(user=request.user, parent=parent)
    return render(
        request,
        "org/unit_list.html",
        {
            "title": _("Administrative units"),
            "parent": parent,
            "units": units,
            "can_go_up": parent is not None
            and parent.parent_id is not None
            and (request.user.unit_id is None or parent.path != request.user.unit.path),
        },
    )


@login_required
@require_GET
def policy_tables(request):
    """The standard levels and the category coefficients in force."""
    return render(
        request,
        "org/policy_tables.html",
        {
            "title": _("Standard levels and coefficients"),
            "levels": beneficiary_selectors.standard_levels(),
            "coefficients": beneficiary_selectors.category_coefficients(),
        },
    )


@require_GET
def healthz(request):
    """Liveness for docker-compose and `make run`: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
