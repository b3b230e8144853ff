"""Exports of a payment list: the CSV contract, the official xlsx list, the cash signature list."""

import csv
import datetime
import hashlib
import io
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from org.models import AdministrativeUnit
from payments.exporting import (
    CSV_COLUMNS,
    RESULTS_CSV_COLUMNS,
    neutralise,
    payment_list_csv,
    payment_list_xlsx,
    payment_results_csv,
    signature_list_context,
)
from payments.models import PaymentBatch, PaymentLine, PaymentList, PaymentPeriod
from providers.models import Provider
from reports.models import ExportLog
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

CONTRACT_COLUMNS = [
    "line_no",
    "commune_code",
    "beneficiary_id_number",
    "full_name",
    "categories",
    "coefficient",
    "amount_regular",
    "amount_arrears",
    "arrears_months",
    "amount_funeral",
    "amount_carried_over",
    "amount_total",
    "payee_name",
    "payee_id_number",
    "channel",
    "provider",
    "account_number",
    "status",
    "line_kind",
    "amount_care",
]
XLSX_HEADERS = [
    "STT",
    "Họ và tên",
    "Số định danh",
    "Diện",
    "Loại chi trả",
    "Hệ số",
    "Trợ cấp hằng tháng",
    "Hỗ trợ chăm sóc, nuôi dưỡng",
    "Truy lĩnh",
    "Tháng truy lĩnh",
    "Hỗ trợ mai táng",
    "Kỳ trước chuyển sang",
    "Tổng cộng",
    "Người nhận",
    "Số định danh người nhận",
    "Hình thức (Tài khoản/Tiền mặt)",
    "Tổ chức chi trả",
    "Số tài khoản",
    "Ký nhận",
]
EVIL_NAME = '=HYPERLINK("http://evil.example/","Bấm vào đây")'
GENERATED_AT = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)
CLOSED_AT = datetime.datetime(2026, 11, 24, 2, 30, tzinfo=datetime.UTC)


def make_line(payment_list, *, line_no, commune, provider, **fields):
    parts = {
        "amount_regular": 0,
        "amount_arrears": 0,
        "amount_funeral": 0,
        "amount_carried_over": 0,
        **{k: v for k, v in fields.items() if k.startswith("amount_")},
    }
    beneficiary = BeneficiaryFactory(commune=commune)
    defaults = {
        "beneficiary_id_number": beneficiary.id_number,
        "full_name": beneficiary.full_name,
        "categories": "K5A",
        "coefficient": Decimal("1.50"),
        "payee_name": beneficiary.full_name,
        "payee_id_number": beneficiary.id_number,
        "channel": "account",
    }
    return PaymentLine.objects.create(
        payment_list=payment_list,
        line_no=line_no,
        reference=f"TC-202612-{payment_list.pk}-{line_no:05d}",
        beneficiary=beneficiary,
        commune=commune,
        provider=Provider.objects.get(code=provider),
        amount_total=sum(parts.values()),
        **{**defaults, **fields},
    )


