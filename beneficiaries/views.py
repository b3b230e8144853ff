"""Pages of the register: list, detail with history, registration, changes and their approval."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaries import care_summary, person_summary, population, selectors
from beneficiaries.change_review import change_review
from beneficiaries.confirmations import bulk_approval_figures
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.export_jobs import register_export_parameters
from beneficiaries.exporting import register_workbook
from beneficiaries.forms import (
    CHANGE_FIELDS,
    ChangeForm,
    ImportUploadForm,
    RegisterFilterForm,
    RegistrationForm,
    RejectForm,
)
from beneficiaries.models import ChangeKind, ChangeReason, ChangeStatus
from beneficiaries.policy_tables import load_policy_tables
from beneficiaries.services.applicable import PersonFacts, applicable_kinds, kind_refusal
from beneficiaries.services.changes import (
    change_record_approve,
    change_record_cancel,
    change_record_create,
    change_record_reject,
    change_record_submit,
    change_records_approve_bulk,
)
from beneficiaries.services.checks import OPEN_STATUSES
from beneficiaries.services.import_file import MAX_FILE_BYTES, column_label
from beneficiaries.services.import_jobs import (
    import_job_confirm,
    import_job_create,
    import_job_error_report,
)
from beneficiaries.services.import_template import import_template_workbook
from beneficiaries.services.registration import beneficiary_register as register_service
from core.confirm import confirmation_token, token_is
from core.errors import AppError, AppForbidden
from core.lists import page_of, safe_next
from core.web import flash_refusal, id_param
from org.downloads import ExportWhat, attachment, export_logged
from org.exports import export_job_request, export_runs_inline
from org.models import Role
from org.privacy import identifiers_for
from org.roles import CHECKER_ROLES, may_decide

PAGE_SIZE = 50


def _require_role(user, *roles: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(_("Your role cannot do this."))


@login_required
@require_GET
def register_list(request):
    """The register: search by name (with or without diacritics) or ID, filters, 50 a page."""
    communes = selectors.communes_for(user=request.user)
    many_communes = request.user.role != Role.COMMUNE_OFFICER
    form = RegisterFilterForm(request.GET or None, communes=communes if many_communes else None)
    filters = selectors.RegisterFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.RegisterFilters(
            q=d["q"],
            category=d["category"],
            status=d["status"],
            account=d["account"],
            recipient=d["recipient"],
            commune_id=d["commune"].pk if d.get("commune") else None,
        )
    sort = selectors.REGISTER_SORTS.parse(request.GET.get("sort"))
    page = page_of(
        Paginator(
            selectors.register_search(user=request.user, filters=filters, sort=sort), PAGE_SIZE
        ),
        request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "beneficiaries/register_list.html",
        {
            "title": _("Register of beneficiaries"),
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "sort": sort,
            "can_register": request.user.role == Role.COMMUNE_OFFICER,
            "show_commune": many_communes,
            "can_import": request.user.role in (Role.COMMUNE_OFFICER, Role.ADMIN),
        },
    )


@login_required
@require_GET
def beneficiary_detail(request, pk: int):
    """A person's page: what they get this month and how, their payment history (a panel the
    payments app adds), the changes waiting and the next change age brings, then the record."""
    beneficiary = selectors.beneficiary_get(user=request.user, pk=pk)
    month = timezone.localdate().replace(day=1)
    held = person_summary.categories_held(beneficiary, month)
    tables = load_policy_tables()
    menu_kinds = (
        _change_menu_kinds(beneficiary) if request.user.role == Role.COMMUNE_OFFICER else []
    )
    menu = [(url, label) for url, label, _kind in menu_kinds]
    return render(
        request,
        "beneficiaries/beneficiary_detail.html",
        {
            "title": beneficiary.full_name,
            "b": beneficiary,
            "this_month": person_summary.month_amount(beneficiary, month, tables=tables, held=held),
            "age_outlook": person_summary.age_outlook(beneficiary, month, tables=tables, held=held),
            "waiting": person_summary.changes_waiting(beneficiary),
            "panels": person_summary.person_panels(
                user=request.user, beneficiary=beneficiary, params=request.GET
            ),
            "categories": beneficiary.categories.select_related("category").order_by(
                "-active", "start_month"
            ),
            "recipients": beneficiary.recipients.order_by("-active", "-valid_from"),
            "accounts": beneficiary.accounts.select_related("provider", "recipient").order_by(
                "-created_at"
            ),
            "changes": beneficiary.changes.select_related("maker", "checker").order_by(
                "-created_at"
            ),
            "history": selectors.beneficiary_history(
                beneficiary=beneficiary, identifiers=identifiers_for(request.user)
            ),
            "population_checks": beneficiary.population_checks.order_by("-checked_at")[:5],
            "change_menu": menu,
            "care_rows": care_summary.care_rows(beneficiary, month, tables=tables),
            "caring_for": care_summary.caring_for(user=request.user, beneficiary=beneficiary),
            "care_links": [(url, label) for url, label, kind in menu_kinds if kind in CARE_KINDS],
        },
    )


CARE_KINDS = (ChangeKind.SET_CARE, ChangeKind.END_CARE)


def _change_menu_kinds(beneficiary) -> list[tuple[str, str, str]]:
    """(address, label, kind) of each change that makes sense for this person
    (`applicable_kinds`, the same answer the server gives); a death has its own form."""
    menu = []
    for kind in applicable_kinds(beneficiary):
        url = reverse("beneficiaries:change_create", args=[beneficiary.pk, kind])
        if kind == ChangeKind.STOP:
            menu.append((f"{url}?reason={ChangeReason.DEATH}", _("Report a death"), kind))
            menu.append((url, _("Stop (another reason)"), kind))
        else:
            menu.append((url, ChangeKind(kind).label, kind))
    return menu


@login_required
@require_http_methods(["GET", "POST"])
def beneficiary_register(request):
    """A commune officer registers a new beneficiary (an increase) and submits it."""
    _require_role(request.user, Role.COMMUNE_OFFICER)
    communes = selectors.communes_for(user=request.user)
    form = RegistrationForm(request.POST or None, request.FILES or None, communes=communes)
    if request.method == "POST" and form.is_valid():
        try:
            change = register_service(
                data=form.to_input(),
                maker=request.user,
                submit="save_draft" not in request.POST,
                decision_file=form.cleaned_data.get("decision_file"),
            )
        except AppForbidden:
            raise
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if change.status == ChangeStatus.SUBMITTED:
                messages.success(request, _("Registered and sent to the district for approval."))
            else:
                messages.success(request, _("Saved as a draft. Submit it when it is complete."))
            result = population.registration_check(change.beneficiary)
            level, text = population.registration_message(result, change.beneficiary)
            messages.add_message(request, getattr(messages, level.upper()), text)
            return redirect("beneficiaries:detail", pk=change.beneficiary_id)
    return render(
        request,
        "beneficiaries/register_form.html",
        {"title": _("Register a new beneficiary"), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_create(request, pk: int, kind: str):
    """A commune officer records one change to a beneficiary of their commune."""
    _require_role(request.user, Role.COMMUNE_OFFICER)
    beneficiary = selectors.beneficiary_get(user=request.user, pk=pk)
    if kind not in CHANGE_FIELDS:
        raise Http404
    # Only a kind that applies to this person now (the menu's answer): a refusal page with its
    # code otherwise, whether the form is asked for or posted straight here.
    refusal = kind_refusal(PersonFacts.of(beneficiary), kind)
    if refusal is not None:
        raise AppError(refusal.code, refusal.message)
    death = kind == ChangeKind.STOP and request.GET.get("reason") == ChangeReason.DEATH
    communes = (
        selectors.move_destinations(beneficiary=beneficiary) if kind == ChangeKind.MOVE else None
    )
    form = ChangeForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        beneficiary=beneficiary,
        communes=communes,
        death=death,
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = change_record_create(
                beneficiary=beneficiary,
                data=form.to_input(),
                maker=request.user,
                submit="save_draft" not in request.POST,
                decision_file=form.cleaned_data.get("decision_file"),
            )
        except AppForbidden:
            raise
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if change.status == ChangeStatus.SUBMITTED:
                messages.success(
                    request, _("The change was recorded and sent to the district for approval.")
                )
            else:
                messages.success(request, _("Saved as a draft. Submit it when it is complete."))
            if change.month_moved_text:  # the officer asked for another month: say why
                messages.warning(request, change.month_moved_text)
            return redirect("beneficiaries:detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/change_form.html",
        {
            "title": _("Report a death") if death else ChangeKind(kind).label,
            "form": form,
            "b": beneficiary,
            "kind": kind,
        },
    )


@login_required
@require_GET
def change_queue(request):
    """What waits on the user: a district officer's changes to decide, a commune officer's
    drafts, system proposals and rejected changes."""
    show = request.GET.get("show", "")
    statuses = None
    if show == "all":
        statuses = ()
    elif show in ChangeStatus.values:
        statuses = (show,)
    sort = selectors.CHANGE_QUEUE_SORTS.parse(request.GET.get("sort"))
    changes = selectors.change_queue(user=request.user, statuses=statuses, sort=sort)
    page = page_of(Paginator(changes, PAGE_SIZE), request.GET.get("page"))
    return render(
        request,
        "beneficiaries/change_queue.html",
        {
            "title": _("Changes"),
            "page": page,
            "show": show,
            "sort": sort,
            # Where a decision brings the officer back: this very page of the queue.
            "here": request.get_full_path(),
            "statuses": ChangeStatus.choices,
            "can_decide": request.user.role in CHECKER_ROLES,
            # What the population database disputes, for the commune to look into.
            "population_problems": population.latest_problems(
                selectors.beneficiary_list(user=request.user)
            )[:100],
        },
    )


@login_required
@require_GET
def change_detail(request, pk: int):
    change = selectors.change_get(user=request.user, pk=pk)
    return render(
        request,
        "beneficiaries/change_detail.html",
        {
            "title": change.get_kind_display(),
            "change": change,
            "next": safe_next(request, request.GET.get("next")),
            "review": change_review(user=request.user, change=change)
            if change.status in OPEN_STATUSES
            else None,
            "warnings": population.change_warnings(change)
            if change.status in OPEN_STATUSES
            else [],
            "reject_form": RejectForm(),
            "can_decide": may_decide(request.user, change.commune)
            and change.status == ChangeStatus.SUBMITTED
            and change.maker_id != request.user.pk,
            "can_submit": request.user.role == Role.COMMUNE_OFFICER
            and change.status in (ChangeStatus.DRAFT, ChangeStatus.PROPOSED),
            "asks_funeral_payee": change.status == ChangeStatus.PROPOSED
            and change.kind == ChangeKind.STOP
            and change.reason == ChangeReason.DEATH,
            "can_cancel": request.user.role == Role.COMMUNE_OFFICER
            and change.status in OPEN_STATUSES,
        },
    )


def _decide(request, pk: int, action) -> object:
    """Run `action` on the change; done, back to the list the officer came from (`next`, a
    filtered queue), refused, back to the change with the message."""
    change = selectors.change_get(user=request.user, pk=pk)
    back = safe_next(request, request.POST.get("next"))
    try:
        action(change)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        if back:
            return redirect(back)
    detail = reverse("beneficiaries:change_detail", kwargs={"pk": change.pk})
    return redirect(f"{detail}?{urlencode({'next': back})}" if back else detail)


@login_required
@require_POST
def change_approve(request, pk: int):
    def approve(change):
        change_record_approve(change=change, approved_by=request.user)
        messages.success(request, _("Approved: %(name)s.") % {"name": change.beneficiary.full_name})

    return _decide(request, pk, approve)


@login_required
@require_POST
def change_reject(request, pk: int):
    def reject(change):
        change_record_reject(
            change=change, rejected_by=request.user, reason=request.POST.get("rejection_reason", "")
        )
        messages.success(request, _("Rejected: %(name)s.") % {"name": change.beneficiary.full_name})

    return _decide(request, pk, reject)


@login_required
@require_POST
def change_submit(request, pk: int):
    def submit(change):
        payee = None
        if "funeral_payee_name" in request.POST:  # a proposed death: who receives the support
            payee = {
                "name": request.POST.get("funeral_payee_name", ""),
                "id_number": request.POST.get("funeral_payee_id_number", ""),
                "relationship": request.POST.get("funeral_payee_relationship", ""),
            }
        change_record_submit(change=change, user=request.user, funeral_payee=payee)
        messages.success(request, _("Sent to the district for approval."))

    return _decide(request, pk, submit)


@login_required
@require_POST
def change_cancel(request, pk: int):
    def cancel(change):
        change_record_cancel(change=change, user=request.user)
        messages.success(request, _("The change was cancelled."))

    return _decide(request, pk, cancel)


@login_required
@require_http_methods(["GET", "POST"])
def change_bulk_approve(request):
    """Approve the ticked changes; each is decided on its own, failures are listed. The ticked
    ids come first to a confirmation (GET, how many of which kind); only its POST, with the
    token of those changes, approves."""
    _require_role(request.user, *CHECKER_ROLES)
    data = request.GET if request.method == "GET" else request.POST
    ids = [i for i in map(id_param, data.getlist("change")) if i is not None]
    back = safe_next(request, data.get("next"))
    changes = list(
        selectors.change_queue(user=request.user, statuses=(ChangeStatus.SUBMITTED,))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if not changes:
        messages.error(request, _("Tick the changes to approve first."))
        return redirect(back or "beneficiaries:change_queue")
    token = confirmation_token("bulk_approve", request.user, *(c.pk for c in changes))
    if request.method == "GET":
        return render(
            request,
            "beneficiaries/change_bulk_confirm.html",
            {"title": _("Approve the ticked changes"), "token": token, "next": back}
            | bulk_approval_figures(changes),
        )
    if not token_is(token, request.POST.get("confirm")):
        return redirect(
            f"{reverse('beneficiaries:change_bulk_approve')}?"
            + urlencode([("change", c.pk) for c in changes] + ([("next", back)] if back else []))
        )
    approved, failures = change_records_approve_bulk(changes=changes, approved_by=request.user)
    if approved:
        messages.success(request, _("%(n)s changes approved.") % {"n": approved})
    for failure in failures:
        messages.error(request, failure)
    return redirect(back or "beneficiaries:change_queue")


@login_required
@require_GET
def change_decision_file(request, pk: int):
    """The scanned decision, to those who may see the change (never a public media URL)."""
    change = selectors.change_get(user=request.user, pk=pk)
    if not change.decision_file:
        raise Http404
    name = change.decision_file.name.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower()
    if extension not in DECISION_CONTENT_TYPES:
        extension = "bin"
    response = FileResponse(
        change.decision_file.open("rb"),
        as_attachment=True,
        filename=f"quyet-dinh-{change.pk}.{extension}",
        content_type=DECISION_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# What a stored decision is served as: a download, never a page of this origin.
DECISION_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


# --- Import and export ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a file: it is stored and queued, and the job's page follows the worker's check
    (no request reads a spreadsheet). A commune officer imports registrations; the
    administrator alone may make it the initial load (the service refuses it to anyone else)."""
    _require_role(request.user, Role.COMMUNE_OFFICER, Role.ADMIN)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"initial_load": request.GET.get("initial_load") == "1"},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_FILE_BYTES:  # before it is read into memory
                raise AppError(Code.IMPORT_FILE_TOO_LARGE, _("The file is larger than 10 MB."))
            job = import_job_create(
                user=request.user,
                name=upload.name,
                content=upload.read(),
                initial_load=form.cleaned_data["initial_load"],
            )
        except AppForbidden as exc:  # not allowed (the initial load to an officer)
            form.add_error(None, exc.text)
        except AppError as exc:
            form.add_error("file", exc.text)
        else:
            return redirect("beneficiaries:import_job", job=job.uuid)
    return render(
        request,
        "beneficiaries/import.html",
        {
            "title": _("Import beneficiaries"),
            "form": form,
            "can_initial_load": request.user.role == Role.ADMIN,
            "jobs": selectors.import_jobs_recent(user=request.user),
        },
    )


