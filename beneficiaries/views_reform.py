"""The reform worklist: people of an old commune split between several new ones, waiting for an
officer to pick their new commune (beneficiaries.reform: who sees and who assigns whom)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from beneficiaries.reform import (
    worklist_assign,
    worklist_choices,
    worklist_for,
    worklist_may_assign,
    worklist_scope,
)
from core.errors import AppError
from core.lists import page_of
from core.web import flash_refusal
from org.models import Role

PAGE_SIZE = 50
COMMUNE_ROLES = (Role.COMMUNE_LEADER, Role.COMMUNE_OFFICER)


@login_required
@require_http_methods(["GET", "POST"])
def reform_worklist(request):
    items = worklist_for(request.user)
    if items is None:
        raise PermissionDenied(_("Your role cannot do this."))
    if request.method == "POST":
        if not worklist_may_assign(request.user):
            raise PermissionDenied(_("Your role cannot do this."))
        # One row's button, or the ticked rows.
        chosen = request.POST.getlist("one")[:1] or request.POST.getlist("item")
        wanted_ids = {c for c in chosen if c.isdigit()}
        # A person out of the user's scope (another province, a commune not among theirs) is
        # not found, whether waiting or assigned.
        if len(wanted_ids) != len(chosen) or worklist_scope(request.user).filter(
            pk__in=wanted_ids
        ).count() != len(wanted_ids):
            raise Http404
        if not chosen:
            messages.error(request, _("Tick at least one person, or assign one row."))
            return redirect("beneficiaries:reform_worklist")
        by_id = {str(i.pk): i for i in items.filter(pk__in=wanted_ids)}
        done = 0
        for key in chosen:
            item = by_id.get(key)
            if item is None:
                continue  # assigned meanwhile, or not the user's: nothing to say about it
            wanted = request.POST.get(f"commune_{key}", "")
            choices = worklist_choices(request.user, item)
            commune = next((c for c in choices if str(c.pk) == wanted), None)
            if commune is None:
                messages.error(
                    request,
                    _("Choose one of the new communes for %(name)s.")
                    % {"name": item.beneficiary.full_name},
                )
                continue
            try:
                worklist_assign(item=item, commune=commune, user=request.user)
            except AppError as exc:
                flash_refusal(request, exc)
                continue
            done += 1
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d person assigned to a new commune.",
                    "%(count)d people assigned to their new communes.",
                    done,
                )
                % {"count": done},
            )
        return redirect("beneficiaries:reform_worklist")
    page = page_of(Paginator(items, PAGE_SIZE), request.GET.get("page"))
    for item in page:
        item.choices = worklist_choices(request.user, item)
    may_assign = worklist_may_assign(request.user)
    return render(
        request,
        "beneficiaries/reform_worklist.html",
        {
            "title": _("Administrative reform: people to assign"),
            "page": page,
            "may_assign": may_assign,
            # A commune's leader takes people into their own commune; its officer only reads.
            "own_commune": request.user.unit if request.user.role in COMMUNE_ROLES else None,
        },
    )
