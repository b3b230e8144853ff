"""What the mock protocols share: failure injection (outage, delay, random failures) and the
typed parsing of its settings, request signatures, routing, error answers and the log of submit
requests. Each provider's module adds its own routes."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.mock.server import MockStore

Response = tuple[int, Any]


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self) -> Response:
        return self.status, {"code": self.code, "message": self.message}


def now_iso() -> str:
    """The current UTC time as ISO text with milliseconds, like the ledger's created_at."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Config:
    """Failure injection, set through ``POST /__mock__/config`` {"<provider>": {...}}.

    A provider's subclass adds its own settings as fields (declared in its ``extra_settings``);
    ``as_dict`` reports every field but the RNG."""

    failure_rate: float = 0.0
    seed: int | None = None
    outage: bool = False
    delay_seconds: float = 0.0
    # The outcomes tests choose through a number's last digits (see each provider); off, only
    # failure_rate fails items (the demo's history: failures fall on different people each month).
    by_number: bool = True
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            item.name: getattr(self, item.name)
            for item in dataclasses.fields(self)
            if item.name != "rng"
        }


@dataclass(frozen=True)
class Setting:
    """How ``POST /__mock__/config`` takes one setting: its JSON type (``float``, ``int`` or
    ``bool``), the range of a number, and whether null is allowed."""

    kind: type
    minimum: float | None = 0
    maximum: float | None = None
    nullable: bool = False

    def parse(self, name: str, value: Any) -> Any:
        """The value as the config holds it, or BadRequest BAD_CONFIG saying what is expected."""
        if value is None and self.nullable:
            return None
        if self.kind is bool:
            if not isinstance(value, bool):
                raise BadRequest("BAD_CONFIG", f"{name} must be true or false, not {value!r}")
            return value
        whole = self.kind is int
        expected = "a whole number" if whole else "a number"
        if self.minimum is not None and self.maximum is not None:
            expected += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            expected += f" >= {self.minimum:g}"
        if self.nullable:
            expected += " or null"
        bad = BadRequest("BAD_CONFIG", f"{name} must be {expected}, not {value!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        if isinstance(value, float) and not math.isfinite(value):
            raise bad
        if whole and isinstance(value, float) and not value.is_integer():
            raise bad
        try:
            value = int(value) if whole else float(value)
        except OverflowError as exc:
            raise bad from exc
        too_small = self.minimum is not None and value < self.minimum
        if too_small or (self.maximum is not None and value > self.maximum):
            raise bad
        return value


# The settings every provider has (see Config).
COMMON_SETTINGS: dict[str, Setting] = {
    "failure_rate": Setting(float, maximum=1),
    "seed": Setting(int, minimum=None, nullable=True),
    "outage": Setting(bool),
    "delay_seconds": Setting(float),
    "by_number": Setting(bool),
}


class MockProtocol:
    """One provider's protocol, mounted by the server under ``prefix``. Subclasses set the
    class attributes and implement ``route``."""

    prefix = ""
    provider = ""  # the provider's code in the ledger and the submissions log
    secret_env = ""
    default_secret = ""
    config_class: type[Config] = Config
    # The settings config_class adds to COMMON_SETTINGS (e.g. VNPost's window_seconds).
    extra_settings: dict[str, Setting] = {}

    def __init__(self, store: MockStore, secret: str | None = None):
        self.store = store
        self.secret = secret or os.environ.get(self.secret_env, self.default_secret)
        self.config = self.config_class()

    def parse_settings(self, values: dict[str, Any]) -> dict[str, Any]:
        """The given settings parsed, or BadRequest BAD_CONFIG for the first unknown or bad
        one. Changes nothing, so that a request with one bad value changes nothing at all."""
        settings = {**COMMON_SETTINGS, **self.extra_settings}
        unknown = set(values) - set(settings)
        if unknown:
            raise BadRequest(
                "BAD_CONFIG", f"unknown settings: {sorted(unknown)}; known: {sorted(settings)}"
            )
        return {name: settings[name].parse(name, value) for name, value in values.items()}

    def apply_settings(self, parsed: dict[str, Any]) -> dict[str, Any]:
        """Merge settings from ``parse_settings`` into the config; a given seed resets the RNG."""
        for name, value in parsed.items():
            setattr(self.config, name, value)
        if "seed" in parsed:
            self.config.rng = random.Random(self.config.seed)
        return self.config.as_dict()

    def configure(self, values: dict[str, Any]) -> dict[str, Any]:
        """Check then merge ``values`` into the config (all or nothing)."""
        return self.apply_settings(self.parse_settings(values))

    def reset(self) -> None:
        self.config = self.config_class()

    def tick(self, stopping: threading.Event) -> None:
        """Background work, run by the server's worker thread every few tenths of a second
        (none by default). Return soon once ``stopping`` is set."""

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Response:
        """Answer one request under ``prefix``: the injected delay and outage first, then the
        signature (HMAC of the body, or of the path when there is none), then the routes."""
        config = self.config
        if config.delay_seconds:
            time.sleep(config.delay_seconds)
        if config.outage:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "code": "OUTAGE",
                "message": "Service temporarily unavailable",
            }
        message = body if body else path.encode()
        expected = hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Signature") or ""):
            return HTTPStatus.UNAUTHORIZED, {"code": "BAD_SIGNATURE", "message": "Bad signature"}
        route = path.split("?", 1)[0][len(self.prefix) :].strip("/").split("/")
        try:
            answer = self.route(method, route, headers, body)
        except BadRequest as exc:
            return exc.response()
        if answer is None:
            return HTTPStatus.NOT_FOUND, {"code": "NOT_FOUND", "message": f"No route {path}"}
        return answer

    def route(self, method: str, route: list[str], headers: Any, body: bytes) -> Response | None:
        """The answer of one signed request; None when no route matches."""
        raise NotImplementedError

    @staticmethod
    def json(body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise BadRequest("BAD_JSON", "The body is not JSON") from exc
        if not isinstance(data, dict):
            raise BadRequest("BAD_JSON", "The body must be a JSON object")
        return data

    # -- shared protocol steps ------------------------------------------------------------------

    def log_submission(
        self, batch_reference: str, take: Callable[[], tuple[Response, bool]]
    ) -> Response:
        """Answer one submit request with ``take`` (which also says whether the batch was a
        replay) and record it in the submissions log: "accepted", "replay", or the error code
        of a refusal. Written before the answer is sent."""
        received_at, outcome = now_iso(), "error"
        try:
            answer, replay = take()
            outcome = "replay" if replay else "accepted"
            return answer
        except BadRequest as exc:
            outcome = exc.code
            raise
        finally:
            self.store.record_submission(self.provider, batch_reference, received_at, outcome)

    def randomly_fails(self) -> bool:
        """Whether the configured random failure rate fails one more item."""
        return (
            bool(self.config.failure_rate) and self.config.rng.random() < self.config.failure_rate
        )

    def decide_by_suffix(
        self, number: str, failures: dict[str, str], random_codes: tuple[str, ...]
    ) -> str:
        """The failure code of an item ("" = paid): from the number's last two digits (unless
        by_number is off), else from the random failure rate."""
        code = failures.get(number[-2:], "") if self.config.by_number else ""
        if not code and self.randomly_fails():
            code = self.config.rng.choice(random_codes)
        return code

    @staticmethod
    def check_control_totals(count: Any, amount: Any, items: list[dict[str, Any]]) -> None:
        """The control count and sum must match the items (checked after a replay lookup, so a
        replayed batch still gets its original answer)."""
        total = sum(item["amount"] for item in items)
        if count != len(items) or amount != total:
            raise BadRequest(
                "CONTROL_MISMATCH",
                f"Control totals do not match: {len(items)} items, {total} VND",
            )

    @staticmethod
    def record(
        db, provider: str, reference: str, account: str, amount: int, status: str, reason: str
    ) -> bool:
        """Write one result to the ledger. UNIQUE(provider, reference): a reference already
        there keeps its original result and is not paid again. True if written now."""
        return bool(
            db.execute(
                "INSERT OR IGNORE INTO ledger"
                " (provider, reference, account, amount, status, reason) VALUES (?, ?, ?, ?, ?, ?)",
                (provider, reference, account, amount, status, reason),
            ).rowcount
        )
