"""submit_payment_list --unit CODE --month YYYY-MM [--wait] [--async]"""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from payments.dispatch import batch_poll, payment_list_submit
from payments.management.commands.generate_payment_list import closing_unit, parse_month
from payments.models import PaymentBatch, PaymentPeriod
from payments.selectors import batch_progress
from providers.adapters import ProviderError
from providers.services import NoAdapter


class Command(BaseCommand):
    help = "Push a closed payment list to its providers (one batch per provider)."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True)
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--wait", action="store_true", help="Return once every line is final")
        parser.add_argument("--timeout", type=int, default=600, help="Seconds --wait waits at most")
        parser.add_argument(
            "--async", dest="run_async", action="store_true", help="Queue on workers"
        )

    def handle(self, *args, unit, month, wait, timeout, run_async, **options):
        target = closing_unit(unit)
        period = PaymentPeriod.objects.filter(unit=target, month=parse_month(month)).first()
        if period is None:
            raise CommandError(f"No payment period for {target.name} {month}.")
        try:
            payment_list_submit(period=period, user=None, run_async=run_async)
        except (ValidationError, PermissionDenied, NoAdapter, ProviderError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        deadline = time.monotonic() + timeout
        while True:
            if not run_async:
                for batch in (
                    PaymentBatch.objects.filter(payment_list__period=period)
                    .exclude(status=PaymentBatch.Status.COMPLETED)
                    .select_related("provider")
                ):
                    try:
                        batch_poll(batch=batch)
                    except ProviderError as exc:
                        self.stderr.write(f"{batch.provider.code}: {exc}")
            progress = batch_progress(period)
            waiting = sum(p["waiting"] for p in progress)
            if not wait or waiting == 0:
                break
            if time.monotonic() > deadline:
                raise CommandError(
                    f"submit_payment_list: {waiting} lines still not final after {timeout} s."
                )
            time.sleep(2)
        summary = "; ".join(
            f"{p['batch'].provider.code} {p['paid']} paid, {p['failed']} failed, "
            f"{p['unpaid']} unpaid, {p['waiting']} waiting"
            for p in progress
        )
        self.stdout.write(f"submit_payment_list: {target.name} {period.month:%m/%Y}: {summary}.")
