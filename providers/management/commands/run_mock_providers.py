"""run_mock_providers [--port 8900]: the mock payment providers in this process.

The provider's pace and failures can be set at start (and changed later through
``POST /__mock__/config``): ``--viettelpay-delay`` seconds before Viettel Pay decides a batch and
calls back, ``--vnpost-window`` seconds of VNPost's payment window, ``--failure-rate`` for every
provider. Each defaults to an environment variable (MOCK_VIETTELPAY_DELAY, MOCK_VNPOST_WINDOW,
MOCK_FAILURE_RATE), so docker-compose can set them.
"""

import os
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.mock.base import BadRequest
from providers.mock.server import PROVIDERS, OutdatedMockStore, serve


def _env_float(name: str) -> float | None:
    value = os.environ.get(name, "")
    try:
        return float(value) if value else None
    except ValueError as exc:
        raise CommandError(f"{name}={value!r} is not a number") from exc


class Command(BaseCommand):
    help = "Serve the mock payment providers (Viettel Pay, VietinBank, VNPost) over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument(
            "--db", default=str(settings.MOCK_PROVIDERS_DB), help="The mock's own SQLite file"
        )
        parser.add_argument("--verbose", action="store_true")
        parser.add_argument(
            "--viettelpay-delay",
            type=float,
            default=_env_float("MOCK_VIETTELPAY_DELAY"),
            help="Seconds before Viettel Pay decides a batch and calls back (default 0)",
        )
        parser.add_argument(
            "--vnpost-window",
            type=float,
            default=_env_float("MOCK_VNPOST_WINDOW"),
            help="Seconds of VNPost's payment window (default 2)",
        )
        parser.add_argument(
            "--failure-rate",
            type=float,
            default=_env_float("MOCK_FAILURE_RATE"),
            help="Share of items every provider fails at random, 0 to 1 (default 0)",
        )

    def handle(
        self,
        *args,
        host,
        port,
        db,
        verbose,
        viettelpay_delay,
        vnpost_window,
        failure_rate,
        **options,
    ):
        try:
            server = serve(host=host, port=port, db_path=Path(db), verbose=verbose)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        except OutdatedMockStore as exc:
            raise CommandError(str(exc)) from exc
        settings_by_mock = {
            "viettelpay": {"result_delay_seconds": viettelpay_delay},
            "vnpost": {"window_seconds": vnpost_window},
        }
        for name, mock in server.mocks.items():
            values = {
                key: value
                for key, value in {
                    **settings_by_mock.get(name, {}),
                    "failure_rate": failure_rate,
                }.items()
                if value is not None
            }
            try:
                mock.configure(values)
            except BadRequest as exc:
                server.server_close()
                raise CommandError(f"{name}: {exc.message}") from exc
        # SIGTERM (run_stack, docker stop, tests) stops like Ctrl-C: the worker thread finishes
        # the callback it is sending and the socket is closed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        self.stdout.write(
            f"Mock providers ({', '.join(PROVIDERS)}) on http://{host}:{port}/, ledger in {db}"
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        self.stdout.write("run_mock_providers: stopped.")
