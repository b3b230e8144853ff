"""Importing a spreadsheet of registrations (the contract in `import_file`, the rows through
the resource in `beneficiaries.resources`), all or nothing."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.resources import Progress, RegistrationResource
from beneficiaries.services.checks import require_initial_loader
from beneficiaries.services.import_file import (
    COLUMNS,
    ROW_COLUMN,
    Budget,
    RowError,
    read_dataset,
)
from beneficiaries.services.registration import initial_load_check
from org.models import AdministrativeUnit, Role, UnitLevel
from org.scoping import require_officer_of, scope_queryset

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    total_rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    initial_load: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def beneficiaries_import(
    *,
    name: str,
    content: bytes,
    user,
    initial_load: bool = False,
    dry_run: bool = False,
    today: datetime.date | None = None,
    budget: Budget | None = None,
    progress: Progress | None = None,
    within_write: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import a file in the contract of DESIGN.md §5, all or nothing, through the import
    resource (`beneficiaries.resources.RegistrationResource`).

    The file is read within its budget (`import_file.read_dataset`), then every row is read and
    checked (format, the same checks as the registration form, a duplicate ID in the database or
    in the file); any bad row and nothing is imported, and every problem is returned with its
    row number, column, reason and code. Otherwise each row becomes a submitted registration in
    the district's queue, in one (durable) transaction; `within_write(result)` runs inside it,
    after the rows are written (an import job records its outcome there, or raises to undo).

    `initial_load` (migrating people already approved in an older system) makes each row an
    active, approved beneficiary instead: a one-time migration act, for the administrator only
    and only while none of the file's communes has a closed payment list (checked again when
    writing, in the dry run as well); each commune's rows are recorded in the export/audit log
    ("initial_load") and every history row says "initial load by <user>".

    Raises import_file.ImportFileError when the file as a whole cannot be read (or is over its
    budget); AppForbidden (IMPORT_NOT_ALLOWED) when a user other than a commune officer imports
    new registrations, (INITIAL_LOAD_NOT_ALLOWED) when anyone but the administrator asks for an
    initial load; AppError (INITIAL_LOAD_AFTER_CLOSED_LIST) when a commune of the file has a
    closed list.
    """
    today = today or timezone.localdate()
    log = {"file_name": name, "user_id": user.pk, "initial_load": initial_load, "dry_run": dry_run}
    logger.info("import file received", extra={**log, "bytes": len(content)})
    import_permission_check(user=user, initial_load=initial_load)
    dataset = read_dataset(name, content, budget=budget)
    resource = RegistrationResource(
        user=user,
        communes=import_communes(user=user),
        today=today,
        initial_load=initial_load,
        file_name=name,
        progress=progress,
    )
    result = ImportResult(total_rows=len(dataset), dry_run=dry_run, initial_load=initial_load)
    if dry_run:
        outcome = resource.import_data(dataset, dry_run=True)
        result.errors = _row_errors(dataset, outcome)
        _no_rows(result)
        if initial_load and not result.errors:
            # The preview says at once that the load is no longer possible.
            initial_load_check(user=user, communes={row.data.commune for row in resource.rows})
    else:
        with transaction.atomic(durable=True):
            outcome = resource.import_data(
                dataset, use_transactions=True, rollback_on_validation_errors=True
            )
            result.errors = _row_errors(dataset, outcome)
            _no_rows(result)
            result.imported = resource.imported if not result.errors else 0
            if within_write is not None:
                within_write(result)
    logger.info(
        "import file refused"
        if result.errors
        else ("import file checked" if dry_run else "import file imported"),
        extra={
            **log,
            "rows": result.total_rows,
            "bad_rows": len({e.row for e in result.errors}),
            "problems": len(result.errors),
            "imported": result.imported,
        },
    )
    return result


def import_permission_check(*, user, initial_load: bool) -> None:
    """Who may import: a commune officer their registrations, the administrator an initial load.
    Raises AppForbidden otherwise (checked at upload, and again by the worker)."""
    if initial_load:
        require_initial_loader(user)
    else:
        require_officer_of(
            user,
            user.unit,
            {Role.COMMUNE_OFFICER},
            exact=True,
            message=_(
                "Only a commune officer imports new registrations; use the initial load to migrate."
            ),
            code=Code.IMPORT_NOT_ALLOWED,
        )


def import_communes(*, user) -> dict[str, AdministrativeUnit]:
    """The active communes of the user's scope, by GSO code: the only ones a file may name."""
    return {
        unit.code: unit
        for unit in scope_queryset(
            AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, active=True),
            user=user,
            unit_field="",
        )
    }


def _row_errors(dataset, outcome) -> list[RowError]:
    """The resource's invalid rows (and, should a row ever fail unexpectedly, that row) as the
    report's RowErrors, in the order of the sheet and of the contract's columns."""
    row_index = dataset.headers.index(ROW_COLUMN)
    errors: list[RowError] = []
    for invalid in outcome.invalid_rows:
        number = int(dataset[invalid.number - 1][row_index])
        for column, problems in invalid.error.error_dict.items():
            for problem in problems:
                errors.extend(
                    RowError(number, column, message, problem.code or Code.IMPORT_BAD_VALUE)
                    for message in problem.messages
                )
    for error_row in outcome.error_rows:
        number = int(dataset[error_row.number - 1][row_index])
        for failure in error_row.errors:
            logger.error(
                "import row failed",
                extra={"row": number, "error": type(failure.error).__name__},
            )
            errors.append(
                RowError(
                    number,
                    "full_name",
                    _("This row could not be read; check its values."),
                    Code.IMPORT_ROW_FAILED,
                )
            )
    errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return errors


def _no_rows(result: ImportResult) -> None:
    if not result.errors and result.total_rows == 0:
        result.errors.append(
            RowError(
                2,
                "full_name",
                _(
                    "The file has no rows below the header. Fill in the list from row 2 of the "
                    "first sheet (the template's example sheet is never imported)."
                ),
                Code.IMPORT_NO_ROWS,
            )
        )
