"""Import jobs: an upload is stored and queued; a worker checks it (a dry run), the officer
confirms that job, a worker imports it. No request reads a spreadsheet.

- `import_job_create` (the request): who may import, the size and the kind of file by name; the
  file is stored under a generated name with its sha256, and `check_import_job` is queued after
  the commit.
- `import_job_check` / `import_job_run` (the worker): claim the job, beat while working, record
  the outcome; any error ends the job as failed with its reason, never a job stuck "checking".
- `import_job_confirm` (the request): only the owner, only a checked job, only once (one
  conditional UPDATE: two confirms at once queue one import).
- `import_jobs_fail_stalled` and `import_jobs_clean` (beat): a job whose worker stopped beating
  fails with a message; stored files go once a job is finished, or after TROCAP_IMPORT_KEEP_HOURS.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import uuid
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import ImportJob, ImportJobStatus
from beneficiaries.services.import_file import (
    MAX_FILE_BYTES,
    Budget,
    ImportFileError,
    column_label,
)
from beneficiaries.services.importing import (
    ImportResult,
    beneficiaries_import,
    import_permission_check,
)
from core.errors import AppError, ApplicationError
from org.downloads import neutralise

logger = logging.getLogger(__name__)

ROW_ERRORS_SHOWN = 1000
SUFFIXES = (".xlsx", ".csv")


def import_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_job_create(*, user, name: str, content: bytes, initial_load: bool) -> ImportJob:
    """Store an upload and queue its check. Refuses at once (nothing stored) what needs no
    reading: a user who may not import this way (AppForbidden), a file over 10 MB or not named
    .xlsx/.csv (AppError). Everything else is the worker's."""
    from beneficiaries.tasks import check_import_job  # tasks import the services

    import_permission_check(user=user, initial_load=initial_load)
    suffix = Path(name).suffix.lower()
    if len(content) > MAX_FILE_BYTES:
        raise AppError(
            Code.IMPORT_FILE_TOO_LARGE, _("The file is larger than 10 MB."), field="file"
        )
    if suffix not in SUFFIXES:
        raise AppError(Code.IMPORT_FILE_TYPE, _("Upload an .xlsx or .csv file."), field="file")
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    (import_dir() / stored_name).write_bytes(content)
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=user,
            file_name=Path(name).name[:255],
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            stored_name=stored_name,
            initial_load=initial_load,
            task_id=uuid.uuid4().hex,
            heartbeat_at=timezone.now(),
        )
        transaction.on_commit(
            lambda: check_import_job.apply_async(args=[job.pk], task_id=job.task_id)
        )
    logger.info(
        "import job queued",
        extra={"job": str(job.uuid), "user_id": user.pk, "bytes": len(content)},
    )
    return job


def import_job_confirm(*, job: ImportJob, user) -> ImportJob:
    """Queue the import of `job`'s own file. Only its owner, only once it was checked, only
    once: of two confirmations at once, one queues the import and the other is refused."""
    from beneficiaries.tasks import run_import_job

    if job.user_id != user.pk:
        raise AppError(Code.IMPORT_JOB_NOT_CONFIRMABLE, _("This import is not yours."))
    task_id = uuid.uuid4().hex
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.CHECKED).update(
            status=ImportJobStatus.IMPORTING,
            task_id=task_id,
            rows_done=0,
            heartbeat_at=timezone.now(),
            confirmed_at=timezone.now(),
        )
        if not claimed:
            raise AppError(
                Code.IMPORT_JOB_NOT_CONFIRMABLE,
                _("This file cannot be imported (again): upload it anew to check it first."),
            )
        transaction.on_commit(lambda: run_import_job.apply_async(args=[job.pk], task_id=task_id))
    logger.info("import job confirmed", extra={"job": str(job.uuid), "user_id": user.pk})
    job.refresh_from_db()
    return job


def import_job_error_report(*, job: ImportJob) -> str:
    """The job's recorded problems as CSV text (with a BOM, for Excel): row, the column by its
    Vietnamese label, the problem, then the column's key and the problem's code. Text a
    spreadsheet would run as a formula is neutralised (a message may quote a typed value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Problem"), _("Column key"), _("Error code")])
    for e in job.row_errors or []:
        writer.writerow(
            [
                e["row"],
                column_label(e["column"]),
                neutralise(str(e["message"])),
                e["column"],
                e.get("code", ""),
            ]
        )
    return "\ufeff" + out.getvalue()


def _claim(job_id: int, task_id: str | None, status: str) -> ImportJob | None:
    """The job if this task may work on it now (it is the task queued for it, and the job is
    still waiting for it), marked `status` and beating."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or (task_id and job.task_id != task_id):
        return None
    expected = ImportJobStatus.QUEUED if status == ImportJobStatus.CHECKING else status
    if job.status not in (expected, status):
        return None
    ImportJob.objects.filter(pk=job.pk).update(status=status, heartbeat_at=timezone.now())
    job.status = status
    return job


