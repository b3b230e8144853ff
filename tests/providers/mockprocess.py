"""Running the real mock-providers process for a test: its own port, its own database file."""

import contextlib
from pathlib import Path

from providers.mock.process import call, free_port, start_mock

__all__ = ["call", "free_port", "running_mock", "start_mock"]


@contextlib.contextmanager
def running_mock(folder: Path, **env: str):
    """The URL of a mock-providers process that lives for the `with` block."""
    port = free_port()
    process = start_mock(port, Path(folder) / "mock.sqlite3", **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
