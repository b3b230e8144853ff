"""run_mock_providers [--port 8900]: the mock payment providers in this process."""

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.mock.server import PROVIDERS, OutdatedMockStore, serve


class Command(BaseCommand):
    help = "Serve the mock payment providers (Viettel Pay, VietinBank, VNPost) over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument(
            "--db", default=str(settings.MOCK_PROVIDERS_DB), help="The mock's own SQLite file"
        )
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, host, port, db, verbose, **options):
        try:
            server = serve(host=host, port=port, db_path=Path(db), verbose=verbose)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        except OutdatedMockStore as exc:
            raise CommandError(str(exc)) from exc
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
