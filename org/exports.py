"""Export jobs: a file too large to write inside a request is written by a worker.

- The apps that write files register an `ExportKind` (at `ready()`): its code (an
  `ExportWhat`), `write` (the file, to a path, reporting progress; returns the row count) and
  `check` (the owner may still have it: raises Http404 or a refusal, returns the unit the export
  log names). org never imports them: the registry is how a lower layer runs a higher one's
  writer.
- `export_job_request` (the request): decides how the identifiers are shown (the owner's rights
  now), and queues the job after the commit; the same owner asking the same while one is
  queued or running gets that one back (a partial unique constraint settles a race).
- `export_job_run` (the worker): claims the job, checks the owner's scope again, writes the file
  under MEDIA_ROOT/exports beating as it goes, logs the export once (the export log, with the
  row count) and ends done; any error ends it failed with a code, never stuck running.
- `export_jobs_fail_stalled` and `export_jobs_clean` (beat): a job whose worker stopped beating
  fails; files older than TROCAP_EXPORT_KEEP_HOURS are removed.
- `export_job_file` (the download): the owner's file, after `check` again.

Logs: one line per event (queued, started, done with rows and seconds, failed, stalled), ids
only.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from org.downloads import export_logged
from org.errors import OrgErrorCode as Code
from org.export_job_models import ExportJob, ExportJobStatus
from org.privacy import Identifiers, identifiers_for

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportKind:
    """One kind of file a worker can write.

    `write(job, path, identifiers, progress) -> rows` writes the whole file at `path`, calling
    `progress(done, total)` now and then; `check(user, parameters) -> unit` raises (Http404, a
    refusal) when `user` may not have this export (any more) and returns the unit to log."""

    code: str
    write: Callable[[ExportJob, Path, Identifiers, Progress], int]
    check: Callable[..., object]


_KINDS: dict[str, ExportKind] = {}


def export_kind_register(kind: ExportKind) -> None:
    """Make `kind` runnable by the worker (called from the writing app's `ready()`)."""
    _KINDS[kind.code] = kind


def export_kind(code: str) -> ExportKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"No export kind {code!r} is registered.") from None


def export_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_runs_inline(rows: int) -> bool:
    """True when an export of `rows` lines is small enough to write in the request."""
    return rows <= settings.TROCAP_EXPORT_INLINE_MAX_ROWS


def _key(parameters: dict) -> str:
    return json.dumps(parameters, sort_keys=True, separators=(",", ":"))[:255]


def export_job_request(
    *, user, kind: str, parameters: dict, file_name: str, unit=None
) -> ExportJob:
    """Queue the export `kind` of `parameters` for `user` (the caller checked they may have it),
    or give back the same request of theirs that is still queued or running. The identifiers
    are decided now, as `identifiers_for(user)` shows them. Writes the job; queues
    `org.tasks.run_export_job` after the commit."""
    from org.tasks import run_export_job  # tasks import the services

    export_kind(kind)  # unknown kinds fail here, not in the worker
    key = _key(parameters)
    running = ExportJob.objects.filter(
        owner=user, kind=kind, parameters_key=key, status__in=ExportJob.RUNNING
    )
    job = running.first()
    if job is not None:
        logger.info("export job reused", extra={"job": str(job.uuid), "kind": kind})
        return job
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                owner=user,
                kind=kind,
                parameters=parameters,
                parameters_key=key,
                whole_identifiers=identifiers_for(user).whole,
                unit=unit,
                file_name=file_name,
                task_id=str(uuid.uuid4()),
                heartbeat_at=timezone.now(),
            )
            task_id = job.task_id
            job_id = job.pk
            transaction.on_commit(
                lambda: run_export_job.apply_async(args=[job_id], task_id=task_id)
            )
    except IntegrityError:
        # The same request at the same moment: the other one is queued; follow it.
        job = running.first()
        if job is None:
            raise
        logger.info("export job reused", extra={"job": str(job.uuid), "kind": kind})
        return job
    logger.info("export job queued", extra={"job": str(job.uuid), "kind": kind, "user_id": user.pk})
    return job


class _Beat:
    """Progress and heartbeat of a running job, written at most once a second."""

    def __init__(self, job: ExportJob) -> None:
        self.job, self.last = job, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 1 and done < total:
            return
        self.last = now
        ExportJob.objects.filter(pk=self.job.pk).update(
            rows_done=done, rows_total=total, heartbeat_at=timezone.now()
        )


