"""Imports on real Celery workers (issue 17): a worker killed in the middle of an import leaves
neither a job "importing" for good nor half a file: beat fails the silent job with a message,
and nothing of the file was imported (its rows and its outcome are one transaction).
Run on PostgreSQL and Redis too (DATABASE_URL, REDIS_URL)."""

import csv
import io

import pytest

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ImportJob
from beneficiaries.services.import_file import COLUMNS
from beneficiaries.services.import_jobs import import_job_confirm, import_job_create
from tests.beneficiaries.test_import import rows
from tests.payments.test_generation_worker import wait_for, workers  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_a_worker_killed_while_importing_leaves_a_failed_job_and_nothing_imported(
    workers,  # noqa: F811
    hue_units,
    officers,
    tmp_path,
):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows(hue_units["commune"].code, 3))
    pause = tmp_path / "pause"
    pause.mkdir()
    doomed = workers.start(
        beat=False, app="tests.beneficiaries.paused_import_worker", TROCAP_TEST_PAUSE_DIR=str(pause)
    )
    job = import_job_create(
        user=officers["commune"],
        name="dt.csv",
        content=buffer.getvalue().encode(),
        initial_load=False,
    )
    wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status="checked").exists(),
        what="the worker to check the file",
    )
    import_job_confirm(job=job, user=officers["commune"])
    wait_for(lambda: (pause / "reached").exists(), what="the worker to write the first row")
    workers.kill(doomed)  # SIGKILL in the middle of the import's transaction
    job.refresh_from_db()
    assert job.status == "importing"
    # A live worker with beat: it finds the job silent and fails it.
    workers.start(beat=True, TROCAP_IMPORT_STALL_SECONDS="3", TROCAP_GENERATION_CHECK_SECONDS="1")
    job = wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status="failed").first(),
        what="beat to fail the silent import",
    )
    assert job.error_code == Code.IMPORT_JOB_STALLED
    assert "chưa có gì được nhập" in job.error_message
    assert Beneficiary.objects.count() == 0  # not one row of the file