def _job_context(request, job) -> dict:
    return {
        "title": _("Import of %(name)s") % {"name": job.file_name},
        "job": job,
        "polling": job.running,
        # Each problem names its column as the template's header does (the key stays with it).
        "row_errors": [{**e, "label": column_label(e["column"])} for e in job.row_errors or []],
    }


@login_required
@require_GET
def import_job(request, job):
    """One upload's page: progress while a worker checks or imports it (htmx polls the card;
    a plain reload works too), then every bad row, or the button that imports this file."""
    job = selectors.import_job_get(user=request.user, job_uuid=job)
    return render(request, "beneficiaries/import_job.html", _job_context(request, job))


@login_required
@require_GET
def import_job_progress(request, job):
    """The job's card, polled by htmx while the worker runs; when it stops, the page reloads."""
    job = selectors.import_job_get(user=request.user, job_uuid=job)
    response = render(request, "beneficiaries/_import_job.html", _job_context(request, job))
    if not job.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_confirm(request, job):
    """Import the file of this job (checked by the worker; checked again: all or nothing)."""
    job = selectors.import_job_get(user=request.user, job_uuid=job)
    try:
        import_job_confirm(job=job, user=request.user)
    except (AppError, AppForbidden) as exc:
        flash_refusal(request, exc)
    return redirect("beneficiaries:import_job", job=job.uuid)


