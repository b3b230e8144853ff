"""export_payment_list --unit CODE --month YYYY-MM --format (xlsx|csv|results) --output FILE

xlsx and csv are the list itself (a closed list's bytes never change); results is the CSV of the
providers' results of a closed list (it changes as results come in)."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from org.downloads import export_logged
from payments import exporting
from payments.management.commands.generate_payment_list import closing_unit, parse_month
from payments.models import PaymentPeriod


class Command(BaseCommand):
    help = (
        "Export a generated payment list: the official xlsx or the CSV of the contract; or the "
        "payment results of a closed list (--format results)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True)
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", required=True, choices=["xlsx", "csv", "results"])
        parser.add_argument("--output", required=True)

    def handle(self, *args, unit, month, format, output, **options):
        target = closing_unit(unit)
        period = (
            PaymentPeriod.objects.filter(unit=target, month=parse_month(month))
            .select_related("payment_list")
            .first()
        )
        if period is None or period.payment_list.generated_at is None:
            raise CommandError(
                f"No generated list for {target.name} {month}: run generate_payment_list first."
            )
        payment_list = period.payment_list
        if format == "results" and payment_list.closed_at is None:
            raise CommandError(
                f"The list of {target.name} {month} is not closed: it has no payment results."
            )
        content = {
            "csv": exporting.payment_list_csv,
            "xlsx": exporting.payment_list_xlsx,
            "results": exporting.payment_results_csv,
        }[format](payment_list)
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        try:
            account = getpass.getuser()
        except (KeyError, OSError):  # no name for the process's user id
            account = "?"
        export_logged(
            user=None,
            what="payment_results_csv" if format == "results" else f"payment_list_{format}",
            unit=target,
            parameters=f"command export_payment_list --month {month} --output {output} "
            f"(OS user {account})",
            row_count=payment_list.line_count,
        )
        state = "closed" if payment_list.closed_at else "draft"
        self.stdout.write(
            f"export_payment_list: {payment_list.line_count} lines of {target.name} "
            f"{period.month:%m/%Y} ({state}) "
            f"written to {output} ({len(content)} bytes)."
        )