@pytest.fixture
def payment_list(hue_units, officers):
    """A December 2026 list of the district: 3 lines in `commune` (2 cash), 2 in `neighbour`."""
    period = PaymentPeriod.objects.create(
        unit=hue_units["district"], month=datetime.date(2026, 12, 1), status="generated"
    )
    plist = PaymentList.objects.create(
        period=period, generated_at=GENERATED_AT, generated_by=officers["district"]
    )
    a, b = hue_units["commune"], hue_units["neighbour"]
    # Created out of order: exports must follow line_no, not insertion order.
    make_line(
        plist,
        line_no=4,
        commune=a,
        provider="VNPOST",
        channel="cash",
        full_name="Phạm Thị Dung",
        payee_name="Phạm Thị Dung",
        amount_regular=750_000,
    )
    make_line(
        plist,
        line_no=1,
        commune=a,
        provider="VIETTELPAY",
        full_name=EVIL_NAME,
        account_number="0971234567",
        amount_regular=750_000,
        amount_arrears=1_500_000,
        arrears_months="10/2026; 11/2026",
        amount_carried_over=750_000,
    )
    make_line(
        plist,
        line_no=2,
        commune=a,
        provider="VNPOST",
        channel="cash",
        full_name="Nguyễn Văn An",
        payee_name="Trần Văn Bình",
        payee_id_number="046080000123",
        categories="K6",
        coefficient=Decimal("1.00"),
        amount_regular=500_000,
    )
    make_line(
        plist,
        line_no=3,
        commune=b,
        provider="VIETINBANK",
        full_name="Hoàng Văn Em",
        payee_name="@SUM(1+1)",
        account_number="108870001234",
        amount_regular=1_000_000,
        amount_funeral=10_000_000,
    )
    make_line(
        plist,
        line_no=5,
        commune=b,
        provider="VNPOST",
        channel="cash",
        full_name="Lê Văn Cường",
        coefficient=Decimal("2.00"),
        amount_regular=1_000_000,
    )
    plist.line_count, plist.total_amount = 5, 16_250_000
    plist.save()
    return plist


def close(plist, user):
    """Seal the list as closing does: after its lines exist, since closed lines are frozen."""
    plist.content_hash = hashlib.sha256(payment_list_csv(plist)).hexdigest()
    plist.closed_at = CLOSED_AT
    plist.closed_by = user
    plist.save()
    plist.period.status = "closed"
    plist.period.save()
    return PaymentList.objects.get(pk=plist.pk)


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def load_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(ws) -> tuple[int, list[tuple]]:
    """The header row's number and the rows under it up to and including the total row."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "STT")
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        rows.append(tuple(ws.cell(r, c).value for c in range(1, len(XLSX_HEADERS) + 1)))
        if str(rows[-1][1]).startswith("Tổng cộng"):
            break
    return header, rows


# CSV


def test_csv_header_is_the_design_contract(payment_list):
    data = payment_list_csv(payment_list)

    assert list(CSV_COLUMNS) == CONTRACT_COLUMNS
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[0] == ",".join(CONTRACT_COLUMNS)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_csv_rows_carry_amounts_codes_and_line_order(payment_list, hue_units):
    rows = read_csv(payment_list_csv(payment_list))

    assert [r["line_no"] for r in rows] == ["1", "2", "3", "4", "5"]
    first = rows[0]
    assert first["commune_code"] == hue_units["commune"].code
    assert first["coefficient"] == "1.50"
    assert first["amount_regular"] == "750000"
    assert first["amount_arrears"] == "1500000"
    assert first["arrears_months"] == "10/2026; 11/2026"
    assert first["amount_carried_over"] == "750000"
    assert first["amount_total"] == "3000000"
    assert (first["channel"], first["provider"], first["status"]) == (
        "account",
        "VIETTELPAY",
        "pending",
    )
    assert first["account_number"] == "0971234567"
    cash = rows[1]
    assert (cash["channel"], cash["provider"], cash["account_number"]) == ("cash", "VNPOST", "")
    assert (cash["payee_name"], cash["payee_id_number"]) == ("Trần Văn Bình", "046080000123")
    assert rows[2]["amount_funeral"] == "10000000"
    assert rows[2]["provider"] == "VIETINBANK"
    assert sum(int(r["amount_total"]) for r in rows) == payment_list.total_amount == 16_250_000


def test_csv_for_one_commune_has_only_its_lines(payment_list, hue_units):
    rows = read_csv(payment_list_csv(payment_list, commune=hue_units["neighbour"]))

    assert [r["line_no"] for r in rows] == ["3", "5"]
    assert {r["commune_code"] for r in rows} == {hue_units["neighbour"].code}
    assert sum(int(r["amount_total"]) for r in rows) == 12_000_000


def test_csv_neutralises_text_a_spreadsheet_would_run_as_a_formula(payment_list):
    rows = read_csv(payment_list_csv(payment_list))

    assert rows[0]["full_name"] == "'" + EVIL_NAME
    assert rows[2]["payee_name"] == "'@SUM(1+1)"
    assert rows[1]["full_name"] == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84971234567", "'+84971234567"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Nguyễn Văn A=B", "Nguyễn Văn A=B"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_exports_only_read_the_database(payment_list, hue_units, officers):
    plist = close(payment_list, officers["district"])

    with CaptureQueriesContext(connection) as queries:
        payment_list_csv(plist)
        payment_list_xlsx(plist)
        signature_list_context(plist, commune=hue_units["commune"])

    assert queries.captured_queries
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


# Reproducibility


def test_closed_list_exports_are_byte_identical(payment_list, officers, monkeypatch):
    plist = close(payment_list, officers["district"])
    csv_1, xlsx_1 = payment_list_csv(plist), payment_list_xlsx(plist)

    # A day later, from a fresh copy of the list: zip entry times come from time.time().
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 86_400)
    again = PaymentList.objects.get(pk=plist.pk)
    csv_2, xlsx_2 = payment_list_csv(again), payment_list_xlsx(again)

    assert csv_1 == csv_2
    assert xlsx_1 == xlsx_2
    with zipfile.ZipFile(io.BytesIO(xlsx_1)) as archive:
        # xlsxwriter gives every entry one fixed date (31/01/1980), not the time of writing.
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 31, 0, 0, 0)}
    props = load_xlsx(xlsx_1).properties
    assert props.created == props.modified == CLOSED_AT.replace(tzinfo=None)


PAID_AT = datetime.datetime(2026, 12, 5, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Huế


def pay(plist):
    """What the providers' results do to a sealed list: statuses, paid at, failures."""
    lines = PaymentLine.objects.filter(payment_list=plist)
    lines.filter(line_no__in=[1, 3]).update(status="paid", paid_at=PAID_AT)
    lines.filter(line_no=2).update(
        status="failed", failure_code="NAME_MISMATCH", failure_reason="Tên không khớp"
    )
    lines.filter(line_no=4).update(status="unpaid", failure_code="NOT_COLLECTED")
    lines.filter(line_no=5).update(status="submitted")


