"""The one interface every payment provider adapter implements.

Adapters do I/O only: they talk to the provider over the network and translate its answers into
the frozen dataclasses below. They never touch the database; the services that call them decide
what to record. Amounts are whole Vietnamese đồng (int).

Errors are split by what the caller should do next:

- ``ProviderUnavailable``: the provider could not be reached or failed on its side (connection
  refused, timeout, 5xx, an unreadable answer). Retry with backoff, but look the references up
  first (``lookup_payment``): the provider may have acted before the answer was lost.
- ``ProviderRejected``: the provider understood the request and refused it (4xx, control totals
  mismatch, bad signature). Do not retry the same request.
- ``InvalidCallback``: a callback that is not signed with our secret or cannot be parsed.
"""

from __future__ import annotations

import abc
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

ItemStatus = Literal["paid", "failed", "unpaid", "pending"]
ITEM_STATUSES: tuple[str, ...] = ("paid", "failed", "unpaid", "pending")

FAILURE_REASONS_VI: dict[str, str] = {
    "UNREGISTERED": "Số điện thoại chưa đăng ký ví Viettel Money",
    "NAME_ID_MISMATCH": "Tên hoặc số định danh không khớp với chủ tài khoản",
    "WALLET_LOCKED": "Ví đang bị khóa",
    "LIMIT_EXCEEDED": "Vượt hạn mức giao dịch",
    "ACCOUNT_CLOSED": "Tài khoản đã đóng",
    "NAME_MISMATCH": "Tên chủ tài khoản không khớp",
    "NOT_COLLECTED": "Đối tượng không đến nhận tiền",
}


def failure_reason_vi(code: str) -> str:
    """The Vietnamese reason shown to staff for a provider failure code ("" for no code)."""
    if not code:
        return ""
    return FAILURE_REASONS_VI.get(code, f"Nhà cung cấp từ chối (mã {code})")


def sign(secret: str, message: bytes) -> str:
    """hex(HMAC-SHA256(secret, message)), the signature the providers and their mocks use."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` is the HMAC of ``message``; constant time. Compared as bytes:
    compare_digest raises TypeError on a str with a character outside ASCII (a forged header
    may hold any)."""
    given = str(signature or "").encode("utf-8", errors="replace")
    return hmac.compare_digest(sign(secret, message).encode(), given)


@dataclass(frozen=True)
class PaymentItem:
    """One payment line as the provider sees it; ``reference`` is the idempotency key."""

    reference: str
    amount: int
    account_number: str
    payee_name: str
    payee_id_number: str


@dataclass(frozen=True)
class BatchRequest:
    """A batch of items for one provider, with the control totals the provider checks."""

    batch_reference: str
    items: tuple[PaymentItem, ...]
    control_count: int
    control_amount: int


@dataclass(frozen=True)
class BatchAck:
    """The provider's acknowledgement that it took a batch."""

    batch_reference: str
    provider_batch_id: str
    accepted_count: int


@dataclass(frozen=True)
class ItemResult:
    """What the provider says happened to one item."""

    reference: str
    status: ItemStatus
    failure_code: str = ""
    failure_reason_vi: str = ""
    paid_at: datetime | None = None
    # The amount the provider says it paid (or would have paid), in đồng, when it reports one.
    amount: int | None = None


@dataclass(frozen=True)
class BatchStatus:
    """The results of every item of a batch, as far as the provider knows them."""

    batch_reference: str
    items: tuple[ItemResult, ...]


@dataclass(frozen=True)
class AccountCheck:
    """Whether an account can receive payments, and in whose name."""

    ok: bool
    holder_name: str = ""
    failure_code: str = ""
    failure_reason_vi: str = ""


class ProviderError(Exception):
    """Something went wrong talking to a provider.

    ``code`` is the provider's error code when it gave one, ``http_status`` the HTTP status.
    """

    def __init__(self, message: str, *, code: str = "", http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or failed on its side: retry with backoff."""


class ProviderRejected(ProviderError):
    """The provider refused the request: do not retry it as it is."""


class InvalidCallback(ProviderError):
    """A callback with a bad signature or a body that cannot be understood."""


class PaymentAdapter(abc.ABC):
    """Base class of the provider adapters (one module per provider, chosen by dotted path).

    Every method does network I/O only and never touches the database. Methods raise
    ``ProviderUnavailable`` or ``ProviderRejected`` (see the module docstring) and nothing else
    for provider trouble.
    """

    code: ClassVar[str]

    def __init__(
        self, *, base_url: str, secret: str, timeout: float = 10.0, callback_url: str = ""
    ):
        """``callback_url``: where the provider should POST its results (our callback inbox),
        for the providers that send callbacks; "" = none, the results are polled."""
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.callback_url = callback_url

    @abc.abstractmethod
    def validate_account(self, account_number: str, holder_id_number: str) -> AccountCheck:
        """Ask the provider whether ``account_number`` can receive money for that ID number.

        No money moves. A refusal about the account is an ``AccountCheck(ok=False, ...)``,
        not an exception.
        """

    @abc.abstractmethod
    def submit_batch(self, batch: BatchRequest) -> BatchAck:
        """Send a batch for payment; return the provider's acknowledgement.

        Side effect at the provider: the items are queued or paid. Sending the same batch
        reference again returns the original acknowledgement and pays nothing twice; an item
        reference already paid in another batch is not paid again. Raises ``ProviderRejected``
        when the provider refuses the batch (control totals mismatch, bad signature, bad data),
        ``ProviderUnavailable`` when the outcome is unknown (then look the references up).
        """

    @abc.abstractmethod
    def fetch_batch_status(self, batch_reference: str) -> BatchStatus:
        """The provider's current result for every item of a batch. Read-only.

        Raises ``ProviderRejected`` (code ``UNKNOWN_BATCH``) when the provider never took it.
        """

    @abc.abstractmethod
    def lookup_payment(self, reference: str) -> ItemResult | None:
        """The provider's result for one item reference, or ``None`` if it never received it.

        Read-only; call it before any re-send.
        """

    def callback_signed(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether a callback carries our signature, whatever its content. Pure: no I/O. The
        inbox asks it before storing anything: only a signed body is kept whole.

        The default parses the callback and looks at what failed; an adapter that can check
        the signature alone overrides it."""
        try:
            self.parse_callback(headers, body)
        except InvalidCallback as exc:
            return exc.code == "MALFORMED"  # the signature held, the content did not
        return True

    @abc.abstractmethod
    def parse_callback(self, headers: dict[str, str], body: bytes) -> tuple[ItemResult, ...]:
        """Verify a callback's signature and parse the item results it carries.

        Pure: no I/O. Raises ``InvalidCallback`` on a bad signature or a malformed body. The
        caller stores the raw callback before calling this.
        """