def export_job_run(*, job_id: int, task_id: str | None = None) -> str:
    """The worker writes the job's file. Only the task queued for it, only while it is queued
    (a redelivered task finds it running or finished and leaves it). Returns the final status."""
    started = time.perf_counter()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJobStatus.QUEUED)
    if task_id:
        claimed = claimed.filter(task_id=task_id)
    if not claimed.update(
        status=ExportJobStatus.RUNNING, heartbeat_at=timezone.now(), started_at=timezone.now()
    ):
        return "not mine"
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    logger.info("export job started", extra={"job": str(job.uuid), "kind": job.kind})
    stored_name = f"{job.uuid.hex}.xlsx"
    path = export_dir() / stored_name
    partial = path.with_suffix(".part")
    try:
        kind = export_kind(job.kind)
        unit = kind.check(job.owner, job.parameters)
        rows = kind.write(job, partial, Identifiers(whole=job.whole_identifiers), _Beat(job))
        partial.replace(path)
    except Exception as exc:  # any error ends the job failed, with its reason
        partial.unlink(missing_ok=True)
        return _fail(job, exc)
    # The export is logged once, when the file exists, with its row count.
    export_logged(
        user=job.owner,
        what=job.kind,
        unit=unit,
        parameters=f"job={job.uuid} {job.parameters_key}",
        row_count=rows,
    )
    ExportJob.objects.filter(pk=job.pk, status=ExportJobStatus.RUNNING).update(
        status=ExportJobStatus.DONE,
        stored_name=stored_name,
        rows_done=rows,
        rows_total=rows,
        heartbeat_at=None,
        finished_at=timezone.now(),
    )
    logger.info(
        "export job done",
        extra={
            "job": str(job.uuid),
            "kind": job.kind,
            "rows": rows,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return ExportJobStatus.DONE


def _fail(job: ExportJob, exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        code, message = str(exc.code), exc.text
    elif isinstance(exc, Http404):
        code, message = str(Code.EXPORT_JOB_FAILED), _("You can no longer export this.")
    else:
        logger.exception("export job failed", extra={"job": str(job.uuid), "kind": job.kind})
        code = str(Code.EXPORT_JOB_FAILED)
        message = _(
            "The file could not be written because of an unexpected error. Ask for it again; "
            "if it happens again, tell the administrator."
        )
    ExportJob.objects.filter(pk=job.pk, status=ExportJobStatus.RUNNING).update(
        status=ExportJobStatus.FAILED,
        error_code=code,
        error_message=message,
        heartbeat_at=None,
        finished_at=timezone.now(),
    )
    logger.info("export job failed", extra={"job": str(job.uuid), "code": code})
    return ExportJobStatus.FAILED


def export_jobs_fail_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Fail every queued or running job whose worker stopped beating for
    TROCAP_EXPORT_STALL_SECONDS (killed, or never taken): the page says so and offers to ask
    again. Its partial file is removed."""
    now = now or timezone.now()
    before = now - datetime.timedelta(seconds=settings.TROCAP_EXPORT_STALL_SECONDS)
    failed = []
    for job in ExportJob.objects.filter(status__in=ExportJob.RUNNING, heartbeat_at__lt=before):
        updated = ExportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(
            status=ExportJobStatus.FAILED,
            error_code=Code.EXPORT_JOB_STALLED,
            error_message=_(
                "The worker writing this file stopped (no sign of it since %(when)s). "
                "Ask for the file again; if it stops again, tell the administrator."
            )
            % {"when": timezone.localtime(job.heartbeat_at).strftime("%d/%m/%Y %H:%M:%S")},
            heartbeat_at=None,
            finished_at=now,
        )
        if updated:
            (export_dir() / f"{job.uuid.hex}.part").unlink(missing_ok=True)
            failed.append(job.pk)
            logger.warning("export job stalled", extra={"job": str(job.uuid), "kind": job.kind})
    return failed


def export_jobs_clean(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of jobs finished more than TROCAP_EXPORT_KEEP_HOURS ago (the job stays,
    its page says the file expired). The number removed."""
    now = now or timezone.now()
    old = now - datetime.timedelta(hours=settings.TROCAP_EXPORT_KEEP_HOURS)
    removed = 0
    for job in ExportJob.objects.exclude(stored_name="").filter(finished_at__lt=old):
        (export_dir() / job.stored_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(stored_name="")
        removed += 1
        logger.info("export job file removed", extra={"job": str(job.uuid)})
    return removed


def export_job_get(*, user, job_uuid) -> ExportJob:
    """A job of `user`'s own; anyone else's answers 404."""
    job = ExportJob.objects.filter(uuid=job_uuid, owner=user).first()
    if job is None:
        raise Http404
    return job


def export_job_file(*, user, job: ExportJob) -> Path:
    """The path of the owner's finished file, after checking again that they may have it (their
    unit or role may have changed since they asked). Http404 when it is not (or no longer)
    there."""
    if job.owner_id != user.pk or not job.downloadable:
        raise Http404
    export_kind(job.kind).check(user, job.parameters)
    path = export_dir() / job.stored_name
    if not path.exists():
        raise Http404
    return path
