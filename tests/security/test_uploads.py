"""Every upload path is limited in size, type and rows, with a message an officer understands,
and nothing is saved from a refused upload: the import page (.xlsx or .csv, 10 MB, 20,000
rows, what an .xlsx unpacks to), the scanned decision of a registration and of a change (PDF,
JPEG or PNG by content, 5 MB), and above them all any request body (12 MB), the API's too."""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from beneficiaries.models import Beneficiary, ChangeRecord
from beneficiaries.services import import_file as importing
from tests.beneficiaries.test_import import rows
from tests.payments.test_generate import person

pytestmark = pytest.mark.django_db
capture_on_commit = TestCase.captureOnCommitCallbacks


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def csv_bytes(data: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=importing.COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode()


@pytest.fixture(autouse=True)
def inline_worker(eager_celery, settings, tmp_path):
    """The import's check runs at once, in the test (tests/beneficiaries/test_import_jobs.py
    runs it on a real worker)."""
    settings.MEDIA_ROOT = tmp_path


def import_errors(client, officers, name: str, content: bytes) -> str:
    """The page that answers an upload: the form's refusal, or the job's page once the worker
    checked it. Either way nothing waits to be confirmed."""
    from beneficiaries.models import ImportJob

    client.force_login(officers["commune"])
    with capture_on_commit(execute=True):
        response = client.post(reverse("beneficiaries:import"), {"file": upload(name, content)})
    if response.status_code == 302:
        response = client.get(response.url)
    assert response.status_code == 200
    assert not ImportJob.objects.filter(status="checked").exists()
    return response.content.decode()


def test_the_import_refuses_what_is_not_a_list_and_says_why(client, officers, hue_units, settings):
    settings.MEDIA_ROOT = settings.MEDIA_ROOT.parent / "uploads-test"
    good = csv_bytes(rows(hue_units["commune"].code, 2))
    cases = [
        ("danh-sach.pdf", b"%PDF-1.4 ...", "Hãy tải lên tệp .xlsx hoặc .csv."),
        ("danh-sach.xlsx", good, "Không đọc được tệp .xlsx này."),  # a CSV renamed
        ("danh-sach.xlsx", b"PK\x03\x04 not really a zip", "Không đọc được tệp .xlsx này."),
        ("danh-sach.csv", b"\x00\x01\x02" * 100, "Đây không phải là tệp .csv dạng văn bản."),
        ("danh-sach.csv", "họ tên".encode("utf-16"), "UTF-8"),
        ("danh-sach.csv", good + b" " * (10 * 1024 * 1024), "Tệp lớn hơn 10 MB."),
    ]
    for name, content, message in cases:
        html = import_errors(client, officers, name, content)
        assert message in html, (name, message)
    assert Beneficiary.objects.count() == 0


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(
    client, officers, monkeypatch
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "A" * (3 * 1024 * 1024))
    content = buffer.getvalue()
    assert len(content) < 100 * 1024  # small on the wire
    monkeypatch.setattr(importing, "MAX_XLSX_UNPACKED_BYTES", 2 * 1024 * 1024)
    html = import_errors(client, officers, "bom.xlsx", content)
    assert "Tệp .xlsx khi giải nén lớn hơn 2 MB" in html


def test_more_rows_than_a_file_may_hold(client, officers, hue_units, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    html = import_errors(client, officers, "dt.csv", csv_bytes(rows(hue_units["commune"].code, 4)))
    assert "Mỗi tệp có tối đa 3 dòng; hãy chia nhỏ tệp." in html
    assert Beneficiary.objects.count() == 0


def test_a_scanned_decision_is_checked_by_content_and_size(client, officers, hue_units):
    b = person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:change_create", args=[b.pk, "suspend"])
    base = {"effective_month": "2027-01", "reason": "imprisoned", "reason_detail": "Tạm giam"}
    cases = [
        (
            upload("quyet-dinh.pdf", b"MZ\x90\x00 an executable"),
            "Bản quét quyết định phải là tệp PDF, JPEG hoặc PNG.",
        ),
        (
            upload("quyet-dinh.pdf", b"%PDF-1.4" + b"0" * (6 * 1024 * 1024)),
            "vượt quá giới hạn 5 MB",
        ),
    ]
    for file, message in cases:
        response = client.post(url, {**base, "decision_file": file, "action": "submit"})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert ChangeRecord.objects.count() == 0


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(
    client, officers, hue_units, settings
):
    settings.TROCAP_MAX_REQUEST_BYTES = 1024 * 1024
    client.force_login(officers["commune"])
    big = upload("danh-sach.csv", b"x" * (2 * 1024 * 1024))
    for url in (
        reverse("beneficiaries:import"),
        reverse("beneficiaries:register"),
        reverse("beneficiaries:change_create", args=[1, "suspend"]),
    ):
        big.seek(0)
        response = client.post(url, {"file": big, "decision_file": big})
        assert response.status_code == 413, url
        html = response.content.decode()
        assert "Tệp quá lớn" in html and "tối đa 1 MB" in html and "Không có gì được lưu" in html
    response = client.post(
        reverse("api:application-list"),
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "tối đa 1 MB" in response.json()["detail"]
    # Within the limit the same pages answer as usual.
    small = upload("danh-sach.csv", csv_bytes(rows(hue_units["commune"].code, 1)))
    # (the import answers with its job's page, where the worker's check shows)
    assert client.post(reverse("beneficiaries:import"), {"file": small}).status_code == 302
    assert Beneficiary.objects.count() == 0
