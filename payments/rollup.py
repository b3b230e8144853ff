"""The province's settlement roll-up (tổng hợp thanh quyết toán) of a month: every closed list
of the province's closing units (districts, or two-tier communes) added up by commune and
provider: lines, amounts, paid, failed, not collected, carried over to next month. Reads only;
names no person. A page and an xlsx (payments.views.province_rollup)."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.db.models import Count, Q, Sum
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from core.months import add_months
from core.reference_text import translated
from org.downloads import cell_text
from org.models import AdministrativeUnit
from payments.exporting import _reproducible_zip
from payments.models import LineStatus, PaymentLine, PaymentPeriod
from payments.services.periods import CLOSED_STATUSES
from payments.settlement import BOLD, COMMUNE_HEADERS, COMMUNE_MONEY, TITLE, _money

FIGURES = {
    "lines": Count("id"),
    "amount": Sum("amount_total"),
    **{
        f"{status}_{what}": agg(
            "amount_total" if what == "amount" else "id", filter=Q(status=status)
        )
        for status in (LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID)
        for what, agg in (("count", Count), ("amount", Sum))
    },
}
# The same columns as the settlement report's sheet per commune.
ROW_HEADERS = COMMUNE_HEADERS
ROW_MONEY = COMMUNE_MONEY


def _zeroed(row: dict) -> dict:
    return {
        k: (v or 0) if k in FIGURES or k.endswith(("_count", "_amount")) else v
        for k, v in row.items()
    }


def province_rollup(*, province: AdministrativeUnit, month: datetime.date) -> dict:
    """The month's figures of every closed list in `province`: `periods` (each closing unit's
    period and status), `rows` (per commune and provider), `by_provider`, `totals`, `carried`
    (failed and not collected, carried to next month), `closed` / `closing_units` counts."""
    month = month.replace(day=1)
    periods = list(
        PaymentPeriod.objects.filter(unit__path__startswith=province.path, month=month)
        .select_related("unit", "payment_list")
        .order_by("unit__path")
    )
    closed = [p for p in periods if p.status in CLOSED_STATUSES]
    lines = PaymentLine.objects.filter(payment_list__period__in=closed)
    rows = [
        _zeroed(r)
        for r in lines.values("commune__code", "commune__name", "provider__code", "provider__name")
        .annotate(**FIGURES)
        .order_by("commune__code", "provider__code")
    ]
    by_provider = [
        _zeroed(r)
        for r in lines.values("provider__code", "provider__name")
        .annotate(**FIGURES)
        .order_by("provider__code")
    ]
    for r in (*rows, *by_provider):  # the provider by name, in the interface's language
        r["provider_display"] = translated(r["provider__name"] or r["provider__code"] or "")
    totals = _zeroed(lines.aggregate(**FIGURES))
    carried = lines.filter(status__in=[LineStatus.FAILED, LineStatus.UNPAID]).aggregate(
        count=Count("id"), amount=Sum("amount_total")
    )
    return {
        "province": province,
        "month": month,
        "periods": periods,
        "closed": len(closed),
        "closing_units": len(periods),
        "rows": rows,
        "by_provider": by_provider,
        "totals": totals,
        "carried": {
            "count": carried["count"],
            "amount": carried["amount"] or 0,
            "next_month": add_months(month, 1),
        },
    }


def province_rollup_xlsx(rollup: dict) -> bytes:
    """The roll-up as xlsx: one sheet, by commune and provider, with the totals and what is
    carried over. The same figures give the same bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp tỉnh"
    ws.append([TITLE])
    ws.append([f"Tháng {rollup['month']:%m/%Y} – {cell_text(rollup['province'].name)}"])
    ws.append(
        [
            f"Danh sách đã chốt: {rollup['closed']}/{rollup['closing_units']}"
            " đơn vị chốt danh sách đã mở kỳ"
        ]
    )
    ws.append([])
    ws.append(list(ROW_HEADERS))
    for cell in ws[5]:
        cell.font = BOLD
    keys = (
        "lines",
        "amount",
        "paid_count",
        "paid_amount",
        "failed_count",
        "failed_amount",
        "unpaid_count",
        "unpaid_amount",
    )
    for row in rollup["rows"]:
        ws.append(
            [
                row["commune__code"],
                cell_text(row["commune__name"]),
                cell_text(row["provider__name"] or row["provider__code"]),
                *(row[k] for k in keys),
            ]
        )
    ws.append(["Tổng cộng", None, None, *(rollup["totals"][k] for k in keys)])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    _money(ws, ROW_MONEY)
    carried = rollup["carried"]
    ws.append([])
    ws.append(
        [
            f"Chuyển sang danh sách tháng {carried['next_month']:%m/%Y}: {carried['count']} dòng,"
            f" {carried['amount']:,} đồng".replace(",", ".")
        ]
    )
    moment = datetime.datetime(
        rollup["month"].year, rollup["month"].month, 1, tzinfo=datetime.UTC
    ).replace(tzinfo=None)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.title = f"{TITLE} {rollup['month']:%m/%Y}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return _reproducible_zip(buffer.getvalue())
