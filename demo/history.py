"""A year of payment history for the demo, made the way the months would really have gone: each
district's list generated from the register, closed by its officer, sent to the mock providers,
paid, and reconciled; then the month's coverage figures.

The register is seeded as it stands today; an account counts from the month it was opened, and
a person from the month their allowance started, so the year shows coverage growing. The
history's periods are planned in the seed's own transaction (their creation is recorded with the
change reason HISTORY_REASON), so an interrupted history is finished by the next run rather than
lost or made twice: every step below starts from the state the period is in.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import reset_queries
from simple_history.utils import update_change_reason

from core.months import add_months
from demo.progress import HISTORY_REASON
from org.models import AdministrativeUnit, Role, User
from org.roles import is_two_tier, list_role_for
from payments.dispatch import period_settle_inline
from payments.models import LineStatus, PaymentPeriod, PeriodStatus
from payments.months import month_window_suspended
from payments.services import (
    closing_units,
    payment_list_close,
    payment_list_generate,
    payment_period_open,
)
from providers.endpoints import providers_redirected
from providers.mock.process import call, free_port, start_mock
from reports.coverage import coverage_refresh
from reports.tasks import auto_refresh_paused

logger = logging.getLogger(__name__)

# The mock providers' pace for the history: results at once, the post office's window closed
# at once; a few failures, at random rather than by account number so that they fall on other
# people each month, and the lists carry amounts over as real months do.
_STEADY = {"outage": False, "delay_seconds": 0, "by_number": False}
HISTORY_MOCK_CONFIG = {
    "viettelpay": {**_STEADY, "result_delay_seconds": 0, "failure_rate": 0.03},
    "vietinbank": {**_STEADY, "failure_rate": 0.02},
    "vnpost": {**_STEADY, "window_seconds": 0, "failure_rate": 0.05},
}


@dataclass
class HistoryMonth:
    month: datetime.date
    lines: int = 0
    paid: int = 0
    amount_paid: int = 0
    seconds: float = 0.0


def closing_units_of(province: AdministrativeUnit) -> list[AdministrativeUnit]:
    return [u for u in closing_units() if u.path.startswith(province.path)]


def history_plan(*, province: AdministrativeUnit, months: int, as_of: datetime.date) -> int:
    """Create the draft periods of the `months` months before `as_of` for every closing unit
    of the province, each recorded as planned by the demo. Returns how many were created."""
    created, units = 0, closing_units_of(province)
    for back in range(months, 0, -1):
        month = add_months(as_of, -back)
        for unit in units:
            if PaymentPeriod.objects.filter(unit=unit, month=month).exists():
                continue
            with month_window_suspended():  # a year back: before the window of today
                period = payment_period_open(unit=unit, month=month)
            update_change_reason(period, HISTORY_REASON)
            created += 1
    return created


def planned_periods(province: AdministrativeUnit):
    """The demo's history periods of the province that are not reconciled yet, oldest first."""
    planned = PaymentPeriod.history.filter(
        history_type="+", history_change_reason=HISTORY_REASON
    ).values("id")
    return (
        PaymentPeriod.objects.filter(pk__in=planned, unit__path__startswith=province.path)
        .exclude(status=PeriodStatus.RECONCILED)
        .select_related("unit")
        .order_by("month", "unit__path")
    )


