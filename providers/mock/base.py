"""What the mock protocols share: failure injection (outage, delay, random failures), request
signatures, routing and error answers. Each provider's module adds its own routes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import time
from dataclasses import dataclass, field
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


@dataclass
class Config:
    """Failure injection, set through ``POST /__mock__/config`` {"<provider>": {...}}."""

    failure_rate: float = 0.0
    seed: int | None = None
    outage: bool = False
    delay_seconds: float = 0.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "failure_rate": self.failure_rate,
            "seed": self.seed,
            "outage": self.outage,
            "delay_seconds": self.delay_seconds,
        }


class MockProtocol:
    """One provider's protocol, mounted by the server under ``prefix``. Subclasses set the
    class attributes and implement ``route``."""

    prefix = ""
    secret_env = ""
    default_secret = ""
    config_class: type[Config] = Config
    # Extra non-negative float settings of config_class (e.g. VNPost's window_seconds).
    extra_settings: tuple[str, ...] = ()

    def __init__(self, store: MockStore, secret: str | None = None):
        self.store = store
        self.secret = secret or os.environ.get(self.secret_env, self.default_secret)
        self.config = self.config_class()

    def configure(self, values: dict[str, Any]) -> dict[str, Any]:
        """Merge ``values`` into the config; a given seed resets the RNG."""
        floats = {"delay_seconds", *self.extra_settings}
        unknown = set(values) - {"failure_rate", "seed", "outage", *floats}
        if unknown:
            raise BadRequest("BAD_CONFIG", f"unknown settings: {sorted(unknown)}")
        config = self.config
        if "failure_rate" in values:
            rate = float(values["failure_rate"])
            if not 0 <= rate <= 1:
                raise BadRequest("BAD_CONFIG", "failure_rate must be between 0 and 1")
            config.failure_rate = rate
        if "outage" in values:
            config.outage = bool(values["outage"])
        for name in floats & set(values):
            setattr(config, name, max(0.0, float(values[name])))
        if "seed" in values:
            config.seed = values["seed"]
            config.rng = random.Random(config.seed)
        return config.as_dict()

    def reset(self) -> None:
        self.config = self.config_class()

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

    def randomly_fails(self) -> bool:
        """Whether the configured random failure rate fails one more item."""
        return (
            bool(self.config.failure_rate) and self.config.rng.random() < self.config.failure_rate
        )

    def decide_by_suffix(
        self, number: str, failures: dict[str, str], random_codes: tuple[str, ...]
    ) -> str:
        """The failure code of an item ("" = paid): from the number's last two digits, else
        from the random failure rate."""
        code = failures.get(number[-2:], "")
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
