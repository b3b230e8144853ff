"""An export job: a file too large to write inside a request, written by a worker.

The request records who asked, for what (a registered export kind and its parameters) and how
the identifiers are shown to them; the worker writes the file under MEDIA_ROOT/exports,
reporting progress; the owner's page follows it and offers the download when it is done.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Writing the file")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    RUNNING = (ExportJobStatus.QUEUED, ExportJobStatus.RUNNING)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    # A code of org.downloads.ExportWhat, registered by the app that writes it (org.exports).
    kind = models.CharField(_("kind"), max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    # The parameters as canonical JSON: what "the same request" means for reuse.
    parameters_key = models.CharField(max_length=255)
    # Decided at request time (org.privacy.identifiers_for): how the file shows ID numbers.
    whole_identifiers = models.BooleanField(default=False)
    unit = models.ForeignKey(
        "org.AdministrativeUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    file_name = models.CharField(_("file name"), max_length=120)
    stored_name = models.CharField(
        max_length=80, blank=True, help_text="Under MEDIA_ROOT/exports; empty once removed"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="export_job_running")]
        constraints = [
            # One queued or running job per owner and request: a second asks reuses it.
            models.UniqueConstraint(
                fields=["owner", "kind", "parameters_key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_running_export_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def downloadable(self) -> bool:
        return self.status == ExportJobStatus.DONE and bool(self.stored_name)
