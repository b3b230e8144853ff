"""gunicorn's settings hooks for the metrics of several workers (core/metrics.py).

Used with `--config python:config.gunicorn` (docker-compose sets GUNICORN_CMD_ARGS). With
PROMETHEUS_MULTIPROC_DIR set, the folder is emptied when the server starts (the last run's
values would otherwise be added to this run's) and a dead worker's live gauges are dropped.
"""

import os
from pathlib import Path

from prometheus_client import multiprocess


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
