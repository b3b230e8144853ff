"""Login, logout, the unit browser and the liveness probe (the overview is the register's:
beneficiaries/views_overview.py)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.web import id_param
from org import exports, selectors
from org.downloads import XLSX
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


@login_required
@require_GET
def export_job(request, job):
    """One export job's page: progress while a worker writes the file (htmx polls the card, a
    plain reload works too), then its download, or why it failed. The owner's alone."""
    job = exports.export_job_get(user=request.user, job_uuid=job)
    return render(
        request,
        "org/export_job.html",
        {"title": _("Preparing a file"), "job": job, "polling": job.running},
    )


@login_required
@require_GET
def export_job_progress(request, job):
    """The job's card, polled by htmx while the worker runs; when it stops, the page reloads."""
    job = exports.export_job_get(user=request.user, job_uuid=job)
    response = render(request, "org/_export_job.html", {"job": job, "polling": job.running})
    if not job.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def export_job_download(request, job):
    """The finished file, to its owner only, their scope checked again (404 otherwise)."""
    job = exports.export_job_get(user=request.user, job_uuid=job)
    path = exports.export_job_file(user=request.user, job=job)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.file_name, content_type=XLSX
    )
