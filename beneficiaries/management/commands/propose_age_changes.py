"""propose_age_changes [--month YYYY-MM]: what beat runs monthly."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from beneficiaries.services.proposals import age_changes_propose
from core.months import MONTH_MAX, MONTH_MIN, add_months, month_parse


class Command(BaseCommand):
    help = "Propose the stops and category changes of children turning 16 and students turning 22."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: next month)")

    def handle(self, *args, month=None, **options):
        if month:
            try:
                target = month_parse(month)
            except ValueError as exc:
                raise CommandError(
                    f"--month must be YYYY-MM ({MONTH_MIN:%Y} to {MONTH_MAX:%Y}), got {month!r}."
                ) from exc
        else:
            target = add_months(timezone.localdate().replace(day=1), 1)
        created = age_changes_propose(month=target)
        self.stdout.write(f"propose_age_changes: {created} proposals for {target:%m/%Y}.")
