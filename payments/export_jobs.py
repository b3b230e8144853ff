"""The official list's xlsx as an export job (org.exports): a list above
TROCAP_EXPORT_INLINE_MAX_ROWS lines is written by a worker, with progress, not in the request.

`list_export_commune` is the one check of which commune's lines a user may export (the page's
request and the worker's job both use it)."""

from __future__ import annotations

from pathlib import Path

from django.http import Http404

from core.web import id_param
from org.downloads import ExportWhat
from org.export_job_models import ExportJob
from org.exports import ExportKind, Progress, export_kind_register
from org.models import AdministrativeUnit, UnitLevel
from org.privacy import Identifiers
from org.roles import communes_of
from payments import exporting, selectors
from payments.models import PaymentPeriod


def list_export_commune(*, user, period: PaymentPeriod, commune_id) -> AdministrativeUnit | None:
    """The commune whose lines `user` exports (None: the whole list). A commune officer exports
    only their own commune, whatever is asked; a commune outside the closing unit, or someone
    else's, is a 404."""
    commune = None
    own_commune = user.unit_id and user.unit.level == UnitLevel.COMMUNE
    if id_param(commune_id) is not None:
        commune = communes_of(period.unit).filter(pk=id_param(commune_id)).first()
        if commune is None:
            raise Http404
    elif own_commune:
        commune = user.unit
    if commune is not None and own_commune and commune != user.unit:
        raise Http404
    return commune


def _period(user, parameters: dict) -> tuple[PaymentPeriod, AdministrativeUnit | None]:
    period = selectors.period_get(user=user, pk=parameters["period"])
    if period.payment_list.generated_at is None:
        raise Http404
    return period, list_export_commune(
        user=user, period=period, commune_id=str(parameters.get("commune") or "")
    )


def _check(user, parameters: dict) -> AdministrativeUnit:
    period, commune = _period(user, parameters)
    return commune or period.unit


def _write(job: ExportJob, path: Path, identifiers: Identifiers, progress: Progress) -> int:
    period, commune = _period(job.owner, job.parameters)
    return exporting.payment_list_xlsx_write(
        period.payment_list, path, commune=commune, identifiers=identifiers, progress=progress
    )


def register() -> None:
    export_kind_register(ExportKind(code=ExportWhat.PAYMENT_LIST_XLSX, write=_write, check=_check))
