"""The settlement report (báo cáo thanh quyết toán) of a reconciled period, as xlsx.

Four sheets: the summary per provider (control totals, the provider's statement, paid / failed /
not collected, the contract's fee), the same per commune, every line with its result, and the
discrepancies. Reads only; the same reconciliation gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from org.downloads import cell_text
from org.privacy import WHOLE, Identifiers
from payments.exporting import LINE_KIND_LABELS, MONEY_FORMAT, _person, _reproducible_zip
from payments.models import PaymentLine, PaymentPeriod, Reconciliation, ReconciliationIssue
from payments.reconciliation import by_commune, carried_forward

TITLE = "BÁO CÁO THANH QUYẾT TOÁN KINH PHÍ CHI TRẢ TRỢ CẤP XÃ HỘI"
STATUS_VI = {
    "paid": "Đã chi trả",
    "failed": "Không thành công",
    "unpaid": "Không nhận",
    "pending": "Chờ gửi",
    "submitted": "Đang chờ kết quả",
    "": "—",
}
ISSUE_VI = {
    ReconciliationIssue.Kind.AMOUNT: "Số tiền khác nhau",
    ReconciliationIssue.Kind.STATUS: "Kết quả khác nhau",
    ReconciliationIssue.Kind.MISSING: "Không có trong sao kê của tổ chức chi trả",
    ReconciliationIssue.Kind.UNKNOWN: "Có trong sao kê nhưng không có trong danh sách",
}
SUMMARY_HEADERS = (
    "Tổ chức chi trả",
    "Số hợp đồng",
    "Số dòng (kiểm soát)",
    "Số tiền (kiểm soát)",
    "Số dòng theo sao kê",
    "Số tiền theo sao kê",
    "Đã chi trả (dòng)",
    "Đã chi trả (tiền)",
    "Không thành công (dòng)",
    "Không thành công (tiền)",
    "Không nhận (dòng)",
    "Không nhận (tiền)",
    "Tỷ lệ phí (%)",
    "Phí dịch vụ",
    "Khớp tổng kiểm soát",
)
SUMMARY_MONEY = (4, 6, 8, 10, 12, 14)
COMMUNE_HEADERS = (
    "Mã xã",
    "Xã/phường",
    "Tổ chức chi trả",
    "Số dòng",
    "Số tiền",
    "Đã chi trả (dòng)",
    "Đã chi trả (tiền)",
    "Không thành công (dòng)",
    "Không thành công (tiền)",
    "Không nhận (dòng)",
    "Không nhận (tiền)",
)
COMMUNE_MONEY = (5, 7, 9, 11)
LINE_HEADERS = (
    "STT",
    "Mã tham chiếu",
    "Mã xã",
    "Họ và tên",
    "Người nhận",
    "Tổ chức chi trả",
    "Số tài khoản",
    "Số tiền",
    "Kết quả",
    "Lý do",
    "Thời điểm chi trả",
    "Chuyển kỳ sau",
    "Loại chi trả",
)
LINE_MONEY = (8,)
ISSUE_HEADERS = (
    "Mã tham chiếu",
    "Tổ chức chi trả",
    "Sai lệch",
    "Kết quả của hệ thống",
    "Kết quả theo sao kê",
    "Số tiền của hệ thống",
    "Số tiền theo sao kê",
)
ISSUE_MONEY = (6, 7)
BOLD = Font(bold=True)


def _header(ws, period: PaymentPeriod, subtitle: str, headers: tuple[str, ...], widths):
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Tháng {period.month:%m/%Y} – {cell_text(period.unit.name)}"])
    ws.append([subtitle])
    ws.append([])
    ws.append(list(headers))
    for cell in ws[5]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A6"


def _money(ws, columns: tuple[int, ...], first_row: int = 6) -> None:
    for column in columns:
        for (cell,) in ws.iter_rows(min_row=first_row, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT


def _local(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


# The list's amount by what it pays (the same parts as the review page and the official list).
PARTS = (
    ("Trợ cấp hằng tháng", "amount_regular"),
    ("Hỗ trợ chăm sóc, nuôi dưỡng", "amount_care"),
    ("Truy lĩnh", "amount_arrears"),
    ("Hỗ trợ mai táng", "amount_funeral"),
    ("Kỳ trước chuyển sang", "amount_carried_over"),
    ("Tổng số tiền của danh sách", "amount_total"),
)


def _parts(period: PaymentPeriod) -> list[tuple[str, int]]:
    """The list's amount by part, in one aggregate query."""
    from django.db.models import Sum

    sums = PaymentLine.objects.filter(payment_list__period=period).aggregate(
        **{field: Sum(field) for _label, field in PARTS}
    )
    return [(label, int(sums[field] or 0)) for label, field in PARTS]


