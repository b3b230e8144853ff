"""Pages of the payment cycle: periods, the review page with live progress, closing, exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaries.selectors import change_get
from core.lists import page_of
from core.months import add_months, month_label, month_parse
from core.web import REFUSALS, flash_refusal, id_param
from org.downloads import ExportWhat, attachment, export_logged
from org.exports import export_job_request, export_runs_inline
from org.models import AdministrativeUnit, UnitLevel
from org.privacy import identifiers_for
from org.roles import communes_of, may_prepare_lists, may_run_lists
from payments import confirmations, dispatch, exporting, line_search, rollup, selectors, services
from payments.confirmations import token_matches
from payments.export_jobs import list_export_commune
from payments.models import LineStatus, PaymentBatch, PeriodStatus, Reconciliation
from payments.months import month_due, month_window
from payments.reconciliation import period_reconcile as period_reconcile_service
from payments.reconciliation import reconciliation_context, refused_results
from payments.settlement import settlement_xlsx
from providers.adapters import ProviderError


def _can_manage(user, period) -> bool:
    """Closes, sends and reconciles this list (org.roles)."""
    return may_run_lists(user, period.unit)


def _can_prepare(user, period) -> bool:
    """Opens the period and generates the list (org.roles)."""
    return may_prepare_lists(user, period.unit)


def _can_settle(user, period) -> bool:
    """Sees the settlement report, which covers every commune of the closing unit: not a
    commune user of a district's list (a two-tier commune's list is its own)."""
    unit = user.unit
    return unit is None or unit.level != UnitLevel.COMMUNE or unit.pk == period.unit_id


def _closing_unit(user):
    """The closing unit whose lists the user prepares, if any."""
    unit = user.unit
    return unit if unit is not None and may_prepare_lists(user, unit) else None


@login_required
@require_GET
def period_list(request):
    periods = selectors.period_list(user=request.user)
    closing_unit = _closing_unit(request.user)
    month_first, month_last = month_window()
    return render(
        request,
        "payments/period_list.html",
        {
            "title": _("Payment lists"),
            "page": Paginator(periods, 50).get_page(request.GET.get("page")),
            "closing_unit": closing_unit,
            "can_roll_up": request.user.unit is None
            or request.user.unit.level == UnitLevel.PROVINCE,
            # The month whose list is due (after the unit's last closed list), not just "next".
            "next_month": month_due(closing_unit)
            if closing_unit
            else add_months(timezone.localdate().replace(day=1), 1),
            "month_first": month_first,
            "month_last": month_last,
        },
    )


@login_required
@require_POST
def period_open(request):
    """The closing unit's officer (or a two-tier commune's officer) opens the period of a month
    for their unit and generates its draft."""
    if _closing_unit(request.user) is None:
        raise PermissionDenied(_("Only the officer of a closing unit opens payment periods."))
    try:
        target = month_parse(request.POST.get("month", ""))
    except ValueError:
        first, last = month_window()
        messages.error(
            request,
            _("Choose the month as MM/YYYY, from %(first)s to %(last)s.")
            % {"first": month_label(first), "last": month_label(last)},
        )
        return redirect("payments:list")
    try:
        period = services.payment_period_open(unit=request.user.unit, month=target)
        if period.status == PeriodStatus.DRAFT:
            services.payment_list_generate_async(period=period, user=request.user)
    except ValidationError as error:
        flash_refusal(request, error)
        return redirect("payments:list")
    return redirect("payments:review", pk=period.pk)


@login_required
@require_GET
def period_review(request, pk: int):
    period = selectors.period_get(user=request.user, pk=pk)
    payment_list = period.payment_list
    context = {
        "title": _("Payment list %(month)s – %(unit)s")
        % {"month": f"{period.month:%m/%Y}", "unit": period.unit.name},
        "period": period,
        "plist": payment_list,
        "can_manage": _can_manage(request.user, period),
        "can_prepare": _can_prepare(request.user, period),
        "generating": payment_list.generating,
        "communes": communes_of(period.unit).order_by("name"),
    }
    if payment_list.generated_at and not context["generating"]:
        context.update(selectors.review(user=request.user, period=period))
        context["category_names"] = line_search.category_names()
        if services.preparer_closes(payment_list, request.user):
            context["preparer_refusal"] = services.preparer_refusal(payment_list)
    if payment_list.closed_at:
        context["batches"] = selectors.batch_progress(period)
        context["polling"] = _still_moving(period, context["batches"])
    return render(request, "payments/review.html", context)


@login_required
@require_GET
def period_progress(request, pk: int):
    """The progress bar, polled by htmx every second while the list is being generated; when it
    is done the page reloads itself (HX-Refresh)."""
    period = selectors.period_get(user=request.user, pk=pk)
    payment_list = period.payment_list
    response = render(
        request,
        "payments/_progress.html",
        {
            "period": period,
            "plist": payment_list,
            "generating": payment_list.generating,
            "can_manage": _can_manage(request.user, period),
            "can_prepare": _can_prepare(request.user, period),
        },
    )
    if not payment_list.generating:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def period_generate(request, pk: int):
    period = selectors.period_get(user=request.user, pk=pk)
    if not _can_prepare(request.user, period):
        raise PermissionDenied(
            _("Only an officer of %(unit)s can generate its list.") % {"unit": period.unit}
        )
    try:
        services.payment_list_generate_async(period=period, user=request.user)
    except ValidationError as error:
        flash_refusal(request, error)
    return redirect("payments:review", pk=period.pk)


def _confirm_page(request, period, confirmation, back: str):
    return render(
        request,
        "payments/confirm.html",
        {"title": confirmation.title, "period": period, "c": confirmation, "back": back},
    )


def _unconfirmed(request, confirmation) -> bool:
    """A POST without the token of the figures as they are now: the officer has not seen them."""
    if token_matches(confirmation, request.POST.get("confirm")):
        return False
    if request.POST.get("confirm"):
        messages.error(
            request, _("The figures changed since the page was shown: check them again.")
        )
    return True


@login_required
@require_http_methods(["GET", "POST"])
def period_close(request, pk: int):
    """GET: the confirmation with the list's figures. POST with its token: close the list."""
    period = selectors.period_get(user=request.user, pk=pk)
    confirmation = confirmations.close_confirmation(user=request.user, period=period)
    if request.method == "GET":
        if not _can_manage(request.user, period):
            return redirect("payments:review", pk=period.pk)  # nothing for them to confirm
        return _confirm_page(request, period, confirmation, back="payments:review")
    if _unconfirmed(request, confirmation):
        return redirect("payments:close", pk=period.pk)
    try:
        services.payment_list_close(period=period, closed_by=request.user)
    except REFUSALS as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("The list is closed. Its lines can no longer change."))
    return redirect("payments:review", pk=period.pk)


