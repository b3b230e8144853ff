"""providers_redirected: every adapter talks to another address for a block, in that context
only; the settings are left as they are."""

import threading

import pytest

from providers.endpoints import provider_config, providers_redirected
from providers.models import Provider, ProviderCode
from providers.services import adapter_for

pytestmark = pytest.mark.django_db


def test_a_block_points_every_adapter_elsewhere_and_puts_them_back(settings):
    viettelpay = Provider.objects.get(code=ProviderCode.VIETTELPAY)
    configured = settings.TROCAP_PROVIDERS[ProviderCode.VIETTELPAY]
    with providers_redirected(base_url="http://127.0.0.1:9", callback_url="", timeout=120.0):
        adapter = adapter_for(viettelpay)
        assert (adapter.base_url, adapter.callback_url, adapter.timeout) == (
            "http://127.0.0.1:9",
            "",
            120.0,
        )
        assert adapter.secret == configured["secret"]
        # Another thread (a request served beside it) keeps the configured address.
        seen = []
        thread = threading.Thread(
            target=lambda: seen.append(provider_config(ProviderCode.VIETTELPAY))
        )
        thread.start()
        thread.join()
        assert seen == [configured]
        assert settings.TROCAP_PROVIDERS[ProviderCode.VIETTELPAY] == configured
    adapter = adapter_for(viettelpay)
    assert adapter.base_url == configured["base_url"].rstrip("/")
    assert adapter.timeout == configured["timeout"]


def test_only_what_is_given_changes():
    configured = provider_config(ProviderCode.VNPOST)
    with providers_redirected(base_url="http://127.0.0.1:9"):
        assert provider_config(ProviderCode.VNPOST) == {
            **configured,
            "base_url": "http://127.0.0.1:9",
        }
    assert provider_config("NOBODY") is None
