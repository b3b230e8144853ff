"""Our Celery app, for a worker process whose generation pauses between reading the register
and writing the lines, until the test says go: `celery -A tests.payments.paused_worker`.

The test gives a folder in TROCAP_TEST_PAUSE_DIR; the worker writes `reached` there when its
generation has read everything and starts computing amounts, then waits for a file `go`. So a
test can decide, deterministically, what happens in between: an approval lands, the worker is
killed."""

import os
import pathlib
import time

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]


def _paused(original):
    folder = pathlib.Path(os.environ["TROCAP_TEST_PAUSE_DIR"])
    state = {"paused": False}

    def entitlement(*args, **kwargs):
        if not state["paused"]:
            state["paused"] = True
            (folder / "reached").write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while not (folder / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return original(*args, **kwargs)

    return entitlement


@task_prerun.connect(weak=False)
def pause_generation(**_kwargs):
    """Installed once Django is set up (the first task): the amount computation, which runs
    after every read of the register and before any write, waits on the first person."""
    from payments.services import generation

    if not getattr(generation.entitlement, "paused", False):
        generation.entitlement = _paused(generation.entitlement)
        generation.entitlement.paused = True