def test_the_sealed_list_is_byte_identical_after_payment(payment_list, officers):
    """Issue 16: the CSV's status column changed once the providers answered."""
    plist = close(payment_list, officers["district"])
    csv_before, xlsx_before = payment_list_csv(plist), payment_list_xlsx(plist)
    by_commune = payment_list_csv(plist, commune=plist.lines.get(line_no=1).commune)

    pay(plist)
    again = PaymentList.objects.get(pk=plist.pk)

    assert payment_list_csv(again) == csv_before
    assert payment_list_xlsx(again) == xlsx_before
    assert payment_list_csv(again, commune=plist.lines.get(line_no=1).commune) == by_commune
    # The contract's status column stays, frozen at its value when the list was sealed.
    assert {row["status"] for row in read_csv(csv_before)} == {"pending"}
    assert hashlib.sha256(payment_list_csv(again)).hexdigest() == again.content_hash


def test_the_results_export_shows_what_the_providers_said(payment_list, officers, hue_units):
    plist = close(payment_list, officers["district"])
    before = read_csv(payment_results_csv(plist))
    assert {row["status"] for row in before} == {"pending"}

    pay(plist)
    data = payment_results_csv(plist)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n")[0] == ",".join(RESULTS_CSV_COLUMNS)
    rows = {row["line_no"]: row for row in read_csv(data)}
    assert [rows[n]["status"] for n in "12345"] == [
        "paid",
        "failed",
        "paid",
        "unpaid",
        "submitted",
    ]
    assert rows["1"]["paid_at"] == "2026-12-05T09:30:00+07:00"  # local time
    assert rows["2"]["paid_at"] == ""
    assert (rows["2"]["failure_code"], rows["2"]["failure_reason"]) == (
        "NAME_MISMATCH",
        "Tên không khớp",
    )
    assert rows["3"]["provider"] == "VIETINBANK"
    assert rows["1"]["reference"] == plist.lines.get(line_no=1).reference
    assert rows["3"]["amount_total"] == "11000000"
    neighbour = read_csv(payment_results_csv(plist, commune=hue_units["neighbour"]))
    assert [row["line_no"] for row in neighbour] == ["3", "5"]


