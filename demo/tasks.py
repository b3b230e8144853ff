"""The demo's payment history, built by the worker behind `make run`, one month a task.

`seed_demo --history=background` seeds the register, plans the months (demo.history) and
queues `history_month_build`; the task makes the oldest month that is not reconciled yet
(demo.history.history_finish, which starts every period from the state it is in) and queues
itself again for the next one, so the worker stays free for other tasks between months and an
interrupted month is finished by the next run. One task builds at a time (a lock file under
var/): a second one queued by a restart finds the lock taken and leaves the month to the first.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.conf import settings

from demo.history import history_finish
from demo.progress import history_progress
from demo.seed import demo_province_ensure
from providers.mock.process import call

logger = logging.getLogger(__name__)

LOCK_NAME = "demo-history.lock"


@contextmanager
def history_lock() -> Iterator[bool]:
    """Yields True when this process holds the history's lock, False when another does. The
    lock goes with the process: a killed worker leaves none behind."""
    path = settings.VAR_DIR / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def mock_providers_wait(seconds: float) -> bool:
    """Wait for the mock providers `run_stack` starts beside the worker (they may come up a
    few seconds after it); without them, the history starts its own."""
    deadline = time.monotonic() + seconds
    url = settings.MOCK_PROVIDERS_URL.rstrip("/")
    while True:
        try:
            call(f"{url}/__mock__/health", timeout=2)
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def history_build_queue(
    *, province_code: str = "46", seed: int = 2023, mock_wait_seconds: float = 60.0
) -> None:
    history_month_build.delay(
        province_code=province_code, seed=seed, mock_wait_seconds=mock_wait_seconds
    )


@shared_task(bind=True, name="demo.tasks.history_month_build", max_retries=5)
def history_month_build(
    self, *, province_code: str = "46", seed: int = 2023, mock_wait_seconds: float = 60.0
) -> str:
    """Make the oldest month of the demo's history that is not done, then queue the next.
    Returns what it did: "built", "complete", "busy" (another task holds the lock) or
    "nothing" (no history planned or all of it made)."""
    with history_lock() as held:
        if not held:
            logger.info("demo history busy", extra={"province_code": province_code})
            return "busy"
        before = history_progress()
        if before is None or before.complete:
            return "nothing"
        mock_providers_wait(mock_wait_seconds)
        province = demo_province_ensure(province_code=province_code)
        try:
            done = history_finish(province=province, seed=seed, log=logger.info, months_limit=1)
        except RuntimeError as exc:  # the mock providers could not be reached or started
            logger.warning("demo history month failed", extra={"error": str(exc)[:200]})
            raise self.retry(countdown=30) from exc
        after = history_progress()
    for month in done:
        logger.info(
            f"seed_demo: history month {month.month:%Y-%m} built in {month.seconds:.1f} s "
            f"({before.months.index(month.month) + 1} of {before.total})"
        )
    if after is None or after.complete:
        logger.info(f"seed_demo: payment history of {before.total} months made.")
        return "complete"
    history_build_queue(province_code=province_code, seed=seed, mock_wait_seconds=mock_wait_seconds)
    return "built"
