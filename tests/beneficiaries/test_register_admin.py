"""The register in the admin: django-import-export's export through the import resource (the
contract's columns, identifiers as the export rules show them, logged), and its import button,
the administrator's initial load, through the import job (no admin request parses a file)."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from beneficiaries.services.import_file import COLUMNS
from org.models import Role
from reports.models import ExportLog
from tests.factories import UserFactory
from tests.payments.test_generate import person

pytestmark = pytest.mark.django_db
ADMIN = "/admin/beneficiaries/beneficiary/"


def test_the_admin_exports_the_register_in_the_contract_logged(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name="Ngô Thị Một")
    client.force_login(officers["admin"])
    response = client.get(f"{ADMIN}export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, *data = list(sheet.iter_rows(values_only=True))
    assert list(header) == COLUMNS
    (row,) = data
    values = dict(zip(COLUMNS, row, strict=True))
    assert values["full_name"] == "Ngô Thị Một" and values["category"] == "K5C"
    assert values["commune_code"] == hue_units["commune"].code
    # As the admin's pages show it: the ID number masked.
    assert values["id_number"] != b.id_number and "*" in values["id_number"]
    assert values["id_number"][:3] == b.id_number[:3]
    entry = ExportLog.objects.get()
    assert (entry.user, entry.what, entry.row_count) == (
        officers["admin"],
        "register_admin_xlsx",
        1,
    )


def test_the_admin_import_button_is_the_initial_load_job_and_refused_to_others(client, officers):
    client.force_login(officers["admin"])
    response = client.get(f"{ADMIN}import/")
    assert response.status_code == 302 and response.url == "/doi-tuong/nhap/?initial_load=1"
    page = client.get(response.url).content.decode()
    assert 'name="initial_load"' in page and "checked" in page
    staff = UserFactory(
        username="nv",
        role=Role.PROVINCE_OFFICER,
        unit=officers["province"].unit,
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(staff)
    assert client.get(f"{ADMIN}import/").status_code == 403
    assert client.get(f"{ADMIN}export/").status_code == 403
    assert not ExportLog.objects.exists()