@login_required
@require_http_methods(["GET", "POST"])
def change_defer(request, pk: int, change_pk: int):
    """Defer the decision on a change to next month's list, so that this list can close. GET:
    the confirmation; POST with its token: defer."""
    period = selectors.period_get(user=request.user, pk=pk)
    change = change_get(user=request.user, pk=change_pk)
    confirmation = confirmations.defer_confirmation(user=request.user, period=period, change=change)
    if request.method == "GET":
        if not _can_manage(request.user, period):
            return redirect("payments:review", pk=period.pk)  # nothing for them to confirm
        return _confirm_page(request, period, confirmation, back="payments:review")
    if _unconfirmed(request, confirmation):
        return redirect("payments:defer", pk=period.pk, change_pk=change.pk)
    try:
        services.change_record_defer(
            change=change, user=request.user, month=add_months(period.month, 1)
        )
    except REFUSALS as error:
        flash_refusal(request, error)
    return redirect("payments:review", pk=period.pk)


@login_required
@require_GET
def period_lines(request, pk: int):
    """The lines of a list, 100 a page: filters (commune, result, provider, name or ID number)
    and the sort in the address, kept by every link of the page."""
    period = selectors.period_get(user=request.user, pk=pk)
    filters = line_search.LineFilters.from_query(request.GET)
    sort = line_search.LINE_SORTS.parse(request.GET.get("sort"))
    lines = line_search.lines_search(
        user=request.user, payment_list=period.payment_list, filters=filters, sort=sort
    )
    choices = line_search.line_filter_choices(user=request.user, payment_list=period.payment_list)
    return render(
        request,
        "payments/lines.html",
        {
            "title": _("Payment list lines: %(unit)s, %(month)s")
            % {"unit": period.unit.name, "month": month_label(period.month)},
            "period": period,
            "page": page_of(Paginator(lines, 100), request.GET.get("page")),
            "statuses": LineStatus.choices,
            "filters": filters,
            "sort": sort,
            "communes": choices["communes"] if len(choices["communes"]) > 1 else [],
            "providers": choices["providers"],
            "category_names": line_search.category_names(),
        },
    )


def _export_commune(request, period):
    return list_export_commune(
        user=request.user, period=period, commune_id=request.GET.get("commune", "")
    )