def _content(job: ImportJob) -> bytes:
    """The stored file, as it was uploaded (its sha256 checked again)."""
    try:
        content = (import_dir() / job.stored_name).read_bytes() if job.stored_name else None
    except OSError:
        content = None
    if content is None or hashlib.sha256(content).hexdigest() != job.sha256:
        raise AppError(
            Code.IMPORT_JOB_FILE_CHANGED,
            _("The stored file is gone or changed since it was uploaded. Upload it again."),
        )
    return content


class _Beat:
    """Progress and heartbeat of a running job, written at most once a second."""

    def __init__(self, job: ImportJob) -> None:
        self.job, self.last = job, 0.0

    def __call__(self, done: int | None = None, total: int | None = None) -> None:
        now = timezone.now()
        if now.timestamp() - self.last < 1 and done is None:
            return
        self.last = now.timestamp()
        fields = {"heartbeat_at": now}
        if done is not None:
            fields.update(rows_done=done, rows_total=total or 0)
        ImportJob.objects.filter(pk=self.job.pk).update(**fields)


def import_job_check(*, job_id: int, task_id: str | None = None) -> str:
    """The worker's dry run of a queued job: checked (ready to confirm) or refused (with every
    bad row, or why the file cannot be read)."""
    job = _claim(job_id, task_id, ImportJobStatus.CHECKING)
    if job is None:
        return "not mine"
    beat = _Beat(job)
    try:
        content = _content(job)
        result = beneficiaries_import(
            name=job.file_name,
            content=content,
            user=job.user,
            initial_load=job.initial_load,
            dry_run=True,
            budget=Budget(settings.TROCAP_IMPORT_READ_SECONDS, tick=beat),
            progress=beat,
        )
    except Exception as exc:  # the job records every failure; see _fail
        return _fail(job, exc, ImportJobStatus.CHECKING)
    status = ImportJobStatus.REFUSED if result.errors else ImportJobStatus.CHECKED
    _record(job, result, status, ImportJobStatus.CHECKING, checked_at=timezone.now())
    if result.errors:
        _remove_file(job)
    return status


def import_job_run(*, job_id: int, task_id: str | None = None) -> str:
    """The worker's import of a confirmed job, all or nothing; the job's outcome is recorded in
    the same transaction as the rows (a worker that dies before the commit imported nothing)."""
    job = _claim(job_id, task_id, ImportJobStatus.IMPORTING)
    if job is None:
        return "not mine"
    beat = _Beat(job)

    def record(result: ImportResult) -> None:
        if result.errors:
            return
        # Still ours: a second delivery of this task, or a stalled-job check, finds it done.
        if not (
            ImportJob.objects.select_for_update()
            .filter(pk=job.pk, status=ImportJobStatus.IMPORTING, task_id=job.task_id)
            .exists()
        ):
            raise AppError(Code.IMPORT_JOB_NOT_CONFIRMABLE, _("This import was already handled."))
        _record(job, result, ImportJobStatus.IMPORTED, ImportJobStatus.IMPORTING)

    try:
        content = _content(job)
        result = beneficiaries_import(
            name=job.file_name,
            content=content,
            user=job.user,
            initial_load=job.initial_load,
            budget=Budget(settings.TROCAP_IMPORT_READ_SECONDS, tick=beat),
            progress=beat,
            within_write=record,
        )
    except Exception as exc:  # the job records every failure; see _fail
        return _fail(job, exc, ImportJobStatus.IMPORTING)
    finally:
        _remove_file(job)
    if result.errors:  # something changed since the check (an ID registered meanwhile)
        _record(job, result, ImportJobStatus.REFUSED, ImportJobStatus.IMPORTING)
        return ImportJobStatus.REFUSED
    return ImportJobStatus.IMPORTED


