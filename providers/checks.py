"""`manage.py check --deploy`: a deployment must not talk to the mock providers.

The defaults of config/settings/base.py point every provider and the population service at the
mock process on loopback with the mocks' published secrets: right for `make run` and the tests,
wrong anywhere money moves. An installation whose production settings still carry them gets an
error from the deployment checks (and so a failing deploy step), not a silent start.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

# The mock process's secrets (config/settings/base.py, docker-compose.yml): public knowledge.
MOCK_SECRETS = {
    "mock-viettelpay-secret",
    "mock-vietinbank-secret",
    "mock-vnpost-secret",
    "mock-population-secret",
    "test-secret",
}


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint_errors(name: str, config: dict) -> list[Error]:
    errors = []
    secret = config.get("secret") or ""
    if not secret or secret in MOCK_SECRETS or secret.startswith("mock-"):
        errors.append(
            Error(
                f"{name} uses the mock providers' shared secret (or none).",
                hint=f"Set the secret {name} gave this installation in the environment.",
                id="trocap.E001",
            )
        )
    url = config.get("base_url") or ""
    if not url or _loopback(url):
        errors.append(
            Error(
                f"{name} is reached at {url or '(nothing)'}: loopback, where only the mocks run.",
                hint=f"Set {name}'s real address in the environment.",
                id="trocap.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def providers_are_real(app_configs=None, **kwargs) -> list[Error]:
    """Every provider and the population service: a real secret, a non-loopback address."""
    errors = []
    for code, config in settings.TROCAP_PROVIDERS.items():
        errors += _endpoint_errors(code, config)
    errors += _endpoint_errors("POPULATION", settings.TROCAP_POPULATION)
    return errors
