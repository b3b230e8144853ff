"""apply_unit_reform --province CODE --effective-month YYYY-MM [--dry-run]"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from beneficiaries.reform import (
    reform_apply,
    reform_history_counts,
    reform_plan,
    two_tier_units_ensure,
)
from core.errors import AppError


def parse_month(value: str) -> datetime.date:
    try:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"--effective-month must be YYYY-MM, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Move a province's register from its 2025-01 units to its 2025-10 units, by the "
        "published correspondence (vietnamadminunits). --dry-run prints the plan, writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="GSO province code, e.g. 46")
        parser.add_argument("--effective-month", required=True, type=parse_month)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, province, effective_month, dry_run, **options):
        if isinstance(effective_month, str):  # call_command passes the text as given
            effective_month = parse_month(effective_month)
        with transaction.atomic():
            # The 2025-10 names are needed for the plan: loaded, then rolled back on a dry run.
            loaded = two_tier_units_ensure(province)
            plan = reform_plan(province_code=province, effective_month=effective_month)
            self.print_plan(plan, loaded)
            transaction.set_rollback(True)
        if plan.already_applied is not None:
            run = plan.already_applied
            self.stdout.write(
                f"apply_unit_reform: already applied to province {plan.province_code} (run "
                f"{run.pk}, {run.effective_month:%m/%Y}): nothing changed."
            )
            return
        if dry_run:
            self.stdout.write("apply_unit_reform: dry run, nothing written.")
            return
        try:
            run = reform_apply(province_code=province, effective_month=effective_month)
        except AppError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        history = reform_history_counts(run)
        self.stdout.write(
            f"apply_unit_reform: run {run.pk} applied to province {run.province_code} from "
            f"{run.effective_month:%m/%Y}: {run.moved} people moved, {run.worklist_size} in the "
            f"worklist, {run.changes_moved} open changes moved, {run.users_to_rehome} users to "
            f"re-home, {run.drafts_removed} draft lists of the old districts removed; "
            f"history: {history['people']} people, {history['changes']} changes "
            f"with reason {run.history_reason!r}."
        )

    def print_plan(self, plan, loaded: bool) -> None:
        out = self.stdout.write
        out(
            f"Plan for province {plan.province_code} from {plan.effective_month:%m/%Y}"
            + (" (2025-10 units to load)" if loaded else "")
            + ":"
        )
        for new_name, arrivals in sorted(plan.arrivals.items()):
            detail = ", ".join(f"{old} {n}" for old, n in sorted(arrivals.items()))
            out(f"  {new_name}: {sum(arrivals.values())} people from {detail}")
        out(f"People moved at once: {plan.moved}")
        out(f"Worklist (split communes): {plan.worklist_size} people")
        for old_name, n in sorted(plan.worklist.items()):
            out(f"  {old_name}: {n}")
        out(
            "Draft lists of the old districts from "
            f"{plan.effective_month:%m/%Y} on, to remove (closed ones stay): {plan.drafts}"
        )
        out(f"Users to re-home: {len(plan.users)}")
        for user in plan.users:
            out(f"  {user.username} ({user.role}, {user.unit})")
        out(
            "Disagreements between the package and the loaded units: "
            f"{len(plan.correspondence.disagreements)}"
        )
        for line in plan.correspondence.disagreements:
            out(f"  {line}")