def _record(job: ImportJob, result: ImportResult, status: str, from_status: str, **extra) -> None:
    errors = [
        {"row": e.row, "column": e.column, "message": str(e.message), "code": str(e.code)}
        for e in result.errors[:ROW_ERRORS_SHOWN]
    ]
    ImportJob.objects.filter(pk=job.pk, status=from_status, task_id=job.task_id).update(
        status=status,
        total_rows=result.total_rows,
        imported=result.imported,
        rows_done=result.total_rows,
        rows_total=result.total_rows,
        row_errors=errors,
        row_error_count=len(result.errors),
        bad_row_count=len({e.row for e in result.errors}),
        heartbeat_at=None,
        finished_at=timezone.now() if status != ImportJobStatus.CHECKED else None,
        **extra,
    )
    logger.info(
        "import job finished",
        extra={
            "job": str(job.uuid),
            "status": status,
            "rows": result.total_rows,
            "problems": len(result.errors),
        },
    )


def _fail(job: ImportJob, exc: BaseException, from_status: str) -> str:
    """A file that cannot be read, or a refusal of the whole file, refuses the job with its
    message and code; anything else fails it (logged with its traceback)."""
    if isinstance(exc, ImportFileError):
        status, code, message = ImportJobStatus.REFUSED, exc.code, str(exc)
    elif isinstance(exc, ApplicationError):  # not allowed (any more), a closed list
        status, code, message = ImportJobStatus.REFUSED, exc.code, exc.text
    elif isinstance(exc, SoftTimeLimitExceeded):
        status, code = ImportJobStatus.REFUSED, Code.IMPORT_FILE_TIMEOUT
        message = _("The file took too long to read; keep only the list's columns and rows.")
    else:
        logger.exception("import job failed", extra={"job": str(job.uuid)})
        status, code = ImportJobStatus.FAILED, Code.IMPORT_JOB_FAILED
        message = _(
            "The import stopped on an unexpected error; nothing was imported. Try again; if it "
            "happens again, tell the administrator."
        )
    ImportJob.objects.filter(pk=job.pk, status=from_status, task_id=job.task_id).update(
        status=status,
        error_code=str(code),
        error_message=str(message),
        heartbeat_at=None,
        finished_at=timezone.now(),
    )
    _remove_file(job)
    logger.info("import job finished", extra={"job": str(job.uuid), "code": str(code)})
    return status


def _remove_file(job: ImportJob) -> None:
    if job.stored_name:
        (import_dir() / job.stored_name).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(stored_name="")
        job.stored_name = ""


def import_jobs_fail_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Fail every queued, checking or importing job whose worker stopped beating for
    TROCAP_IMPORT_STALL_SECONDS (killed, or never taken): the page says so. An import's rows
    are written in one transaction with its outcome, so a dead worker imported nothing."""
    now = now or timezone.now()
    before = now - datetime.timedelta(seconds=settings.TROCAP_IMPORT_STALL_SECONDS)
    failed = []
    with transaction.atomic():
        # A running import holds its job's row locked in its transaction (its heartbeats are
        # not visible until it commits): a locked job is alive, and is skipped, not waited on.
        stalled = ImportJob.objects.select_for_update(skip_locked=True).filter(
            status__in=ImportJob.RUNNING, heartbeat_at__lt=before
        )
        for job in stalled:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJobStatus.FAILED,
                error_code=Code.IMPORT_JOB_STALLED,
                error_message=_(
                    "The worker handling this file stopped (no sign of it since %(when)s); "
                    "nothing was imported. Upload the file again; if it stops again, tell the "
                    "administrator."
                )
                % {"when": timezone.localtime(job.heartbeat_at).strftime("%d/%m/%Y %H:%M:%S")},
                heartbeat_at=None,
                finished_at=now,
            )
            failed.append(job.pk)
            _remove_file(job)
            logger.warning("import job stalled", extra={"job": str(job.uuid)})
    return failed


def import_jobs_clean(*, now: datetime.datetime | None = None) -> int:
    """Remove the stored files of finished jobs, and of any job older than
    TROCAP_IMPORT_KEEP_HOURS (a checked file nobody confirmed). The number removed."""
    now = now or timezone.now()
    old = now - datetime.timedelta(hours=settings.TROCAP_IMPORT_KEEP_HOURS)
    removed = 0
    for job in ImportJob.objects.exclude(stored_name="").filter(
        status__in=ImportJob.FINISHED
    ) | ImportJob.objects.exclude(stored_name="").filter(created_at__lt=old):
        if job.status == ImportJobStatus.CHECKED:
            ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.CHECKED).update(
                status=ImportJobStatus.FAILED,
                error_code=Code.IMPORT_JOB_STALLED,
                error_message=_("This check expired: upload the file again to import it."),
                finished_at=now,
            )
        elif job.running:
            continue
        _remove_file(job)
        removed += 1
    # Files no job names (a crash between writing and saving): older than the keep time.
    named = set(ImportJob.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    for path in import_dir().iterdir():
        if path.name not in named and path.stat().st_mtime < old.timestamp():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
