"""seed_demo [--province 46] [--two-tier] [--beneficiaries N] [--seed S] [--as-of YYYY-MM]
[--months 12] [--skip-if-seeded] [--history inline|background]"""

import argparse
import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from demo.history import default_months, history_finish
from demo.progress import history_progress
from demo.seed import DemoAlreadySeeded, demo_province_ensure, demo_seed
from demo.tasks import history_build_queue
from org.text import format_number


def parse_month(value: str) -> datetime.date:
    try:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be YYYY-MM, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Seed a realistic demo province (default: Thừa Thiên Huế, three-tier, 60,738 "
        "beneficiaries), with users for every role whose passwords are printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", default="46", help="GSO province code (default 46, Huế)")
        parser.add_argument("--beneficiaries", type=int, default=60_738)
        parser.add_argument("--seed", type=int, default=2023, help="Random seed (default 2023)")
        parser.add_argument(
            "--as-of",
            type=parse_month,
            default=None,
            help="Month the demo is built as of (default: this month)",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=default_months(),
            help=(
                "Months of payment history before --as-of, each generated, closed, paid by the"
                " mock providers and reconciled (default 12, or DEMO_MONTHS; 0 for none)"
            ),
        )
        parser.add_argument(
            "--two-tier",
            action="store_true",
            help=(
                "Seed the province straight on its 2025-10 units (province → commune): each"
                " commune closes its own list, with a commune officer and a commune leader"
            ),
        )
        parser.add_argument(
            "--skip-if-seeded",
            action="store_true",
            help="Exit quietly if the province already has beneficiaries",
        )
        parser.add_argument(
            "--history",
            choices=["inline", "background"],
            default="inline",
            help=(
                "inline (default): make the payment history here, before returning;"
                " background: queue it for the worker, one month a task, oldest first"
                " (make run: the pages answer while it is built)"
            ),
        )

    def handle(
        self,
        *args,
        province,
        beneficiaries,
        seed,
        as_of,
        months,
        skip_if_seeded,
        history="inline",
        two_tier=False,
        **options,
    ):
        if beneficiaries < 1:
            raise CommandError("--beneficiaries must be at least 1.")
        if not 0 <= months <= 60:
            raise CommandError("--months must be from 0 to 60.")
        try:
            result = demo_seed(
                province_code=province,
                count=beneficiaries,
                seed=seed,
                as_of=as_of,
                months=months,
                two_tier=two_tier,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except DemoAlreadySeeded as exc:
            if skip_if_seeded:
                self.stdout.write(f"seed_demo: skipped, {exc}")
                # A history an interruption left half made is finished, not lost.
                if history == "background":
                    self.history_queue(province, seed)
                else:
                    self.history(
                        demo_province_ensure(province_code=province, two_tier=two_tier), seed
                    )
                return
            raise CommandError(f"{exc} The demo is seeded once; use a fresh database.") from exc

        n = result.beneficiaries
        self.stdout.write("Users (username / password / role / unit):")
        shown_roles = set()
        for user in result.users:
            # Print the first user of each role; the others share the role's password.
            if user.role in shown_roles:
                continue
            shown_roles.add(user.role)
            note = "" if user.created else "  (already existed: password unchanged)"
            self.stdout.write(
                f"  {user.username:<12} {user.password:<18} {user.role:<17} {user.unit}{note}"
            )
        self.stdout.write(
            "  Every district officer is huyen<district code>, every commune officer"
            " xa<commune code>, every commune leader (two-tier units) lanhdao<commune code>,"
            " with the password of their role."
        )
        self.stdout.write(
            f"Accounts: {format_number(result.with_account)}/{format_number(n)} "
            f"({100 * result.with_account / n:.0f}%), "
            + ", ".join(f"{k} {format_number(v)}" for k, v in sorted(result.by_provider.items()))
        )
        self.stdout.write(
            f"Through a recipient or guardian: {format_number(result.via_recipient)} "
            f"({100 * result.via_recipient / n:.0f}%)"
        )
        self.stdout.write(
            f"Care arrangements (care support paid to carers): "
            f"{format_number(result.care_arrangements)}"
        )
        self.stdout.write(f"Changes proposed by age for next month: {result.proposals}")
        self.stdout.write(
            "Categories: "
            + ", ".join(f"{k} {format_number(v)}" for k, v in sorted(result.by_category.items()))
        )
        self.stdout.write(
            f"seed_demo: {format_number(n)} beneficiaries in {result.communes} communes of "
            f"{result.province.name} seeded in {result.seconds:.1f} s (seed {seed})."
        )
        if result.planned_periods:
            self.stdout.write(
                f"seed_demo: {months} months of payment history ({result.planned_periods} lists)"
                " to make: generated, closed, paid by the mock providers and reconciled."
            )
        if history == "background":
            self.history_queue(province, seed)
        else:
            self.history(result.province, seed)

    def history_queue(self, province_code: str, seed: int) -> None:
        """Queue the history's next month for the worker, if any is left to make."""
        progress = history_progress()
        if progress is None or progress.complete:
            return
        history_build_queue(province_code=province_code, seed=seed)
        self.stdout.write(
            f"seed_demo: the worker builds the payment history in the background, from month "
            f"{progress.current} of {progress.total}, oldest first (the dashboards show how far)."
        )

    def history(self, province, seed: int) -> None:
        def log(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        try:
            done = history_finish(province=province, seed=seed, log=log)
        except RuntimeError as exc:
            raise CommandError(
                f"The payment history could not be made: {exc}. Run seed_demo again to finish it."
            ) from exc
        if done:
            self.stdout.write(
                f"seed_demo: payment history of {len(done)} months made in "
                f"{sum(m.seconds for m in done):.0f} s."
            )