@login_required
@require_GET
def period_export(request, pk: int, fmt: str):
    """The list as the official xlsx (a sheet per commune) or the CSV of DESIGN.md §5."""
    period = selectors.period_get(user=request.user, pk=pk)
    commune = _export_commune(request, period)
    payment_list = period.payment_list
    if payment_list.generated_at is None:
        raise Http404
    suffix = f"-{commune.code}" if commune else ""
    name = f"danh-sach-chi-tra-{period.unit.code}-{period.month:%Y-%m}{suffix}"
    if fmt not in ("csv", "xlsx"):
        raise Http404
    shown = identifiers_for(request.user)
    lines = payment_list.lines.filter(commune=commune) if commune else payment_list.lines
    row_count = lines.count()
    if fmt == "xlsx" and not export_runs_inline(row_count):
        # A large list's xlsx takes seconds: a worker writes it, the job's page shows progress.
        job = export_job_request(
            user=request.user,
            kind=ExportWhat.PAYMENT_LIST_XLSX,
            parameters={"period": period.pk, "commune": commune.pk if commune else None},
            file_name=f"{name}.xlsx",
            unit=commune or period.unit,
        )
        return redirect("export_job", job=job.uuid)
    if fmt == "csv":
        content = exporting.payment_list_csv(payment_list, commune=commune, identifiers=shown)
        response = attachment(content, f"{name}.csv", "text/csv; charset=utf-8")
    else:
        content = exporting.payment_list_xlsx(payment_list, commune=commune, identifiers=shown)
        response = attachment(content, f"{name}.xlsx")
    export_logged(
        user=request.user,
        what=f"payment_list_{fmt}",
        unit=commune or period.unit,
        parameters=f"period={period.pk}",
        row_count=row_count,
    )
    return response


@login_required
@require_GET
def period_results_export(request, pk: int):
    """The providers' results of a closed list as CSV (reference, status, paid at, failure), for
    the settlement; the list exports stay as sealed. The same access as the list export: a
    commune officer gets their commune's lines only."""
    period = selectors.period_get(user=request.user, pk=pk)
    commune = _export_commune(request, period)
    payment_list = period.payment_list
    if payment_list.closed_at is None:
        raise Http404
    suffix = f"-{commune.code}" if commune else ""
    name = f"ket-qua-chi-tra-{period.unit.code}-{period.month:%Y-%m}{suffix}.csv"
    content = exporting.payment_results_csv(payment_list, commune=commune)
    lines = payment_list.lines.filter(commune=commune) if commune else payment_list.lines
    export_logged(
        user=request.user,
        what="payment_results_csv",
        unit=commune or period.unit,
        parameters=f"period={period.pk}",
        row_count=lines.count(),
    )
    return attachment(content, name, "text/csv; charset=utf-8")


@login_required
@require_GET
def signature_list(request, pk: int, commune_pk: int):
    """The printable list of cash payments of one commune, for signatures at the post office."""
    period = selectors.period_get(user=request.user, pk=pk)
    commune = communes_of(period.unit).filter(pk=commune_pk).first()
    if commune is None or (
        request.user.unit_id
        and request.user.unit.level == UnitLevel.COMMUNE
        and commune != request.user.unit
    ):
        raise Http404
    context = exporting.signature_list_context(
        period.payment_list, commune=commune, identifiers=identifiers_for(request.user)
    )
    export_logged(
        user=request.user,
        what="signature_list",
        unit=commune,
        parameters=f"period={period.pk}",
        row_count=len(context.get("lines", [])),
    )
    return render(request, "payments/signature_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def period_submit(request, pk: int):
    """Send the closed list to its providers: one Celery task per provider batch. GET: the
    confirmation with the batches' control totals; POST with its token: send."""
    period = selectors.period_get(user=request.user, pk=pk)
    confirmation = confirmations.submit_confirmation(user=request.user, period=period)
    if request.method == "GET":
        if not _can_manage(request.user, period):
            return redirect("payments:review", pk=period.pk)  # nothing for them to confirm
        return _confirm_page(request, period, confirmation, back="payments:review")
    if _unconfirmed(request, confirmation):
        return redirect("payments:submit", pk=period.pk)
    try:
        dispatch.payment_list_submit(period=period, user=request.user)
    except REFUSALS as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("The list is being sent to the providers."))
    return redirect("payments:review", pk=period.pk)


@login_required
@require_GET
def period_batches(request, pk: int):
    """Live progress per provider, polled by htmx while lines are not final."""
    period = selectors.period_get(user=request.user, pk=pk)
    batches = selectors.batch_progress(period)
    return render(
        request,
        "payments/_batches.html",
        {
            "period": period,
            "batches": batches,
            "polling": _still_moving(period, batches),
            "fragment": True,  # also swap the period's status at the top of the page
        },
    )


_FINAL_BATCH = (PaymentBatch.Status.COMPLETED, PaymentBatch.Status.REJECTED)