@login_required
@require_GET
def import_job_errors(request, job):
    """An upload's problems as a .csv to work through: row, column (its Vietnamese label),
    problem, and the column's key and the problem's code (the uploader's alone, like the job)."""
    job = selectors.import_job_get(user=request.user, job_uuid=job)
    return attachment(
        import_job_error_report(job=job), f"loi-nhap-{job.uuid}.csv", "text/csv; charset=utf-8"
    )


@login_required
@require_GET
def import_template(request):
    """The import template for this user: Vietnamese headers, drop-down lists (their own
    communes among them), an example sheet and a guide."""
    return attachment(import_template_workbook(user=request.user), "mau-nhap-doi-tuong.xlsx")


@login_required
@require_GET
def register_export(request):
    """The register as the user sees it (same filters) as .xlsx; the export is logged."""
    communes = selectors.communes_for(user=request.user)
    form = RegisterFilterForm(
        request.GET or None,
        communes=communes if request.user.role != Role.COMMUNE_OFFICER else None,
    )
    filters = selectors.RegisterFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.RegisterFilters(
            q=d["q"],
            category=d["category"],
            status=d["status"],
            account=d["account"],
            recipient=d["recipient"],
            commune_id=d["commune"].pk if d.get("commune") else None,
        )
    unit_code = request.user.unit.code if request.user.unit_id else "all"
    file_name = f"doi-tuong-{unit_code}-{timezone.localdate():%Y%m%d}.xlsx"
    queryset = selectors.register_search(user=request.user, filters=filters)
    if not export_runs_inline(queryset.count()):
        # A large register takes many seconds: a worker writes it, the job's page shows progress.
        job = export_job_request(
            user=request.user,
            kind=ExportWhat.REGISTER_XLSX,
            parameters=register_export_parameters(user=request.user, filters=filters),
            file_name=file_name,
            unit=request.user.unit,
        )
        return redirect("export_job", job=job.uuid)
    content, rows = register_workbook(queryset, identifiers_for(request.user))
    export_logged(
        user=request.user,
        what="register_xlsx",
        unit=request.user.unit,
        parameters=request.GET.urlencode(),
        row_count=rows,
    )
    return attachment(content, file_name)
