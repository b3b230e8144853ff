"""Large exports are export jobs: a worker writes the file with progress on a page, the owner
alone downloads it; small ones stay in the request."""

import datetime
import io
import logging

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaries.selectors import RegisterFilters
from org.errors import OrgErrorCode
from org.exports import export_job_request, export_jobs_clean, export_jobs_fail_stalled
from org.models import ExportJob, ExportJobStatus
from org.tasks import fail_stalled_export_jobs
from reports.models import ExportLog
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def listed(hue_units, officers, settings, tmp_path):
    """A December list of three lines in two communes, and exports above 2 lines as jobs."""
    settings.MEDIA_ROOT = tmp_path
    settings.TROCAP_EXPORT_INLINE_MAX_ROWS = 2
    for i, commune in enumerate(
        [hue_units["commune"], hue_units["commune"], hue_units["neighbour"]]
    ):
        person(commune, datetime.date(1940, 1, 1), ["K5C"], full_name=f"Lê Thị Số {i}")
    return generate(hue_units["district"], DEC, officers["district"])


def _job_from(response) -> ExportJob:
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("export_job", args=[job.uuid])
    return job


def test_a_large_list_is_written_by_the_worker_with_progress_and_a_download(
    client, officers, listed, eager_celery, django_capture_on_commit_callbacks, caplog
):
    client.force_login(officers["district"])
    url = reverse("payments:export", args=[listed.pk, "xlsx"])
    caplog.set_level(logging.INFO, logger="org.exports")
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_from(client.get(url))
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert job.whole_identifiers  # a district officer sees whole numbers
    # One line per event: queued, started, done (with rows and seconds).
    events = [r.getMessage() for r in caplog.records if r.name == "org.exports"]
    assert events == ["export job queued", "export job started", "export job done"]
    done = next(r for r in caplog.records if r.getMessage() == "export job done")
    assert done.rows == 3 and done.seconds >= 0

    page = client.get(reverse("export_job", args=[job.uuid])).content.decode()
    assert "data-download" in page and "hx-get" not in page
    response = client.get(reverse("export_job_download", args=[job.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    assert job.file_name in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[0] == "Tổng hợp"
    names = [
        c for ws in workbook.worksheets[1:] for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert {"Lê Thị Số 0", "Lê Thị Số 1", "Lê Thị Số 2"} <= set(names)
    # Logged once, when the file was written, with its row count; the download adds nothing.
    client.get(reverse("export_job_download", args=[job.uuid]))
    (entry,) = ExportLog.objects.all()
    assert (entry.user, entry.what, entry.row_count) == (
        officers["district"],
        "payment_list_xlsx",
        3,
    )


def test_the_page_shows_the_progress_and_polls_while_the_worker_writes(client, officers, listed):
    client.force_login(officers["district"])
    job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    assert job.status == ExportJobStatus.QUEUED  # no worker here: it waits
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJobStatus.RUNNING, rows_done=1500, rows_total=14400
    )
    page = client.get(reverse("export_job", args=[job.uuid])).content.decode()
    assert 'value="1500"' in page and 'max="14400"' in page and "1.500" in page
    assert reverse("export_job_progress", args=[job.uuid]) in page  # htmx polls the card
    assert client.get(reverse("export_job_download", args=[job.uuid])).status_code == 404
    card = client.get(reverse("export_job_progress", args=[job.uuid]))
    assert "HX-Refresh" not in card and "14.400" in card.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.FAILED)
    assert client.get(reverse("export_job_progress", args=[job.uuid]))["HX-Refresh"] == "true"


def test_only_the_owner_sees_and_downloads_the_job(
    client, officers, checker, listed, eager_celery, django_capture_on_commit_callbacks
):
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    for other in (checker, officers["province"], officers["commune"], officers["admin"]):
        client.force_login(other)
        for name in ("export_job", "export_job_progress", "export_job_download"):
            assert client.get(reverse(name, args=[job.uuid])).status_code == 404, (other, name)


def test_the_download_checks_the_owners_scope_again(
    client, officers, hue_units, listed, eager_celery, django_capture_on_commit_callbacks
):
    owner = officers["district"]
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    owner.unit = hue_units["other_district"]  # moved to another district since asking
    owner.save()
    assert client.get(reverse("export_job_download", args=[job.uuid])).status_code == 404


def test_the_same_request_reuses_the_job_while_it_runs(client, officers, listed):
    client.force_login(officers["district"])
    url = reverse("payments:export", args=[listed.pk, "xlsx"])
    first = _job_from(client.get(url))
    client.get(url)
    assert ExportJob.objects.get() == first
    # Two at the same moment: the database keeps one running job per owner and request.
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportJob.objects.create(
            owner=first.owner,
            kind=first.kind,
            parameters=first.parameters,
            parameters_key=first.parameters_key,
            file_name=first.file_name,
        )
    # Another commune's sheet is another request; a finished job is not reused.
    client.get(url, {"commune": first.owner.unit.children.order_by("code")[0].pk})
    assert ExportJob.objects.count() == 1  # one commune of 2 lines: inline
    ExportJob.objects.update(status=ExportJobStatus.DONE)
    client.get(url)
    assert ExportJob.objects.count() == 2


def test_a_small_list_stays_in_the_request(client, officers, listed, settings):
    settings.TROCAP_EXPORT_INLINE_MAX_ROWS = 3
    client.force_login(officers["district"])
    response = client.get(reverse("payments:export", args=[listed.pk, "xlsx"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    openpyxl.load_workbook(io.BytesIO(response.content))
    assert not ExportJob.objects.exists()
    assert ExportLog.objects.get().row_count == 3
    # The CSV stays in the request whatever the size (it is fast: see docs).
    settings.TROCAP_EXPORT_INLINE_MAX_ROWS = 1
    response = client.get(reverse("payments:export", args=[listed.pk, "csv"]))
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_a_dead_workers_job_is_failed_by_beat(client, officers, listed, settings):
    settings.TROCAP_EXPORT_STALL_SECONDS = 60
    client.force_login(officers["district"])
    job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJobStatus.RUNNING)
    assert export_jobs_fail_stalled() == []  # it beat a moment ago: alive
    ExportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert fail_stalled_export_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.status == ExportJobStatus.FAILED
    assert job.error_code == OrgErrorCode.EXPORT_JOB_STALLED
    page = client.get(reverse("export_job", args=[job.uuid])).content.decode()
    assert 'data-error-code="export_job_stalled"' in page and "hx-get" not in page
    # Asking again queues a new job.
    assert _job_from_new(client, listed) != job


def _job_from_new(client, period) -> ExportJob:
    client.get(reverse("payments:export", args=[period.pk, "xlsx"]))
    return ExportJob.objects.order_by("-pk").first()


def test_files_are_removed_after_a_day(
    client, officers, listed, eager_celery, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(officers["district"])
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    job.refresh_from_db()
    stored = tmp_path / "exports" / job.stored_name
    assert stored.exists()
    assert export_jobs_clean() == 0  # fresh
    assert export_jobs_clean(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    assert not stored.exists()
    page = client.get(reverse("export_job", args=[job.uuid])).content.decode()
    assert "data-expired" in page
    assert client.get(reverse("export_job_download", args=[job.uuid])).status_code == 404


def test_an_error_in_the_writer_fails_the_job_with_a_code(
    officers, listed, monkeypatch, django_capture_on_commit_callbacks, eager_celery
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("payments.exporting.payment_list_xlsx_write", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_request(
            user=officers["district"],
            kind="payment_list_xlsx",
            parameters={"period": listed.pk, "commune": None},
            file_name="x.xlsx",
        )
    job.refresh_from_db()
    assert (job.status, job.error_code) == (ExportJobStatus.FAILED, "export_job_failed")
    assert not ExportLog.objects.exists()


def test_a_large_register_is_a_job_with_identifiers_as_the_owner_sees_them(
    client,
    officers,
    hue_units,
    settings,
    tmp_path,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    settings.TROCAP_EXPORT_INLINE_MAX_ROWS = 2
    people = [
        person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name=f"Hà Văn {i}")
        for i in range(3)
    ]
    province = officers["province"]  # sees ID numbers masked
    client.force_login(province)
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_from(client.get(reverse("beneficiaries:export")))
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE and not job.whole_identifiers
    assert job.parameters == {"filters": RegisterFilters().__dict__, "unit": province.unit_id}
    response = client.get(reverse("export_job_download", args=[job.uuid]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["doi_tuong"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    values = [dict(zip(header, row, strict=True)) for row in rows]
    assert {v["full_name"] for v in values} == {p.full_name for p in people}
    for v in values:
        assert "*" in v["id_number"] and v["id_number"] not in {p.id_number for p in people}
    assert ExportLog.objects.get(what="register_xlsx").row_count == 3
    # Someone moved to another unit since asking may not take the file.
    province.unit = hue_units["district"]
    province.save()
    assert client.get(reverse("export_job_download", args=[job.uuid])).status_code == 404


def test_the_admin_lists_jobs_by_their_label_read_only(client, officers, listed):
    client.force_login(officers["district"])
    job = _job_from(client.get(reverse("payments:export", args=[listed.pk, "xlsx"])))
    client.force_login(officers["admin"])
    page = client.get("/admin/org/exportjob/").content.decode()
    assert "Danh sách chi trả chính thức (xlsx)" in page
    assert client.get(f"/admin/org/exportjob/{job.pk}/change/").status_code == 200
    assert client.get("/admin/org/exportjob/add/").status_code == 403
