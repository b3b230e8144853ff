"""Login, logout, the unit browser and the liveness probe (the overview is the register's:
beneficiaries/views_overview.py)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.web import id_param
from org import selectors
from org.forms import LoginForm
from org.models import AdministrativeUnit
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
def unit_list(request):
    """Browse the administrative units in scope, one level at a time (?parent=<id>)."""
    parent = None
    parent_id = request.GET.get("parent", "")
    if id_param(parent_id) is not None:
        parent = get_in_scope_or_404(
            AdministrativeUnit.objects.all(),
            user=request.user,
            unit_field="",
            pk=id_param(parent_id),
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


@require_GET
def healthz(request):
    """Liveness for docker-compose and `make run`: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
