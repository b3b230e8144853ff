"""An import job: one uploaded file, checked and then imported by a worker, never in a request.

The page of the job follows it (queued → checking → checked or refused; confirmed → importing →
imported, refused or failed). The job names its own stored file (generated name, size, sha256):
a confirmation imports that file and no other.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked: ready to import")
    REFUSED = "refused", _("Refused")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    RUNNING = (ImportJobStatus.QUEUED, ImportJobStatus.CHECKING, ImportJobStatus.IMPORTING)
    FINISHED = (ImportJobStatus.REFUSED, ImportJobStatus.IMPORTED, ImportJobStatus.FAILED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(
        max_length=80, blank=True, help_text="Under MEDIA_ROOT/imports; empty once removed"
    )
    initial_load = models.BooleanField(_("initial load"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    # The report of the bad rows: the first ROW_ERRORS_SHOWN of them, with the total count.
    row_errors = models.JSONField(default=list, blank=True)
    row_error_count = models.PositiveIntegerField(default=0)
    bad_row_count = models.PositiveIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="import_job_running")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def confirmable(self) -> bool:
        return self.status == ImportJobStatus.CHECKED
