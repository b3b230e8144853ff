"""Real Celery worker processes for tests: on the test database, the run's broker, and the
mock providers' process, with short retry, poll and resume intervals."""

import contextlib
import os
import signal
import subprocess
import sys

from django.conf import settings

from tests.helpers import test_database_url


def worker_env(mock_url: str, public_url: str, secrets: dict[str, str]) -> dict[str, str]:
    """The environment of a worker that talks to the mock at `mock_url` and gives Viettel Pay
    the callback inbox of the live server at `public_url`."""
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier, interrupted run
    return {
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MOCK_PROVIDERS_URL": mock_url,
        **{f"{code}_URL": mock_url for code in secrets},
        **{f"{code}_SECRET": secret for code, secret in secrets.items()},
        **{f"{code}_TIMEOUT": "2" for code in secrets},
        "VIETTELPAY_CALLBACK_URL": f"{public_url}/nha-cung-cap/VIETTELPAY/callback/",
        "TROCAP_PROVIDER_RETRY_BACKOFF": "0.5",
        "TROCAP_PROVIDER_RETRY_MAX": "2",
        "TROCAP_PROVIDER_POLL_SECONDS": "1",
        "TROCAP_BATCH_STALL_SECONDS": "4",
        "TROCAP_RESUME_EVERY_SECONDS": "2",
        "CELERY_VISIBILITY_TIMEOUT": "10",
    }


class Workers:
    """Real Celery worker processes on the test database and the run's broker."""

    def __init__(self, env: dict[str, str], folder):
        self.env, self.folder, self.processes = env, folder, []

    def start(self, *, beat: bool = True, app: str = "config", **extra: str) -> subprocess.Popen:
        """One more worker (solo pool); with `beat`, the schedule runs inside it too, so
        resume_stalled_batches brings back what a killed worker held. `app` is the module of
        the Celery app: a test's own module may wrap ours to slow a step down."""
        celery = os.path.join(os.path.dirname(sys.executable), "celery")
        n = len(self.processes)
        schedule = ["--beat", "--schedule", str(self.folder / f"beat-{n}")] if beat else []
        process = subprocess.Popen(
            [
                celery,
                "-A",
                app,
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test{n}@%h",
                *schedule,
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.env, **extra},
            stdout=open(self.folder / f"worker-{n}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            # Its own process group: the embedded beat is a child process, and a kill must take
            # it too, or it would outlive the test and keep queueing.
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its beat child at once, as when its machine dies."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
