"""Coverage dashboards: the province, a district, a commune. They read the snapshots only,
except the commune page's list of people to call, which is the register itself."""

from __future__ import annotations

import datetime
import io

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import AccountStatus, PaymentAccount
from beneficiaries.models import AuthorizedRecipient, Beneficiary, BeneficiaryStatus, Category
from core.months import month_parse
from org.downloads import attachment, cell_text
from org.privacy import identifiers_for
from org.scoping import user_can_see_unit
from payments.models import LineStatus, PaymentLine
from providers.models import Provider, ProviderChannel
from reports import charts, coverage
from reports.completeness import CLOSED_LIST, NO_LIST, OPEN, completeness
from reports.models import CoverageSnapshot
from reports.reform_trend import predecessors
from reports.services import export_log

PEOPLE_LIMIT = 300
# What a unit shows instead of a share paid when its list of the month is not closed.
PAID_NOTES = {NO_LIST: gettext_lazy("no list yet"), OPEN: gettext_lazy("list not closed yet")}


def _month(request, unit, done) -> datetime.date | None:
    value = request.GET.get("month", "")
    if value:
        try:
            return month_parse(value)
        except ValueError:
            pass
    return coverage.latest_month(unit, done)


@login_required
@require_GET
def dashboard(request, code: str | None = None):
    user = request.user
    unit = coverage.unit_by_code(user, code) if code else coverage.default_unit(user)
    if unit is None:
        raise Http404
    done = completeness(unit)
    month = _month(request, unit, done)
    provider_rows = list(Provider.objects.order_by("code"))
    cash_providers = {p.code for p in provider_rows if p.channel == ProviderChannel.CASH}
    providers = [(p.code, p.display_name) for p in provider_rows]
    categories = [
        (c.code, c.display_name)
        for c in Category.objects.filter(kind="allowance").order_by("sort_order", "code")
    ]
    provider = request.GET.get("provider", "")
    provider = provider if provider in dict(providers) else ""
    category = request.GET.get("category", "")
    category = category if category in dict(categories) else ""
    context = {
        "title": _("Coverage – %(unit)s") % {"unit": unit.name},
        "unit": unit,
        "month": month,
        "provider": provider,
        "category": category,
        # Shown by name in the page's heading; a cash provider has no accounts to count.
        "provider_name": dict(providers).get(provider, ""),
        "category_name": dict(categories).get(category, ""),
        "accounts_na": provider in cash_providers,
        "providers": providers,
        "categories": categories,
        "months": list(
            CoverageSnapshot.objects.filter(_with_predecessors(unit))
            .order_by("-month")
            .values_list("month", flat=True)
            .distinct()[:36]
        ),
        "print": request.GET.get("print") == "1",
        "breadcrumbs": [a for a in _ancestors(unit) if user_can_see_unit(request.user, a)],
    }
    if month is not None:
        status = done.month(month)
        head = coverage.figures(unit, month, provider, category, done)
        trend = coverage.trend(unit, month, provider, category, done=done)
        kids = coverage.children(unit, month, provider, category, done)
        lowest = (
            coverage.lowest_communes(unit, month, provider, category, done=done)
            if unit.level != "commune"
            else []
        )
        for row in [*kids, *lowest]:
            row["paid_note"] = PAID_NOTES.get(row["paid_state"], "")
            row["colour"] = (
                charts.coverage_colour(row["paid_account_rate"])
                if row["paid_state"] == CLOSED_LIST
                else ""
            )
        context.update(
            {
                "completeness": status,
                "completeness_text": status.summary(),
                "head": head,
                "trend": trend,
                "trend_incomplete": any(not p["complete"] and not p["empty"] for p in trend),
                # Months before the 2025 reform, re-aggregated onto the new communes.
                "trend_reaggregated": any(p.get("reaggregated") for p in trend),
                "trend_chart": charts.trend_lines(trend),
                "children": kids,
                "children_chart": charts.bars(
                    [{"label": k["unit"].name, **k} for k in kids if k["active_count"]]
                )
                if kids
                else "",
                "lowest": lowest,
            }
        )
        if unit.level == "commune":
            context.update(_people_to_call(unit, month))
    if request.GET.get("format") == "xlsx" and month is not None:
        return _xlsx(request, context)
    return render(request, "reports/dashboard.html", context)


def _ancestors(unit):
    chain = []
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    return list(reversed(chain))


def _people_to_call(commune, month) -> dict:
    """Who still has no account, and whose payment of the month failed: with a phone to call
    (the recipient's when someone collects for them)."""
    has_account = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), status=AccountStatus.ACTIVE
    )
    no_account = (
        Beneficiary.objects.filter(commune=commune, status=BeneficiaryStatus.ACTIVE)
        .annotate(has_account=Exists(has_account))
        .filter(has_account=False)
        .order_by("search_name", "pk")
    )
    recipients = {
        r.beneficiary_id: r
        for r in AuthorizedRecipient.objects.filter(
            beneficiary__in=no_account[:PEOPLE_LIMIT], active=True
        )
    }
    without = [{"person": b, "recipient": recipients.get(b.pk)} for b in no_account[:PEOPLE_LIMIT]]
    failed = (
        PaymentLine.objects.filter(
            commune=commune,
            payment_list__period__month=month,
            status__in=[LineStatus.FAILED, LineStatus.UNPAID],
        )
        .select_related("provider")
        .order_by("full_name", "pk")
    )
    return {
        "without_account": without,
        "without_account_all": no_account,
        "failed_all": failed,
        "without_account_count": no_account.count(),
        "failed": list(failed[:PEOPLE_LIMIT]),
        "failed_count": failed.count(),
        "people_limit": PEOPLE_LIMIT,
    }


