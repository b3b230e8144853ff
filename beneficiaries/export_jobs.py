"""The register's xlsx as an export job (org.exports): a register above
TROCAP_EXPORT_INLINE_MAX_ROWS rows is written by a worker, with progress, not in the request."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from django.http import Http404

from beneficiaries import selectors
from beneficiaries.exporting import register_xlsx_write
from org.downloads import ExportWhat
from org.export_job_models import ExportJob
from org.exports import ExportKind, Progress, export_kind_register
from org.privacy import Identifiers


def register_export_parameters(*, user, filters: selectors.RegisterFilters) -> dict:
    """What a register job remembers: the filters, and the unit the owner asked from."""
    return {"filters": dataclasses.asdict(filters), "unit": user.unit_id}


def _check(user, parameters: dict):
    # The file holds the register as the owner's unit saw it: someone moved since gets a 404.
    if user.unit_id != parameters.get("unit"):
        raise Http404
    return user.unit


def _write(job: ExportJob, path: Path, identifiers: Identifiers, progress: Progress) -> int:
    filters = selectors.RegisterFilters(**job.parameters["filters"])
    queryset = selectors.register_search(user=job.owner, filters=filters)
    return register_xlsx_write(queryset, path, identifiers, progress)


def register() -> None:
    export_kind_register(ExportKind(code=ExportWhat.REGISTER_XLSX, write=_write, check=_check))
