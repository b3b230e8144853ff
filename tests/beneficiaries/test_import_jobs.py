"""Issue 17: spreadsheets have a cost budget, are parsed in the worker, and a preview belongs to
its file. Each finding has its test here:

- a 15 KB .xlsx whose sheet holds 10 MB of XML comment (and a 40 MB one) is refused quickly,
  with a code, instead of openpyxl's minutes (its read-only reader is quadratic in a comment);
- a truncated sheet, a truncated zip, a zip bomb, HTML named .xlsx, a CSV with NULs: refused
  with a message and a code, never a 500;
- after a valid file A, a header-only file B cannot import A's rows when B is confirmed;
- no request reads a spreadsheet: the upload only stores and queues.
"""

import csv
import datetime
import hashlib
import io
import os
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ImportJob
from beneficiaries.services import import_file, import_jobs
from beneficiaries.services.import_file import COLUMNS, ImportFileError, read_dataset
from beneficiaries.services.import_jobs import (
    import_job_confirm,
    import_job_create,
    import_job_run,
    import_jobs_clean,
    import_jobs_fail_stalled,
)
from core.errors import AppError
from tests.beneficiaries.test_import import rows

pytestmark = pytest.mark.django_db


def csv_bytes(data: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue().encode()


def xlsx_bytes(data: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in data:
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezipped(content: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML passed through `change(xml) -> xml`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = change(part)
            archive.writestr(info.filename, part)
    return out.getvalue()


def with_comment(content: bytes, comment: bytes) -> bytes:
    return rezipped(content, lambda xml: xml.replace(b"<sheetData>", comment + b"<sheetData>", 1))


def refusal(name: str, content: bytes) -> ImportFileError:
    with pytest.raises(ImportFileError) as excinfo:
        read_dataset(name, content)
    return excinfo.value


@pytest.fixture
def good_xlsx(hue_units) -> bytes:
    return xlsx_bytes(rows(hue_units["commune"].code, 3))


def test_a_small_xlsx_holding_a_10_mb_comment_is_refused_before_openpyxl_reads_it(good_xlsx):
    content = with_comment(good_xlsx, b"<!--" + b"x" * (10 * 1024 * 1024) + b"-->")
    assert len(content) < 30 * 1024  # about 15 KB on the wire
    error = refusal("dt.xlsx", content)
    assert error.code == Code.IMPORT_FILE_RATIO
    assert "nén" in str(error) or "lần" in str(error)


def test_a_40_mb_comment_is_refused_too(good_xlsx):
    content = with_comment(good_xlsx, b"<!--" + b"x" * (40 * 1024 * 1024) + b"-->")
    assert refusal("dt.xlsx", content).code == Code.IMPORT_FILE_TOO_LARGE


def test_a_comment_that_does_not_compress_is_found_by_the_scan(good_xlsx):
    # Random text packs badly: the ratio says nothing, the scan of the XML finds the comment.
    noise = hashlib.sha256(b"seed").hexdigest().encode() * 1
    body = b"".join(hashlib.sha256(noise + bytes([i % 256, i // 256])).hexdigest().encode()
                    for i in range(40_000))  # fmt: skip
    content = with_comment(good_xlsx, b"<!--" + body + b"-->")
    assert refusal("dt.xlsx", content).code == Code.IMPORT_FILE_MARKUP
    # A DTD (entities: the billion laughs) is refused the same way.
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>'
    content = rezipped(good_xlsx, lambda xml: xml.replace(b"<worksheet", dtd + b"<worksheet", 1))
    assert refusal("dt.xlsx", content).code == Code.IMPORT_FILE_MARKUP


def test_the_same_workbook_without_the_comment_reads(good_xlsx):
    dataset = read_dataset("dt.xlsx", good_xlsx)
    assert len(dataset) == 3 and dataset.headers[0] == import_file.ROW_COLUMN
    assert [row[0] for row in dataset] == [2, 3, 4]  # the rows as the spreadsheet numbers them


def test_a_truncated_sheet_or_zip_is_a_message_not_a_500(good_xlsx, client, officers, worker):
    half_sheet = rezipped(good_xlsx, lambda xml: xml[: len(xml) // 2])
    assert refusal("dt.xlsx", half_sheet).code == Code.IMPORT_FILE_UNREADABLE
    cut_zip = good_xlsx[: len(good_xlsx) * 2 // 3]
    assert refusal("dt.xlsx", cut_zip).code == Code.IMPORT_FILE_UNREADABLE
    # A part whose packed bytes are damaged (the CRC or the stream fails while unpacking).
    at = good_xlsx.find(b"xl/worksheets/sheet1.xml") + 200
    damaged = (
        good_xlsx[:at] + bytes(b ^ 0xFF for b in good_xlsx[at : at + 40]) + good_xlsx[at + 40 :]
    )
    assert refusal("dt.xlsx", damaged).code == Code.IMPORT_FILE_UNREADABLE
    # Through the page: the job says why, the request never fails.
    client.force_login(officers["commune"])
    response = worker.post(client, reverse("beneficiaries:import"), {"file": upload(half_sheet)})
    assert response.status_code == 200
    assert 'data-error-code="import_file_unreadable"' in response.content.decode()


def upload(content: bytes, name: str = "dt.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<c>0</c>" * (6 * 1024 * 1024))
    content = out.getvalue()
    assert len(content) < 1024 * 1024
    assert refusal("bom.xlsx", content).code == Code.IMPORT_FILE_TOO_LARGE  # 48 MB > 40 MB
    # Under the size limit, the ratio alone refuses it.
    monkeypatch.setattr(import_file, "MAX_XLSX_UNPACKED_BYTES", 100 * 1024 * 1024)
    assert refusal("bom.xlsx", content).code == Code.IMPORT_FILE_RATIO


def test_html_named_xlsx_and_a_csv_with_nuls_are_refused(hue_units):
    html = b"<html><body><script>alert(1)</script></body></html>"
    assert refusal("dt.xlsx", html).code == Code.IMPORT_FILE_UNREADABLE
    good = csv_bytes(rows(hue_units["commune"].code, 2))
    error = refusal("dt.csv", good.replace(b"Kinh", b"Ki\x00nh", 1))
    assert error.code == Code.IMPORT_FILE_UNREADABLE and ".csv" in str(error)


def test_fullwidth_digits_in_the_id_columns_are_digits(officers, hue_units):
    from beneficiaries.services.importing import beneficiaries_import

    data = rows(hue_units["commune"].code, 2)
    plain = data[1]["recipient_id_number"]
    data[1]["id_number"] = "".join(chr(0xFF10 + int(d)) for d in data[1]["id_number"])
    data[1]["recipient_id_number"] = "\u200b" + "".join(chr(0xFF10 + int(d)) for d in plain)
    result = beneficiaries_import(name="dt.csv", content=csv_bytes(data), user=officers["commune"])
    assert result.ok and result.imported == 2
    assert all(b.id_number.isascii() and len(b.id_number) == 12 for b in Beneficiary.objects.all())


@pytest.fixture
def worker(eager_celery, django_capture_on_commit_callbacks, settings, tmp_path):
    """The import's tasks run at once, in the test; `worker.post` follows to the job's page."""
    settings.MEDIA_ROOT = tmp_path

    class Inline:
        capture = staticmethod(django_capture_on_commit_callbacks)

        def post(self, client, url, data=None):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(url, data or {})
            if response.status_code == 302 and "/nhap/" in response.url:
                return client.get(response.url)
            return response

    return Inline()


def test_a_header_only_file_b_cannot_import_the_rows_of_file_a(client, officers, hue_units, worker):
    client.force_login(officers["commune"])
    url = reverse("beneficiaries:import")
    a = csv_bytes(rows(hue_units["commune"].code, 3))
    page_a = worker.post(client, url, {"file": upload(a, "a.csv")})
    job_a = ImportJob.objects.get(file_name="a.csv")
    assert job_a.status == "checked" and "a.csv" in page_a.content.decode()

    b = ",".join(COLUMNS).encode() + b"\r\n"
    page_b = worker.post(client, url, {"file": upload(b, "b.csv")})
    job_b = ImportJob.objects.get(file_name="b.csv")
    html = page_b.content.decode()
    # The preview names the file it previews, and B has nothing to confirm.
    assert 'data-job-file="b.csv"' in html and "a.csv" not in html
    assert job_b.status == "refused" and "data-confirm-import" not in html
    assert [e["code"] for e in job_b.row_errors] == [Code.IMPORT_NO_ROWS]
    # Confirming B (by hand-made POST) imports nothing: not A's rows, not anything.
    with worker.capture(execute=True) as queued:
        response = client.post(reverse("beneficiaries:import_confirm", args=[job_b.uuid]))
    assert response.status_code == 302 and not queued  # refused: no import queued
    job_b.refresh_from_db()
    assert job_b.status == "refused" and Beneficiary.objects.count() == 0
    job_a.refresh_from_db()
    assert job_a.status == "checked"  # A is still A's, and only A's confirmation imports it
    worker.post(client, reverse("beneficiaries:import_confirm", args=[job_a.uuid]))
    assert Beneficiary.objects.count() == 3


def test_a_job_is_confirmed_once_by_its_owner_and_imports_its_own_file(
    officers, hue_units, settings, tmp_path, django_capture_on_commit_callbacks, eager_celery
):
    settings.MEDIA_ROOT = tmp_path
    content = csv_bytes(rows(hue_units["commune"].code, 2))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            user=officers["commune"], name="dt.csv", content=content, initial_load=False
        )
    job.refresh_from_db()
    assert job.status == "checked" and job.total_rows == 2
    with pytest.raises(AppError) as excinfo:
        import_job_confirm(job=job, user=officers["neighbour"])
    assert excinfo.value.code == Code.IMPORT_JOB_NOT_CONFIRMABLE
    # Two confirmations: the first queues the import, the second is refused.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        import_job_confirm(job=job, user=officers["commune"])
        with pytest.raises(AppError) as excinfo:
            import_job_confirm(job=job, user=officers["commune"])
    assert excinfo.value.code == Code.IMPORT_JOB_NOT_CONFIRMABLE
    assert len(queued) == 1
    # The stored file changed since the check: the import refuses it.
    job.refresh_from_db()
    (tmp_path / "imports" / job.stored_name).write_bytes(content.replace(b"Kinh", b"Kinx"))
    assert import_job_run(job_id=job.pk, task_id=job.task_id) == "refused"
    job.refresh_from_db()
    assert job.error_code == Code.IMPORT_JOB_FILE_CHANGED and job.stored_name == ""
    assert Beneficiary.objects.count() == 0


def test_no_request_reads_a_spreadsheet(
    client, officers, hue_units, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path

    def forbidden(*args, **kwargs):
        raise AssertionError("a request read the spreadsheet")

    monkeypatch.setattr(import_file, "read_table", forbidden)
    monkeypatch.setattr("beneficiaries.services.importing.read_dataset", forbidden)
    client.force_login(officers["commune"])
    content = csv_bytes(rows(hue_units["commune"].code, 2))
    response = client.post(reverse("beneficiaries:import"), {"file": upload(content, "dt.csv")})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and str(job.uuid) in response.url
    page = client.get(response.url).content.decode()
    assert 'data-job-status="queued"' in page and "hx-get" in page  # polled while it waits
    assert (tmp_path / "imports" / job.stored_name).read_bytes() == content
    assert job.sha256 == hashlib.sha256(content).hexdigest() and job.size == len(content)


def test_a_job_whose_worker_died_fails_with_a_message(officers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    for status in ("queued", "checking", "importing"):
        ImportJob.objects.create(
            user=officers["commune"],
            file_name=f"{status}.csv",
            size=1,
            sha256="0" * 64,
            status=status,
            task_id=status,
            heartbeat_at=now - datetime.timedelta(minutes=10),
        )
    alive = ImportJob.objects.create(
        user=officers["commune"], file_name="alive.csv", size=1, sha256="0" * 64,
        status="checking", task_id="alive", heartbeat_at=now,
    )  # fmt: skip
    assert len(import_jobs_fail_stalled(now=now)) == 3
    failed = ImportJob.objects.filter(status="failed")
    assert failed.count() == 3
    assert {j.error_code for j in failed} == {Code.IMPORT_JOB_STALLED}
    assert all("không còn" in j.error_message or "dừng" in j.error_message for j in failed)
    alive.refresh_from_db()
    assert alive.status == "checking"


def test_old_and_finished_uploads_are_removed(officers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    folder = import_jobs.import_dir()
    now = timezone.now()

    def job(status, stored, age_hours=0):
        (folder / stored).write_bytes(b"x")
        j = ImportJob.objects.create(
            user=officers["commune"], file_name="f.csv", size=1, sha256="0" * 64,
            status=status, stored_name=stored,
        )  # fmt: skip
        ImportJob.objects.filter(pk=j.pk).update(
            created_at=now - datetime.timedelta(hours=age_hours)
        )
        return j

    finished = job("refused", "a.csv")
    fresh = job("checked", "b.csv")
    expired = job("checked", "c.csv", age_hours=30)
    stray = folder / "stray.csv"
    stray.write_bytes(b"x")
    os.utime(stray, (0, 0))
    assert import_jobs_clean(now=now) == 3
    assert sorted(p.name for p in folder.iterdir()) == ["b.csv"]
    expired.refresh_from_db()
    assert expired.status == "failed" and expired.stored_name == ""
    fresh.refresh_from_db()
    finished.refresh_from_db()
    assert fresh.status == "checked" and finished.stored_name == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_at_once_queue_one_import(officers, settings, tmp_path, monkeypatch):
    """Two requests confirm the same checked job at the same moment (two threads, two database
    connections): one queues the import, the other is refused."""
    import threading

    from django.db import connection

    from beneficiaries import tasks

    settings.MEDIA_ROOT = tmp_path
    queued = []
    monkeypatch.setattr(
        tasks.run_import_job, "apply_async", lambda *a, **k: queued.append(k["task_id"])
    )
    job = ImportJob.objects.create(
        user=officers["commune"], file_name="dt.csv", size=1, sha256="0" * 64, status="checked"
    )
    barrier, outcomes = threading.Barrier(2), []

    def confirm():
        try:
            barrier.wait()
            import_job_confirm(job=job, user=officers["commune"])
            outcomes.append("queued")
        except AppError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["queued", Code.IMPORT_JOB_NOT_CONFIRMABLE])
    job.refresh_from_db()
    assert queued == [job.task_id] and job.status == "importing"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_import_is_not_failed_while_its_transaction_holds_the_job(officers, settings):
    """A running import's heartbeats are inside its transaction, so they look old from outside;
    its lock on the job says it is alive: the stalled-job check skips it (and does not wait)."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite locks the whole database)")
    job = ImportJob.objects.create(
        user=officers["commune"],
        file_name="dt.csv",
        size=1,
        sha256="0" * 64,
        status="importing",
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    locked, release = threading.Event(), threading.Event()

    def importing():
        try:
            with transaction.atomic():
                ImportJob.objects.filter(pk=job.pk).update(rows_done=1)  # a heartbeat, uncommitted
                locked.set()
                release.wait(30)
                transaction.set_rollback(True)  # then the worker dies: nothing committed
        finally:
            connection.close()

    thread = threading.Thread(target=importing)
    thread.start()
    try:
        assert locked.wait(30)
        assert import_jobs_fail_stalled() == []
    finally:
        release.set()
        thread.join()
    assert import_jobs_fail_stalled() == [job.pk]
