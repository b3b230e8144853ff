"""Our Celery app, for a worker process whose export pauses after its first line of the
official list until the test says go: `celery -A tests.org.paused_export_worker`.

The test gives a folder in TROCAP_TEST_PAUSE_DIR; the worker writes `reached` there, then waits
for a file `go`, so a test can kill it in the middle of an export."""

import os
import pathlib
import time

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]


def _paused(original):
    folder = pathlib.Path(os.environ["TROCAP_TEST_PAUSE_DIR"])
    state = {"lines": 0}

    def line_values(*args, **kwargs):
        state["lines"] += 1
        if state["lines"] == 1:
            (folder / "reached").write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while not (folder / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return original(*args, **kwargs)

    return line_values


@task_prerun.connect(weak=False)
def pause_export(**_kwargs):
    """Installed once Django is set up (the first task)."""
    from payments import exporting

    if not getattr(exporting._line_values, "paused", False):
        exporting._line_values = _paused(exporting._line_values)
        exporting._line_values.paused = True
