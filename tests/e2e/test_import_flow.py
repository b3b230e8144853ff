"""A commune officer uploads a spreadsheet: a real worker checks it while the page shows the
progress, the page previews it (every bad row, its column by the template's label), the officer
downloads the template, fills it in (with the drop-down's values), uploads it, confirms it, and
the page follows the import to its result."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from beneficiaries.models import Beneficiary, ImportJob
from beneficiaries.services.import_file import COLUMNS
from org.models import AdministrativeUnit, Role
from tests.beneficiaries.test_import import rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def csv_file(tmp_path, name, data) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def test_upload_progress_preview_confirm_result(
    page, live_server, screenshot, celery_worker_process, tmp_path
):
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    commune = AdministrativeUnit.objects.get(code="19777", code_version="2025-01")
    UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune)
    data = rows(commune.code, 4)
    data[1]["gender"] = "X"

    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("#id_username", "xa")
    page.fill("#id_password", "mat-khau-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/doi-tuong/nhap/")
    page.set_input_files("#id_file", csv_file(tmp_path, "sai.csv", data))
    page.click("button:has-text('Kiểm tra tệp')")
    # The job's page: it polls while the worker checks, then shows the bad row.
    page.wait_for_selector("[data-bad-rows]", timeout=60_000)
    assert page.locator("[data-job-file]").get_attribute("data-job-file") == "sai.csv"
    # The column by the template's label; its key stays on the cell.
    cell = page.locator("table.import-errors td[data-column]")
    assert cell.all_inner_texts() == ["«Giới tính»"]
    assert cell.get_attribute("data-column") == "gender"
    with page.expect_download() as report:
        page.click("[data-error-report]")
    assert "Giới tính" in report.value.path().read_text(encoding="utf-8-sig")
    screenshot("import-preview-refused")
    # On a commune officer's phone the report needs no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("import-preview-refused-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The template, downloaded from the import page and filled in as an officer would.
    page.goto(f"{live_server.url}/doi-tuong/nhap/")
    screenshot("import-page")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("import-page-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        page.click("[data-import-template]")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook["Danh sách"]
    lists = workbook["Danh mục"]
    choices = {c[0].value: [x.value for x in c[1:] if x.value] for c in lists.iter_cols()}
    (commune_choice,) = choices["Mã xã"]  # the officer's own commune, nothing else
    k5c = next(c for c in choices["Diện đối tượng"] if c.startswith("K5C"))
    data[1]["gender"] = "F"
    for row in data:
        row.update(
            gender={"M": "M — Nam", "F": "F — Nữ", "Nam": "M — Nam", "Nữ": "F — Nữ"}[row["gender"]],
            commune_code=commune_choice,
        )
        if row["category"] == "K5C":
            row["category"] = k5c
        sheet.append([row[c] for c in COLUMNS])
    path = tmp_path / "dung.xlsx"
    workbook.save(path)
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('Kiểm tra tệp')")
    page.wait_for_selector("[data-confirm-import]", timeout=60_000)
    assert page.locator("[data-job-file]").get_attribute("data-job-file") == "dung.xlsx"
    assert Beneficiary.objects.count() == 0
    screenshot("import-preview-valid")
    page.click("[data-confirm-import]")
    page.wait_for_selector("[data-imported]", timeout=60_000)
    assert page.locator("[data-imported]").get_attribute("data-imported") == "4"
    screenshot("import-imported")
    assert Beneficiary.objects.filter(status="pending").count() == 4
    assert list(ImportJob.objects.order_by("created_at").values_list("status", flat=True)) == [
        "refused",
        "imported",
    ]
