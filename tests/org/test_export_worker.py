"""An export job on a real Celery worker: queued, written with progress, done, downloadable.
Run on PostgreSQL and Redis too (DATABASE_URL, REDIS_URL)."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from org.errors import OrgErrorCode
from org.exports import export_dir, export_job_request
from org.models import ExportJob
from tests.payments.test_generate import generate, person
from tests.payments.test_generation_worker import wait_for, workers  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_a_real_worker_writes_the_official_list(
    workers,  # noqa: F811
    client,
    hue_units,
    officers,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    for i in range(3):
        person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"], full_name=f"Mai {i}")
    period = generate(hue_units["district"], datetime.date(2026, 12, 1), officers["district"])
    workers.start(beat=False, MEDIA_ROOT=str(tmp_path))
    job = export_job_request(
        user=officers["district"],
        kind="payment_list_xlsx",
        parameters={"period": period.pk, "commune": None},
        file_name="ds.xlsx",
    )
    assert job.status == "queued"
    job = wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, status="done").first(),
        what="the worker to write the file",
    )
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert (export_dir() / job.stored_name).exists()
    client.force_login(officers["district"])
    response = client.get(reverse("export_job_download", args=[job.uuid]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert {"Mai 0", "Mai 1", "Mai 2"} <= set(cells)


def test_a_worker_killed_while_writing_leaves_a_failed_job_not_a_running_one(
    workers,  # noqa: F811
    client,
    hue_units,
    officers,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    person(hue_units["commune"], datetime.date(1940, 1, 1), ["K5C"])
    period = generate(hue_units["district"], datetime.date(2026, 12, 1), officers["district"])
    pause = tmp_path / "pause"
    pause.mkdir()
    doomed = workers.start(
        beat=False,
        app="tests.org.paused_export_worker",
        TROCAP_TEST_PAUSE_DIR=str(pause),
        MEDIA_ROOT=str(tmp_path),
    )
    job = export_job_request(
        user=officers["district"],
        kind="payment_list_xlsx",
        parameters={"period": period.pk, "commune": None},
        file_name="ds.xlsx",
    )
    wait_for(lambda: (pause / "reached").exists(), what="the worker to write the first line")
    workers.kill(doomed)
    job.refresh_from_db()
    assert job.status == "running"
    # A live worker with beat: it finds the job silent and fails it.
    workers.start(
        beat=True,
        MEDIA_ROOT=str(tmp_path),
        TROCAP_EXPORT_STALL_SECONDS="3",
        TROCAP_GENERATION_CHECK_SECONDS="1",
    )
    job = wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, status="failed").first(),
        what="beat to fail the silent export",
    )
    assert job.error_code == OrgErrorCode.EXPORT_JOB_STALLED
    assert not list(export_dir().glob(f"{job.uuid.hex}*"))
    client.force_login(officers["district"])
    page = client.get(reverse("export_job", args=[job.uuid])).content.decode()
    assert 'data-error-code="export_job_stalled"' in page