def _xlsx(request, context) -> HttpResponse:
    from openpyxl import Workbook

    unit, month = context["unit"], context["month"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    head = context["head"]
    ws.append([f"ĐỘ BAO PHỦ CHI TRẢ KHÔNG DÙNG TIỀN MẶT – {cell_text(unit.name)}"])
    ws.append([f"Tháng {month:%m/%Y}"])
    ws.append([context["completeness_text"]])
    ws.append([])
    for label, key in (
        ("Đối tượng đang hưởng", "active_count"),
        ("Đã có tài khoản", "with_account_count"),
        ("Chi trả qua tài khoản", "paid_account_count"),
        ("Chi trả tiền mặt", "paid_cash_count"),
        ("Chưa chi trả được", "unpaid_count"),
        ("Nhận qua người được ủy quyền", "via_recipient_count"),
        ("Số tiền phải trả", "amount_due"),
        ("Số tiền đã trả", "amount_paid"),
    ):
        ws.append([label, head[key]])
    ws = wb.create_sheet("Xu hướng")
    ws.append(
        [
            "Tháng",
            "Đang hưởng",
            "Có tài khoản",
            "Tỷ lệ (%)",
            "Qua tài khoản",
            "Tỷ lệ (%)",
            "Đơn vị đã chốt",
        ]
    )
    for p in context["trend"]:
        ws.append(
            [
                f"{p['month']:%m/%Y}",
                p["active_count"],
                p["with_account_count"],
                p["account_rate"],
                p["paid_account_count"],
                p["paid_account_rate"] if p["paid_state"] != NO_LIST else str(PAID_NOTES[NO_LIST]),
                f"{p['closed']}/{p['closing_units']}",
            ]
        )
    if context["children"]:
        ws = wb.create_sheet("Theo đơn vị")
        ws.append(
            [
                "Mã",
                "Đơn vị",
                "Đang hưởng",
                "Có tài khoản",
                "Tỷ lệ (%)",
                "Qua tài khoản",
                "Tỷ lệ (%)",
                "Tiền mặt",
                "Chưa chi trả",
            ]
        )
        for k in context["children"]:
            ws.append(
                [
                    k["unit"].code,
                    cell_text(k["unit"].name),
                    k["active_count"],
                    k["with_account_count"],
                    k["account_rate"],
                    k["paid_account_count"],
                    k["paid_account_rate"]
                    if k["paid_state"] == CLOSED_LIST
                    else str(k["paid_note"]),
                    k["paid_cash_count"],
                    k["unpaid_count"],
                ]
            )
    rows = 0
    shown = identifiers_for(request.user)
    if unit.level == "commune":
        ws = wb.create_sheet("Chưa có tài khoản")
        ws.append(["Họ và tên", "Số định danh", "Điện thoại", "Người nhận thay", "Điện thoại"])
        everyone = context["without_account_all"]
        recipients = {
            r.beneficiary_id: r
            for r in AuthorizedRecipient.objects.filter(beneficiary__in=everyone, active=True)
        }
        for b in everyone:
            r = recipients.get(b.pk)
            ws.append(
                [
                    cell_text(b.full_name),
                    cell_text(shown.id_number(b.id_number)),
                    cell_text(shown.phone(b.phone)),
                    cell_text(r.full_name) if r else "",
                    cell_text(shown.phone(r.phone)) if r else "",
                ]
            )
            rows += 1
        ws = wb.create_sheet("Chi trả không thành công")
        ws.append(["Họ và tên", "Người nhận", "Điện thoại", "Tổ chức chi trả", "Lý do", "Số tiền"])
        for line in context["failed_all"]:
            ws.append(
                [
                    cell_text(line.full_name),
                    cell_text(line.payee_name),
                    cell_text(shown.phone(line.payee_phone)),
                    line.provider.code,
                    cell_text(line.failure_reason),
                    line.amount_total,
                ]
            )
            rows += 1
        export_log(
            user=request.user,
            what="coverage_xlsx",
            unit=unit,
            parameters=f"month={month:%Y-%m}",
            row_count=rows,
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return attachment(buffer.getvalue(), f"bao-phu-{unit.code}-{month:%Y-%m}.xlsx")


def _with_predecessors(unit):
    """The unit's snapshots, and for a new unit of a reformed province its old communes' months
    before the reform (reports.reform_trend)."""
    where = Q(commune__path__startswith=unit.path)
    before = predecessors(unit)
    if before is not None:
        where |= Q(commune_id__in=before.all_old, month__lt=before.effective_month)
    return where