def settlement_xlsx(period: PaymentPeriod, identifiers: Identifiers = WHOLE) -> bytes:
    reconciliation = Reconciliation.objects.select_related("reconciled_by").get(period=period)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    _header(
        ws,
        period,
        f"Đối soát lúc {_local(reconciliation.reconciled_at)}"
        f" – {'Khớp' if reconciliation.status == Reconciliation.Status.MATCHED else 'Có sai lệch'}",
        SUMMARY_HEADERS,
        (24, 16, 12, 16, 12, 16, 12, 16, 12, 16, 12, 16, 10, 14, 12),
    )
    totals = list(
        reconciliation.totals.select_related("provider", "contract").order_by("provider__code")
    )
    sums = [0] * len(SUMMARY_HEADERS)
    for t in totals:
        row = [
            cell_text(t.provider.name),
            cell_text(t.contract.contract_number) if t.contract else "Chưa có hợp đồng",
            t.control_count,
            t.control_amount,
            t.statement_count,
            t.statement_amount,
            t.paid_count,
            t.paid_amount,
            t.failed_count,
            t.failed_amount,
            t.unpaid_count,
            t.unpaid_amount,
            float(t.fee_percent) if t.fee_percent is not None else None,
            t.fee_amount,
            "Có" if t.controls_match else "Không",
        ]
        for i in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13):
            sums[i] += row[i]
        ws.append(row)
    total_row = ["Tổng cộng", None, *sums[2:12], None, sums[13], None]
    ws.append(total_row)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    _money(ws, SUMMARY_MONEY)
    carried = carried_forward(period)
    ws.append([])
    ws.append(
        [
            f"Chuyển sang danh sách tháng {carried['next_month']:%m/%Y}: {carried['count']} dòng,"
            f" {carried['amount']:,} đồng".replace(",", "."),
            None,
        ]
    )
    ws.append(
        [f"Trong đó chuyển sang tiền mặt qua bưu điện do tài khoản lỗi: {carried['to_cash']}"]
    )
    ws.append(
        [f"Đề nghị tạm dừng do không nhận 3 tháng liên tiếp: {reconciliation.suspensions_proposed}"]
    )
    ws.append([f"Người đối soát: {cell_text(_person(reconciliation.reconciled_by)) or 'Hệ thống'}"])
    ws.append([])
    for label, amount in _parts(period):
        ws.append([label, amount])
        ws.cell(ws.max_row, 2).number_format = MONEY_FORMAT

    ws = wb.create_sheet("Theo xã")
    _header(
        ws,
        period,
        "Kết quả chi trả theo xã và tổ chức chi trả",
        COMMUNE_HEADERS,
        (10, 26, 14, 10, 16, 10, 16, 10, 16, 10, 16),
    )
    for row in by_commune(period):
        ws.append(
            [
                row["commune__code"],
                cell_text(row["commune__name"]),
                row["provider__code"],
                row["lines"],
                row["amount"],
                row["paid_count"],
                row["paid_amount"],
                row["failed_count"],
                row["failed_amount"],
                row["unpaid_count"],
                row["unpaid_amount"],
            ]
        )
    _money(ws, COMMUNE_MONEY)

    ws = wb.create_sheet("Chi tiết")
    _header(
        ws,
        period,
        "Kết quả từng dòng",
        LINE_HEADERS,
        (7, 22, 8, 26, 26, 12, 18, 14, 16, 30, 17, 10, 18),
    )
    lines = (
        PaymentLine.objects.filter(payment_list__period=period)
        .order_by("line_no")
        .values_list(
            "line_no",
            "reference",
            "commune__code",
            "full_name",
            "payee_name",
            "provider__code",
            "account_number",
            "amount_total",
            "status",
            "failure_reason",
            "paid_at",
            "line_kind",
        )
    )
    for row in lines.iterator(chunk_size=5000):
        (
            no,
            reference,
            commune,
            name,
            payee,
            provider,
            account,
            amount,
            status,
            reason,
            paid_at,
            kind,
        ) = row
        ws.append(
            [
                no,
                reference,
                commune,
                cell_text(name),
                cell_text(payee),
                provider,
                cell_text(identifiers.account(account)),
                amount,
                STATUS_VI.get(status, status),
                cell_text(reason),
                _local(paid_at),
                "Có" if status in ("failed", "unpaid") else "",
                LINE_KIND_LABELS.get(kind, kind),
            ]
        )
    _money(ws, LINE_MONEY)

    ws = wb.create_sheet("Sai lệch")
    _header(
        ws,
        period,
        f"{reconciliation.issue_count} sai lệch",
        ISSUE_HEADERS,
        (22, 14, 36, 16, 16, 16, 16),
    )
    for issue in reconciliation.issues.select_related("provider").order_by(
        "provider__code", "reference"
    ):
        ws.append(
            [
                issue.reference,
                issue.provider.code,
                ISSUE_VI.get(issue.kind, issue.kind),
                STATUS_VI.get(issue.our_status, issue.our_status),
                STATUS_VI.get(issue.provider_status, issue.provider_status),
                issue.our_amount,
                issue.provider_amount,
            ]
        )
    _money(ws, ISSUE_MONEY)

    moment = reconciliation.reconciled_at.astimezone(datetime.UTC).replace(tzinfo=None)
    wb.properties.created = moment
    wb.properties.modified = moment
    wb.properties.creator = cell_text(_person(reconciliation.reconciled_by))
    wb.properties.title = f"{TITLE} {period.month:%m/%Y}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return _reproducible_zip(buffer.getvalue())
