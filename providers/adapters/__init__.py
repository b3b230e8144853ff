"""Payment provider adapters: one interface (``base``), one module per provider."""

from django.utils.module_loading import import_string

from providers.adapters.base import (
    FAILURE_REASONS_VI,
    AccountCheck,
    BatchAck,
    BatchRequest,
    BatchStatus,
    InvalidCallback,
    ItemResult,
    PaymentAdapter,
    PaymentItem,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)

__all__ = [
    "FAILURE_REASONS_VI",
    "AccountCheck",
    "BatchAck",
    "BatchRequest",
    "BatchStatus",
    "InvalidCallback",
    "ItemResult",
    "PaymentAdapter",
    "PaymentItem",
    "ProviderError",
    "ProviderRejected",
    "ProviderUnavailable",
    "adapter_class",
]


def adapter_class(dotted_path: str) -> type[PaymentAdapter]:
    """The adapter class named by ``Provider.adapter`` (a dotted path)."""
    cls = import_string(dotted_path)
    if not (isinstance(cls, type) and issubclass(cls, PaymentAdapter)):
        raise TypeError(f"{dotted_path} is not a PaymentAdapter")
    return cls
