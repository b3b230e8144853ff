"""Lines in Vietnamese alphabetical order inside each commune: by given name (tên), then the
family and middle names, letters first (a ă â ... d đ ... o ô ơ ... u ư) and tones second; the
same order in the lines page, the CSV, the official xlsx and the signature list."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from beneficiaries.models import Category
from org.text import name_sort_key
from payments.exporting import payment_list_csv, payment_list_xlsx, signature_list_context
from payments.services import payment_list_generate, payment_period_open
from tests.factories import BeneficiaryCategoryFactory, BeneficiaryFactory

DEC = datetime.date(2026, 12, 1)
# As an officer's list reads: An, Anh, Ánh (Lê before Nguyễn), Dũng, Đức, Ơn, Uy, Ư.
EXPECTED = [
    "Đặng Văn An",
    "Trương Văn Anh",
    "Lê Thị Ánh",
    "Nguyễn Thị Ánh",
    "Lê Văn Dũng",
    "Trần Đức",
    "Phạm Thị Ơn",
    "Bùi Văn Uy",
    "Vũ Thị Ư",
]


def test_name_sort_key_orders_as_officers_do():
    shuffled = [EXPECTED[i] for i in (5, 3, 0, 8, 2, 6, 4, 1, 7)]
    assert sorted(shuffled, key=name_sort_key) == EXPECTED


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Lê Văn A", "Lê Văn Ă"),
        ("Lê Văn Ă", "Lê Văn Â"),
        ("Lê Văn Dương", "Lê Văn Đa"),  # đ is a letter after d, whatever follows
        ("Lê Văn Ô", "Lê Văn Ơ"),
        ("Lê Văn Uyên", "Lê Văn Ư"),
        ("Lê Văn Ba", "Lê Văn Bà"),  # tones: none < huyền < hỏi < ngã < sắc < nặng
        ("Lê Văn Bà", "Lê Văn Bả"),
        ("Lê Văn Bả", "Lê Văn Bã"),
        ("Lê Văn Bã", "Lê Văn Bá"),
        ("Lê Văn Bá", "Lê Văn Bạ"),
        ("Lê Văn Bạ", "Lê Văn Bác"),  # letters before tones
        ("Lê Văn An", "Lê Văn Anh"),
        ("Đỗ Thị Hoa", "An Văn Hòa"),  # the given name first
    ],
)
def test_name_sort_key_pairs(before, after):
    assert name_sort_key(before) < name_sort_key(after)


@pytest.mark.django_db
def test_lines_and_every_export_follow_the_vietnamese_order(hue_units, officers, client):
    commune, neighbour = hue_units["commune"], hue_units["neighbour"]
    k5c = Category.objects.get(code="K5C")
    # Entered in an order that is neither alphabetical by full name nor by given name.
    for name in [EXPECTED[i] for i in (5, 3, 0, 8, 2, 6, 4, 1, 7)]:
        b = BeneficiaryFactory(
            commune=commune, full_name=name, date_of_birth=datetime.date(1940, 1, 1)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=k5c)
    for name in ("Hồ Văn Bình", "Cao Thị An"):
        b = BeneficiaryFactory(
            commune=neighbour, full_name=name, date_of_birth=datetime.date(1940, 1, 1)
        )
        BeneficiaryCategoryFactory(beneficiary=b, category=k5c)
    period = payment_period_open(unit=hue_units["district"], month=DEC)
    payment_list = payment_list_generate(period=period)

    lines = list(payment_list.lines.order_by("line_no"))
    assert [line.full_name for line in lines] == [*EXPECTED, "Cao Thị An", "Hồ Văn Bình"]
    assert [line.line_no for line in lines] == list(range(1, len(lines) + 1))

    rows = list(csv.reader(io.StringIO(payment_list_csv(payment_list).decode("utf-8-sig"))))
    assert [row[3] for row in rows[1:] if row[1] == commune.code] == EXPECTED

    sheet = openpyxl.load_workbook(io.BytesIO(payment_list_xlsx(payment_list))).worksheets[
        1
    ]  # after the summary
    names = [sheet.cell(row=r, column=2).value for r in range(6, 6 + len(EXPECTED))]
    assert names == EXPECTED

    html = render_to_string(
        "payments/signature_list.html", signature_list_context(payment_list, commune=commune)
    )
    positions = [html.index(name) for name in EXPECTED]
    assert positions == sorted(positions)

    client.force_login(officers["district"])
    page = client.get(
        reverse("payments:lines", args=[period.pk]), {"commune": commune.pk}
    ).content.decode()
    positions = [page.index(name) for name in EXPECTED]
    assert positions == sorted(positions)