def test_the_results_export_from_the_pages_and_the_command(
    client, payment_list, officers, hue_units, tmp_path
):
    plist = close(payment_list, officers["district"])
    batch = PaymentBatch.objects.create(
        payment_list=plist,
        provider=Provider.objects.get(code="VIETTELPAY"),
        reference="202612-X-VIETTELPAY",
        control_count=1,
        control_amount=3_000_000,
    )
    plist.lines.filter(line_no=1).update(batch=batch)
    pay(plist)
    period = plist.period
    url = reverse("payments:results_export", args=[period.pk])
    client.force_login(officers["district"])
    review = client.get(reverse("payments:review", args=[period.pk])).content.decode()
    assert url in review
    assert url in client.get(reverse("payments:reconciliation", args=[period.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(
        f'ket-qua-chi-tra-{period.unit.code}-2026-12.csv"'
    )
    rows = read_csv(response.content)
    assert (rows[0]["status"], rows[0]["batch_reference"]) == ("paid", "202612-X-VIETTELPAY")
    log = ExportLog.objects.get(what="payment_results_csv")
    assert (log.user, log.row_count) == (officers["district"], 5)
    # A commune officer: their commune's lines only, logged for their commune.
    client.force_login(officers["commune"])
    rows = read_csv(client.get(url).content)
    assert {row["commune_code"] for row in rows} == {hue_units["commune"].code}
    assert ExportLog.objects.filter(what="payment_results_csv").count() == 2

    out = tmp_path / "results.csv"
    call_command(
        "export_payment_list",
        "--unit",
        period.unit.code,
        "--month",
        "2026-12",
        "--format",
        "results",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    assert out.read_bytes() == payment_results_csv(plist)


def test_a_draft_list_has_no_results_export(client, payment_list, officers):
    client.force_login(officers["district"])
    url = reverse("payments:results_export", args=[payment_list.period.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 405


def test_draft_list_export_is_dated_by_its_generation(payment_list):
    props = load_xlsx(payment_list_xlsx(payment_list)).properties

    assert props.modified == GENERATED_AT.replace(tzinfo=None)
    assert payment_list_xlsx(payment_list) == payment_list_xlsx(payment_list)


# xlsx


def test_xlsx_has_a_sheet_per_commune_with_title_block_and_headers(payment_list, hue_units):
    wb = load_xlsx(payment_list_xlsx(payment_list))

    commune, neighbour = hue_units["commune"], hue_units["neighbour"]
    assert wb.sheetnames == ["Tổng hợp", commune.name[:31], neighbour.name[:31]]
    ws = wb[commune.name[:31]]
    assert ws["A1"].value == "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"
    assert ws["A2"].value == "Tháng 12/2026"
    assert commune.name in ws["A3"].value
    assert hue_units["district"].name in ws["A3"].value
    header, _ = table(ws)
    assert [ws.cell(header, c).value for c in range(1, 20)] == XLSX_HEADERS


def test_xlsx_rows_amounts_and_total_row(payment_list, hue_units):
    ws = load_xlsx(payment_list_xlsx(payment_list))[hue_units["commune"].name[:31]]
    header, rows = table(ws)

    *lines, total = rows
    assert [(r[0], r[1]) for r in lines] == [
        (1, "'" + EVIL_NAME),
        (2, "Nguyễn Văn An"),
        (3, "Phạm Thị Dung"),
    ]
    first = lines[0]
    assert first[3:5] == ("K5A", "Trợ cấp hằng tháng")
    assert first[5] == pytest.approx(1.5)
    assert first[7] == 0  # no care support
    assert (first[6], first[8], first[9], first[11], first[12]) == (
        750_000,
        1_500_000,
        "10/2026; 11/2026",
        750_000,
        3_000_000,
    )
    assert (first[15], first[16], first[17]) == (
        "Tài khoản",
        "Viettel Pay (Viettel Money)",
        "0971234567",
    )
    assert (lines[1][13], lines[1][15]) == ("Trần Văn Bình", "Tiền mặt")
    assert ws.cell(header + 1, 1).data_type == "n"
    assert ws.cell(header + 1, 2).data_type == "s"  # neutralised: text, not a formula
    assert ws.cell(header + 1, 13).number_format == "#,##0"

    total_row = header + len(rows)
    assert total[1] == "Tổng cộng (3 người)"
    assert (total[6], total[8], total[11], total[12]) == (2_000_000, 1_500_000, 750_000, 4_250_000)
    assert total[7] == 0
    assert ws.cell(total_row, 13).font.bold
    assert ws.cell(total_row, 13).number_format == "#,##0"


def test_xlsx_signature_cell_is_empty_for_cash_and_a_dash_for_accounts(payment_list, hue_units):
    ws = load_xlsx(payment_list_xlsx(payment_list))[hue_units["commune"].name[:31]]
    header, _ = table(ws)

    account, cash = ws.cell(header + 1, 19), ws.cell(header + 2, 19)
    assert account.value == "—"
    assert cash.value is None
    assert cash.border.left.style == cash.border.bottom.style == "thin"


def test_xlsx_footer_names_maker_checker_and_hash(payment_list, officers, hue_units):
    def footer_text(plist):
        ws = load_xlsx(payment_list_xlsx(plist))[hue_units["commune"].name[:31]]
        header, rows = table(ws)
        start = header + len(rows) + 1
        return [
            str(ws.cell(r, c).value)
            for r in range(start, ws.max_row + 1)
            for c in range(1, 20)
            if ws.cell(r, c).value is not None
        ]

    draft = footer_text(payment_list)
    assert draft == ["Người lập", "Người duyệt", str(officers["district"])]

    plist = close(payment_list, officers["province"])
    closed = footer_text(plist)
    assert closed[:4] == [
        "Người lập",
        "Người duyệt",
        str(officers["district"]),
        str(officers["province"]),
    ]
    assert plist.content_hash in closed[4]
    assert "09:30 24/11/2026" in closed[4]  # Asia/Ho_Chi_Minh


def test_xlsx_for_one_commune_has_one_sheet(payment_list, hue_units):
    neighbour = hue_units["neighbour"]
    wb = load_xlsx(payment_list_xlsx(payment_list, commune=neighbour))

    assert wb.sheetnames == [neighbour.name[:31]]
    _, rows = table(wb.active)
    assert [r[1] for r in rows] == ["Hoàng Văn Em", "Lê Văn Cường", "Tổng cộng (2 người)"]
    assert rows[0][13] == "'@SUM(1+1)"
    assert rows[-1][12] == 12_000_000


def test_xlsx_sheet_titles_are_cut_to_31_characters_and_unique(payment_list, hue_units):
    long_name = "Xã Một Cái Tên Rất Dài Để Thử Cắt Ngắn: A/B"
    communes = [hue_units["commune"], hue_units["neighbour"]]
    AdministrativeUnit.objects.filter(pk__in=[c.pk for c in communes]).update(name=long_name)

    summary, *titles = load_xlsx(payment_list_xlsx(payment_list)).sheetnames

    assert summary == "Tổng hợp"
    assert titles[0] == "Xã Một Cái Tên Rất Dài Để Thử C"
    assert len(titles[1]) == 31
    assert titles[1].endswith(" (2)")
    assert len(set(titles)) == 2


def summary_rows(ws) -> list[tuple]:
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "STT")
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        rows.append(tuple(ws.cell(r, c).value for c in range(1, 12)))
        if str(rows[-1][1]).startswith("Tổng cộng"):
            break
    return rows


def test_xlsx_summary_sheet_has_a_row_per_commune_and_the_district_total(payment_list, hue_units):
    wb = load_xlsx(payment_list_xlsx(payment_list))
    ws = wb["Tổng hợp"]

    assert wb.sheetnames[0] == "Tổng hợp"
    assert ws["A1"].value == "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"
    assert hue_units["district"].name in ws["A3"].value
    commune, neighbour, total = summary_rows(ws)
    # name, lines, by account, in cash, regular, care, arrears, funeral, carried over, total
    assert commune[1:] == (
        hue_units["commune"].name,
        3,
        1,
        2,
        2_000_000,
        0,
        1_500_000,
        0,
        750_000,
        4_250_000,
    )
    assert neighbour[1:3] == (hue_units["neighbour"].name, 2)
    assert neighbour[10] == 12_000_000
    assert total[1] == "Tổng cộng (2 xã)"
    assert total[2:] == tuple(a + b for a, b in zip(commune[2:], neighbour[2:], strict=True))
    # The district's figures are the sum of the commune sheets' total rows.
    for unit, row in ((hue_units["commune"], commune), (hue_units["neighbour"], neighbour)):
        *_, sheet_total = table(wb[unit.name[:31]])[1]
        assert sheet_total[12] == row[10]


def test_xlsx_for_one_commune_has_no_district_summary(payment_list, hue_units):
    sheets = load_xlsx(payment_list_xlsx(payment_list, commune=hue_units["commune"])).sheetnames

    assert sheets == [hue_units["commune"].name[:31]]


def test_xlsx_names_preparer_and_approver_as_two_people_on_every_sheet(
    payment_list, officers, hue_units
):
    """Maker-checker: who generated the list prepared it, who closed it approved it."""
    plist = close(payment_list, officers["province"])
    preparer, approver = str(plist.generated_by), str(officers["province"])
    assert preparer != approver
    wb = load_xlsx(payment_list_xlsx(plist))

    for ws in wb.worksheets:
        cells = {
            (r, c): ws.cell(r, c).value
            for r in range(1, ws.max_row + 1)
            for c in range(1, 20)
            if ws.cell(r, c).value is not None
        }
        (prep_row, prep_col) = next(k for k, v in cells.items() if v == "Người lập")
        (appr_row, appr_col) = next(k for k, v in cells.items() if v == "Người duyệt")
        assert prep_row == appr_row and prep_col < appr_col
        assert cells[(prep_row + 3, prep_col)] == preparer
        assert cells[(appr_row + 3, appr_col)] == approver


# Cash signature list


def test_signature_list_has_only_the_communes_cash_lines(payment_list, hue_units):
    commune = hue_units["commune"]
    context = signature_list_context(payment_list, commune=commune)

    assert [line.line_no for line in context["lines"]] == [2, 4]
    assert (context["line_count"], context["total_amount"]) == (2, 1_250_000)
    assert context["month"] == datetime.date(2026, 12, 1)
    assert context["commune"] == commune
    assert context["closing_unit"] == hue_units["district"]

    html = render_to_string("payments/signature_list.html", context)

    assert "DANH SÁCH KÝ NHẬN TIỀN TRỢ CẤP XÃ HỘI (CHI TRẢ BẰNG TIỀN MẶT)" in html
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Tháng 12/2026" in html
    assert commune.name in html
    assert "Nguyễn Văn An" in html and "Trần Văn Bình" in html and "046080000123" in html
    assert "Phạm Thị Dung" in html
    assert "HYPERLINK" not in html  # an account line
    assert "Lê Văn Cường" not in html  # another commune's cash line
    assert "500.000 ₫" in html and "750.000 ₫" in html
    assert "1.250.000 ₫" in html
    for block in ("Người lập biểu", "Nhân viên bưu điện", "Lãnh đạo UBND xã"):
        assert block in html
    assert "extends" not in html and "<nav" not in html


def test_signature_list_escapes_names(payment_list, hue_units):
    make_line(
        payment_list,
        line_no=6,
        commune=hue_units["commune"],
        provider="VNPOST",
        channel="cash",
        full_name="<script>alert(1)</script>",
        amount_regular=500_000,
    )

    html = render_to_string(
        "payments/signature_list.html",
        signature_list_context(payment_list, commune=hue_units["commune"]),
    )

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "1.750.000 ₫" in html