@contextmanager
def history_providers(*, seed: int, log: Callable[[str], None]) -> Iterator[str]:
    """The mock providers for the history, yielding their address. The ones at
    MOCK_PROVIDERS_URL if they run (docker compose): their pace is set for the history and
    put back afterwards. Otherwise they are started here, on a free port, with their usual
    ledger file, so that the statements are there when a month is reconciled again later."""
    url = settings.MOCK_PROVIDERS_URL.rstrip("/")
    try:
        saved = call(f"{url}/__mock__/config")
    except OSError:
        saved = None
    fast = {name: {**values, "seed": seed} for name, values in HISTORY_MOCK_CONFIG.items()}
    if saved is not None:
        log(f"seed_demo: the history goes through the mock providers at {url}.")
        call(f"{url}/__mock__/config", fast)
        try:
            yield url
        finally:
            call(f"{url}/__mock__/config", {name: saved[name] for name in fast})
        return
    port = free_port()
    db_path = Path(settings.MOCK_PROVIDERS_DB)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as output:
        try:
            process = start_mock(port, db_path, log=output)
        except RuntimeError as exc:
            output.seek(0)
            raise RuntimeError(f"{exc}{output.read().decode(errors='replace')}") from exc
        url = f"http://127.0.0.1:{port}"
        log(f"seed_demo: started the mock providers on {url} ({db_path}) for the history.")
        try:
            call(f"{url}/__mock__/config", fast)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def history_finish(
    *,
    province: AdministrativeUnit,
    seed: int = 2023,
    log: Callable[[str], None] = lambda message: None,
    months_limit: int | None = None,
) -> list[HistoryMonth]:
    """Take every planned period of the province through to reconciliation, month by month,
    and refresh each month's coverage figures. Safe to run again after an interruption.
    With `months_limit`, only that many months, the oldest first (the worker builds the
    history one month a task: demo.tasks).

    Every provider is reached at the mock providers' address for the length of the history,
    with no callback (the results are polled) and a long timeout; no coverage refresh is
    queued on the way (each month is refreshed here once, when it is done)."""
    periods = list(planned_periods(province))
    if not periods:
        return []
    # Per closing unit, its list officers (org.roles) in the order seeded: the first closes
    # (approves) the lists, the next generates (prepares) them: the district's second officer,
    # or a two-tier commune's officer; with nobody to prepare, the system generates.
    units = {p.unit_id: p.unit for p in periods}
    staff: dict[int, list[User]] = {}
    for user in User.objects.filter(
        role__in=[Role.DISTRICT_OFFICER, Role.COMMUNE_LEADER, Role.COMMUNE_OFFICER],
        unit__in=set(units),
        is_active=True,
    ).order_by("id"):
        staff.setdefault(user.unit_id, []).append(user)
    officers: dict[int, list[User]] = {}
    for unit_id, users in staff.items():
        unit = units[unit_id]
        runs = [u for u in users if u.role == list_role_for(unit)]
        if runs and is_two_tier(unit):
            runs += [u for u in users if u.role == Role.COMMUNE_OFFICER]
        officers[unit_id] = runs
    months: dict[datetime.date, list[PaymentPeriod]] = {}
    for period in periods:
        months.setdefault(period.month, []).append(period)
    last = max(months)
    if months_limit is not None:
        months = dict(list(months.items())[:months_limit])
    done: list[HistoryMonth] = []
    with (
        history_providers(seed=seed, log=log) as url,
        providers_redirected(base_url=url, callback_url="", timeout=120.0),
        auto_refresh_paused(),
        month_window_suspended(),  # the months as they would have gone, each in its turn
    ):
        for month, month_periods in months.items():
            started = time.perf_counter()
            for period in month_periods:
                unit_officers = officers.get(period.unit_id)
                if not unit_officers:
                    raise ValueError(f"{period.unit} has no officer to close its list.")
                approver, preparer = unit_officers[0], (unit_officers[1:] or [None])[0]
                if period.status in (PeriodStatus.DRAFT, PeriodStatus.GENERATED):
                    payment_list_generate(period=period, generated_by=preparer)
                    payment_list_close(period=period, closed_by=approver)
                period_settle_inline(period=period)
                # Hundreds of thousands of statements: with DEBUG on (a dev machine) Django keeps
                # the last 9,000 of them; none are kept beyond one list.
                reset_queries()
            coverage_refresh(month=month, unit=province, register=True)
            summary = HistoryMonth(month=month, seconds=time.perf_counter() - started)
            for period in month_periods:
                lines = period.payment_list.lines
                summary.lines += lines.count()
                paid = lines.filter(status=LineStatus.PAID)
                summary.paid += paid.count()
                summary.amount_paid += sum(paid.values_list("amount_total", flat=True))
            done.append(summary)
            logger.info(
                "demo history month made",
                extra={
                    "month": month.isoformat(),
                    "province_code": province.code,
                    "units": len(month_periods),
                    "lines": summary.lines,
                    "paid": summary.paid,
                    "seconds": round(summary.seconds, 1),
                },
            )
            log(
                f"seed_demo: {month:%m/%Y}: {summary.lines:,} lines, {summary.paid:,} paid "
                f"({summary.seconds:.0f} s)."
            )
    if last in months:
        # This month's register figures, for the dashboards until the first list of the month.
        coverage_refresh(month=add_months(last, 1), unit=province, register=True)
    return done


def default_months() -> int:
    """The months of history `seed_demo` builds by default: DEMO_MONTHS, else 12."""
    return int(os.environ.get("DEMO_MONTHS", "12"))
