"""The official list's bench (bench/exports.py): its BENCH line, and the floor writes the same
cells as the official list's commune sheets. How fast anything is, is never asserted here:
`make bench` measures that."""

import datetime
import io
import os
import re
from decimal import Decimal

import openpyxl
import pytest

from bench.exports import bench_payment_list_xlsx, floor_cells, write_floor
from beneficiaries.models import Beneficiary
from payments.exporting import payment_list_xlsx
from payments.models import PaymentLine, PaymentList, PaymentPeriod
from providers.models import Provider
from tests.factories import BeneficiaryFactory

BENCH_LINE = re.compile(
    r"^BENCH name=payment_list_xlsx n=(\d+) seconds=[\d.]+ floor_seconds=[\d.]+ "
    r"ratio=[\d.]+ peak_rss_mb=[\d.]+$"
)
# BENCH_XLSX_LINES=14400 runs the same on a list the size of the largest district's (by hand).
LINES = int(os.environ.get("BENCH_XLSX_LINES", "30"))


@pytest.fixture
def big_list(hue_units, officers):
    period = PaymentPeriod.objects.create(
        unit=hue_units["district"], month=datetime.date(2026, 12, 1), status="closed"
    )
    plist = PaymentList.objects.create(
        period=period,
        generated_at=datetime.datetime(2026, 11, 20, 2, tzinfo=datetime.UTC),
        generated_by=officers["district"],
        closed_at=datetime.datetime(2026, 11, 24, 2, tzinfo=datetime.UTC),
        closed_by=officers["province"],
        content_hash="0" * 64,
    )
    communes = list(hue_units["district"].children.order_by("code"))
    commune_of = [communes[n * len(communes) // (LINES + 1)] for n in range(LINES + 1)]
    people = Beneficiary.objects.bulk_create(
        BeneficiaryFactory.build(commune=commune_of[n]) for n in range(1, LINES + 1)
    )
    providers = list(Provider.objects.filter(code__in=["VNPOST", "VIETTELPAY"]))
    PaymentLine.objects.bulk_create(
        PaymentLine(
            payment_list=plist,
            line_no=n,
            reference=f"TC-202612-{plist.pk}-{n:05d}",
            beneficiary=people[n - 1],
            commune=commune_of[n],
            provider=providers[n % 2],
            beneficiary_id_number=f"046{n:09d}",
            full_name=f"Nguyễn Thị Bé {n}",
            categories="K5A",
            coefficient=Decimal("1.50"),
            amount_regular=750_000,
            amount_total=750_000,
            payee_name=f"Nguyễn Thị Bé {n}",
            payee_id_number=f"046{n:09d}",
            channel="cash" if n % 2 == 0 else "account",
            account_number="" if n % 2 == 0 else f"09{n:08d}",
        )
        for n in range(1, LINES + 1)
    )
    plist.line_count = LINES
    plist.save()
    return plist


def test_the_bench_prints_one_bench_line_for_the_whole_list(big_list, capsys):
    line = bench_payment_list_xlsx(big_list.pk)

    print(line)
    match = BENCH_LINE.match(line)
    assert match, line
    assert int(match.group(1)) == LINES


def test_the_floor_writes_the_commune_sheets_cells_without_styles(big_list):
    official = openpyxl.load_workbook(io.BytesIO(payment_list_xlsx(big_list)))
    floor = openpyxl.load_workbook(io.BytesIO(write_floor(floor_cells(big_list))))

    assert floor.sheetnames == official.sheetnames[1:]  # all but the summary
    for ws in floor.worksheets:
        theirs = official[ws.title]
        cells = [c for row in ws.iter_rows(max_row=ws.max_row) for c in row]
        assert sum(c.value is not None for c in cells) > LINES // len(floor.sheetnames)
        for cell in cells:
            # An empty string is a blank cell to the floor's unstyled writer.
            assert cell.value == (theirs[cell.coordinate].value or cell.value), cell.coordinate
            assert cell.value is not None or theirs[cell.coordinate].value in (None, "")
