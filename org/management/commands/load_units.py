"""load_units FILE.json | load_units --package [--province CODE]"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from org.services import unit_load, unit_load_file, units_from_package


class Command(BaseCommand):
    help = (
        "Load administrative units from a JSON file (the format of shared/data, three- or "
        "two-tier) or from the vietnam-provinces package (two-tier, every province)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="JSON file of units")
        parser.add_argument("--package", action="store_true", help="Load from vietnam-provinces")
        parser.add_argument("--province", help="Only this province (GSO code, e.g. 46)")

    def handle(self, *args, file=None, package=False, province=None, **options):
        if bool(file) == bool(package):
            raise CommandError("Give either a FILE or --package (not both).")
        try:
            if package:
                version, rows = units_from_package(province_code=province)
                if not rows:
                    raise CommandError(f"No province {province} in the vietnam-provinces package.")
                result = unit_load(rows=rows, code_version=version)
                source = "vietnam-provinces"
            else:
                if not Path(file).is_file():
                    raise CommandError(f"File not found: {file}")
                version, result = unit_load_file(path=Path(file), province_code=province)
                source = file
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"load_units: {result.total} units of code version {version} from {source}: "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
        )
