"""Where each provider's adapter sends its calls: the provider's entry in TROCAP_PROVIDERS,
unless the code running now has redirected the providers for a while.

The demo's history pays its months through a mock process it may start itself on a free port;
`providers_redirected` points every adapter there for the length of a block, in this context
only (a ContextVar, not the settings: requests and threads running beside it keep theirs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

_redirect: ContextVar[dict[str, Any] | None] = ContextVar("providers_redirect", default=None)


def provider_config(code: str) -> dict[str, Any] | None:
    """The provider's settings (base_url, secret, timeout, callback_url) as they apply now:
    its TROCAP_PROVIDERS entry, with what an enclosing `providers_redirected` changes. None
    when the installation has no entry for the provider."""
    config = settings.TROCAP_PROVIDERS.get(code)
    changes = _redirect.get()
    if config is None or changes is None:
        return config
    return {**config, **changes}


@contextmanager
def providers_redirected(
    *, base_url: str, timeout: float | None = None, callback_url: str | None = None
) -> Iterator[None]:
    """Within the block, every provider's adapter talks to `base_url` (with its own secret),
    with `timeout` seconds per call and `callback_url` sent to the providers that call back
    ("" for none) when they are given. Blocks nest; the previous routing is back on exit."""
    changes: dict[str, Any] = {"base_url": base_url}
    if timeout is not None:
        changes["timeout"] = timeout
    if callback_url is not None:
        changes["callback_url"] = callback_url
    token = _redirect.set(changes)
    try:
        yield
    finally:
        _redirect.reset(token)