def _still_moving(period, batches) -> bool:
    """Sent and not reconciled yet: some batch or line not final, or every batch complete and
    the reconciliation that follows on its way (the page then shows "reconciled" by itself).
    A batch the provider rejected stops it: the officer has to act."""
    if period.status != PeriodStatus.SUBMITTED or not batches:
        return False
    moving = any(p["waiting"] or p["batch"].status not in _FINAL_BATCH for p in batches)
    complete = all(p["batch"].status == PaymentBatch.Status.COMPLETED for p in batches)
    return moving or complete


@login_required
@require_GET
def period_reconciliation(request, pk: int):
    """The reconciliation of a sent list: per provider and commune, discrepancies, fees."""
    period = selectors.period_get(user=request.user, pk=pk)
    if not hasattr(period, "payment_list") or period.payment_list.closed_at is None:
        raise Http404
    user_unit = request.user.unit
    commune = user_unit if user_unit is not None and user_unit.level == UnitLevel.COMMUNE else None
    context = reconciliation_context(period, commune=commune)
    context.update(
        {
            "refused_results": refused_results(period, commune=commune),
            "title": _("Reconciliation %(month)s – %(unit)s")
            % {"month": f"{period.month:%m/%Y}", "unit": period.unit.name},
            "period": period,
            "can_manage": _can_manage(request.user, period),
            "can_settle": _can_settle(request.user, period),
            "waiting": period.payment_list.lines.exclude(
                status__in=[LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID]
            ).count(),
        }
    )
    return render(request, "payments/reconciliation.html", context)


@login_required
@require_POST
def period_reconcile(request, pk: int):
    """Reconcile (again) against the providers' statements, now."""
    period = selectors.period_get(user=request.user, pk=pk)
    try:
        reconciliation = period_reconcile_service(period=period, user=request.user)
    except REFUSALS as error:
        flash_refusal(request, error)
    except ProviderError as error:
        messages.error(
            request,
            _("A provider could not be reached; try again in a few minutes. (%(error)s)")
            % {"error": error},
        )
    else:
        if reconciliation.status == reconciliation.Status.MATCHED:
            messages.success(request, _("Reconciled: every line matches the providers."))
        else:
            messages.warning(
                request,
                _("Reconciled with %(n)s discrepancies.") % {"n": reconciliation.issue_count},
            )
    return redirect("payments:reconciliation", pk=period.pk)


@login_required
@require_GET
def period_settlement(request, pk: int):
    """The settlement report (thanh quyết toán) as xlsx; it lists people, so it is logged."""
    period = selectors.period_get(user=request.user, pk=pk)
    if not _can_settle(request.user, period):
        raise Http404  # the report covers every commune of the closing unit
    if not Reconciliation.objects.filter(period=period).exists():
        raise Http404
    name = f"thanh-quyet-toan-{period.unit.code}-{period.month:%Y-%m}.xlsx"
    response = attachment(settlement_xlsx(period, identifiers_for(request.user)), name)
    export_logged(
        user=request.user,
        what="settlement_xlsx",
        unit=period.unit,
        parameters=f"period={period.pk}",
        row_count=period.payment_list.line_count,
    )
    return response


def _rollup_province(request):
    """The province whose roll-up the user reads: a province officer's own; for an
    administrator, ?province=<id> (else the first province). Anyone else: 404."""
    unit = request.user.unit
    if unit is not None:
        if unit.level != UnitLevel.PROVINCE:
            raise Http404  # the roll-up covers communes outside a district's or commune's scope
        return unit
    provinces = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, active=True)
    chosen = id_param(request.GET.get("province", ""))
    province = provinces.filter(pk=chosen).first() if chosen else provinces.order_by("path").first()
    if province is None:
        raise Http404
    return province


@login_required
@require_GET
def province_rollup(request):
    """The province's settlement roll-up of a month (every closed list, by commune and
    provider); ?format=xlsx downloads it. Province officers and administrators."""
    province = _rollup_province(request)
    month = add_months(timezone.localdate().replace(day=1), -1)
    if request.GET.get("month"):
        try:
            month = month_parse(request.GET["month"])
        except ValueError:
            messages.error(request, _("Choose the month as MM/YYYY."))
    figures = rollup.province_rollup(province=province, month=month)
    if request.GET.get("format") == "xlsx":
        return attachment(
            rollup.province_rollup_xlsx(figures),
            f"tong-hop-thanh-quyet-toan-{province.code}-{month:%Y-%m}.xlsx",
        )
    return render(
        request,
        "payments/province_rollup.html",
        {
            "title": _("Settlement roll-up %(month)s – %(province)s")
            % {"month": f"{month:%m/%Y}", "province": province.name},
            **figures,
        },
    )
