"""verify_population [--recheck-days N]: what the nightly job does, now."""

from django.core.management.base import BaseCommand, CommandError

from beneficiaries.tasks import verify_population_nightly


class Command(BaseCommand):
    help = (
        "Check the beneficiaries due for it against the national population database, in "
        "batches: mismatches go to the communes' queues, deaths become proposed stops."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--recheck-days",
            type=int,
            default=None,
            help="Check again those not checked for this many days (default: the setting, 30; "
            "0 checks everyone)",
        )

    def handle(self, *args, recheck_days, **options):
        if recheck_days is not None and recheck_days < 0:
            raise CommandError("--recheck-days must be 0 or more.")
        totals = verify_population_nightly(recheck_days=recheck_days)
        stopped = totals.pop("stopped", None)
        summary = ", ".join(f"{k} {v}" for k, v in totals.items()) or "nothing due"
        self.stdout.write(f"verify_population: {summary}.")
        if stopped:
            raise CommandError(f"The population database stopped answering: {stopped}")
