"""Importing a spreadsheet of registrations (the contract in `import_file`), all or nothing."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import ChangeSource
from beneficiaries.services.checks import registration_errors, require_initial_loader
from beneficiaries.services.import_file import COLUMNS, RowError, column_for, parse
from beneficiaries.services.registration import (
    initial_load_check,
    initial_load_logged,
    registration_write,
)
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
) -> ImportResult:
    """Import a file in the contract of DESIGN.md §5, all or nothing.

    Every row is read and checked first (format, the same checks as the registration form, a
    duplicate ID in the database or in the file); any bad row and nothing is imported, and every
    problem is returned with its row number, column, reason and code. Otherwise each row becomes
    a submitted registration in the district's queue, in one (durable) transaction.

    `initial_load` (migrating people already approved in an older system) makes each row an
    active, approved beneficiary instead: a one-time migration act, for the administrator only
    and only while none of the file's communes has a closed payment list (checked again when
    writing, in the dry run as well); each commune's rows are recorded in the export/audit log
    ("initial_load") and every history row says "initial load by <user>".

    Raises import_file.ImportFileError when the file as a whole cannot be read; AppForbidden
    (IMPORT_NOT_ALLOWED) when a user other than a commune officer imports new registrations,
    (INITIAL_LOAD_NOT_ALLOWED) when anyone but the administrator asks for an initial load;
    AppError (INITIAL_LOAD_AFTER_CLOSED_LIST) when a commune of the file has a closed list.
    """
    today = today or timezone.localdate()
    log = {"file_name": name, "user_id": user.pk, "initial_load": initial_load, "dry_run": dry_run}
    logger.info("import file received", extra={**log, "bytes": len(content)})
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
    communes = {
        unit.code: unit
        for unit in scope_queryset(
            AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, active=True),
            user=user,
            unit_field="",
        )
    }
    parsed = parse(name, content, communes=communes, today=today)
    result = ImportResult(
        total_rows=parsed.total_rows,
        errors=list(parsed.errors),
        dry_run=dry_run,
        initial_load=initial_load,
    )
    for number, data in parsed.rows:
        for field_name, problems in registration_errors(
            data=data, today=today, initial_load=initial_load, user=user
        ).by_field.items():
            for problem in problems:
                result.errors.extend(
                    RowError(number, column_for(field_name), message, problem.code)
                    for message in problem.messages
                )
    result.errors.sort(
        key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99)
    )
    if not result.errors and result.total_rows == 0 and not dry_run:
        result.errors.append(
            RowError(
                2, "full_name", _("The file has no rows below the header."), Code.IMPORT_NO_ROWS
            )
        )
    if initial_load and not result.errors and parsed.rows:
        # In the dry run too: the preview says at once that the load is no longer possible.
        initial_load_check(user=user, communes={data.commune for _number, data in parsed.rows})
    if result.errors or dry_run:
        logger.info(
            "import file refused" if result.errors else "import file checked",
            extra={
                **log,
                "rows": result.total_rows,
                "bad_rows": len({e.row for e in result.errors}),
                "problems": len(result.errors),
            },
        )
        return result
    with transaction.atomic(durable=True):
        if initial_load:
            initial_load_check(user=user, communes={data.commune for _number, data in parsed.rows})
        for _number, data in parsed.rows:
            registration_write(
                data=data,
                maker=user,
                submit=True,
                decision_file=None,
                source=ChangeSource.IMPORT,
                initial_load=initial_load,
            )
            result.imported += 1
        if initial_load:
            initial_load_logged(
                user=user, communes=[data.commune for _number, data in parsed.rows], name=name
            )
    logger.info(
        "import file imported",
        extra={**log, "rows": result.total_rows, "imported": result.imported},
    )
    return result
