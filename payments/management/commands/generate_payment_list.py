"""generate_payment_list --unit CODE --month YYYY-MM [--as USERNAME] [--close --approver USERNAME]
[--async]"""

import datetime
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.months import MONTH_MAX, MONTH_MIN, month_parse
from org.models import AdministrativeUnit, User
from org.roles import closes_lists
from org.text import format_number, format_vnd
from payments.services import (
    payment_list_close,
    payment_list_generate,
    payment_list_generate_async,
    payment_period_open,
)


def parse_month(value: str) -> datetime.date:
    try:
        return month_parse(value)
    except ValueError as exc:
        raise CommandError(
            f"--month must be YYYY-MM ({MONTH_MIN:%Y} to {MONTH_MAX:%Y}), got {value!r}."
        ) from exc


def closing_unit(code: str) -> AdministrativeUnit:
    """The active unit with this GSO code that closes lists (org.roles: a district with
    communes, or a commune on two-tier units); newest codes first."""
    units = [
        u
        for u in AdministrativeUnit.objects.filter(
            code=code.zfill(2) if len(code) <= 2 else code.zfill(3), active=True
        ).order_by("-code_version")
        if closes_lists(u)
    ]
    if not units:
        raise CommandError(
            f"No closing unit (a district, or a commune on two-tier units) with code {code}."
        )
    return units[0]


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username!r}.")
    return user


class Command(BaseCommand):
    help = "Generate the monthly payment list of a closing unit (and optionally close it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit",
            required=True,
            help="GSO code of the district (or of the commune, on two-tier units)",
        )
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--close", action="store_true", help="Close the list after generating it"
        )
        parser.add_argument(
            "--as", dest="username", help="The officer who generates (none: the system)"
        )
        parser.add_argument(
            "--approver",
            help=(
                "The officer who closes the list (the district officer, or the commune leader on"
                " two-tier units; not the one who generated it)"
            ),
        )
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="Queue it on a worker"
        )

    def handle(self, *args, unit, month, close, username, approver, run_async, **options):
        target = closing_unit(unit)
        user, closer = _user(username), _user(approver)
        if close and closer is None:
            raise CommandError(
                "--close needs --approver USERNAME: the unit's district officer (or commune "
                "leader), other than the one who generated the list, closes it."
            )
        try:
            period = payment_period_open(unit=target, month=parse_month(month))
            if run_async:
                payment_list = payment_list_generate_async(period=period, user=user)
                self.stdout.write(
                    f"generate_payment_list: queued {target.name} {period.month:%m/%Y} "
                    f"(task {payment_list.task_id})."
                )
                return
            started = time.perf_counter()
            payment_list = payment_list_generate(period=period, generated_by=user)
            seconds = time.perf_counter() - started
            if close:
                payment_list = payment_list_close(period=period, closed_by=closer)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        state = f"closed, hash {payment_list.content_hash[:12]}" if close else "draft"
        self.stdout.write(
            f"generate_payment_list: {target.name} {period.month:%m/%Y}: "
            f"{format_number(payment_list.line_count)} lines, "
            f"{format_vnd(payment_list.total_amount)}, {state}, generated in {seconds:.1f} s."
        )
