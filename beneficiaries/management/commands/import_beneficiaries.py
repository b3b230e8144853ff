"""import_beneficiaries FILE.(xlsx|csv) --as USERNAME [--initial-load] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beneficiaries.services.import_file import ImportFileError
from beneficiaries.services.importing import beneficiaries_import
from core.errors import AppError, AppForbidden
from org.models import User
from org.text import format_number


class Command(BaseCommand):
    help = (
        "Import beneficiaries from an .xlsx or .csv file (the contract of DESIGN.md §5), all or "
        "nothing: any bad row and nothing is imported; every bad row is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="The officer (or, for --initial-load, the administrator) who imports",
        )
        parser.add_argument(
            "--initial-load",
            action="store_true",
            help=(
                "Migrate already-approved beneficiaries as active, without arrears before "
                "start_month: the administrator only (--as an admin user), before the "
                "communes' first closed payment list; logged in the export log"
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file, import nothing")

    def handle(self, *args, file, username, initial_load, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"File not found: {file}")
        user = User.objects.filter(username=username, is_active=True).select_related("unit").first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            result = beneficiaries_import(
                name=path.name,
                content=path.read_bytes(),
                user=user,
                initial_load=initial_load,
                dry_run=dry_run,
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except (AppError, AppForbidden) as exc:  # not allowed, or an initial load too late
            raise CommandError(exc.text) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        rows = format_number(result.total_rows)
        if result.errors:
            bad_rows = len({e.row for e in result.errors})
            raise CommandError(
                f"import_beneficiaries: {bad_rows} bad rows of {rows} in {path.name}; "
                f"nothing imported."
            )
        if dry_run:
            self.stdout.write(
                f"import_beneficiaries: {rows} rows of {path.name} are valid (dry run: "
                f"nothing imported)."
            )
            return
        how = (
            "as active beneficiaries (initial load)"
            if initial_load
            else "as registrations waiting for approval"
        )
        self.stdout.write(
            f"import_beneficiaries: {format_number(result.imported)} rows of {path.name} "
            f"imported {how}."
        )
