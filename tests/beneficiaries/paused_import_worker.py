"""Our Celery app, for a worker process whose import pauses after writing its first row (inside
the import's transaction) until the test says go:
`celery -A tests.beneficiaries.paused_import_worker`.

The test gives a folder in TROCAP_TEST_PAUSE_DIR; the worker writes `reached` there, then waits
for a file `go`, so a test can kill it in the middle of an import."""

import os
import pathlib
import time

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]


def _paused(original):
    folder = pathlib.Path(os.environ["TROCAP_TEST_PAUSE_DIR"])
    state = {"rows": 0}

    def registration_write(*args, **kwargs):
        result = original(*args, **kwargs)
        state["rows"] += 1
        if state["rows"] == 1:
            (folder / "reached").write_text(str(os.getpid()))
            deadline = time.monotonic() + 120
            while not (folder / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return result

    return registration_write


@task_prerun.connect(weak=False)
def pause_import(**_kwargs):
    """Installed once Django is set up (the first task)."""
    from beneficiaries import resources

    if not getattr(resources.registration_write, "paused", False):
        resources.registration_write = _paused(resources.registration_write)
        resources.registration_write.paused = True
