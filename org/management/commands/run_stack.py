"""run_stack: start web, Celery worker (with beat) and mock providers; Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the whole application for development or the demo: web, worker, beat, mock providers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where the web server listens")
        parser.add_argument("--mock-port", type=int, default=8900)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")

    def handle(self, *args, addr, mock_port, concurrency, **options):
        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        celery = str(os.path.join(os.path.dirname(python), "celery"))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Where the providers post their callbacks: this web server.
        env.setdefault("TROCAP_PUBLIC_URL", f"http://{addr}")
        # The demo's batches are polled every 5 s (30 s by default) so results show up quickly.
        env.setdefault("TROCAP_PROVIDER_POLL_SECONDS", "5")
        # The processes write their metrics to one folder, so that the web's /metrics shows the
        # worker's counts too (core/metrics.py); the last run's are removed first.
        metrics_dir = Path(
            env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.VAR_DIR / "prometheus"))
        )
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        commands = {
            # The demo's providers take their time, so the progress can be watched: Viettel Pay
            # calls back after 5 s, VNPost's payment window lasts 20 s, and a few items fail.
            "mock-providers": [
                python,
                manage,
                "run_mock_providers",
                "--port",
                str(mock_port),
                "--viettelpay-delay",
                os.environ.get("MOCK_VIETTELPAY_DELAY", "5"),
                "--vnpost-window",
                os.environ.get("MOCK_VNPOST_WINDOW", "20"),
                "--failure-rate",
                os.environ.get("MOCK_FAILURE_RATE", "0.03"),
            ],
            "worker": [
                celery,
                "-A",
                "config",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(concurrency),
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
            "web": [python, manage, "runserver", addr, "--noreload"],
        }
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        broker = "Redis" if settings.REDIS_URL else "local filesystem broker"
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"Starting web on http://{addr}/, worker ({broker}), "
            f"mock providers on :{mock_port}; database {database}."
        )
        for name, command in commands.items():
            # Own process groups, so that Ctrl-C reaches us once and we stop the children in order.
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)
        url = f"http://{addr}/healthz/"
        ready = False
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with code {process.returncode}; stopping everything."
                        )
                        stopping = True
                if not ready and not stopping:
                    try:
                        with urllib.request.urlopen(url, timeout=2) as response:
                            ready = response.status == 200
                    except OSError:
                        pass
                    if ready:
                        self.stdout.write(
                            self.style.SUCCESS(
                                f"Ready: open http://{addr}/ (Ctrl-C stops everything)."
                            )
                        )
                time.sleep(0.5)
        finally:
            # SIGTERM to each leader only: the worker then finishes its tasks and stops its pool.
            for process in reversed(list(processes.values())):
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.stdout.write("run_stack: stopped web, worker and mock providers.")
