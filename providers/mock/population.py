"""The national population database (CSDL quốc gia về dân cư), as a verification service.

    POST /population/v1/verify   {"request_id": "...", "people": [{"ref", "id_number",
                                  "full_name", "date_of_birth", "sex"}, ...]}  (at most 1000)
      → {"request_id", "results": [{"ref", "result", "fields", "date_of_death"}]}

``result`` is "match", "mismatch" (``fields`` names what differs: full_name, date_of_birth,
sex), "deceased" (with ``date_of_death``) or "not_found". Requests are signed like the payment
providers' (X-Signature: HMAC-SHA256 of the body).

The citizens it knows are in its own table, filled through ``POST /__mock__/population``
{"people": [{"id_number", "full_name", "date_of_birth", "sex", "date_of_death"}]}. An ID number
it does not hold is answered from its last two digits so tests and the demo can choose: "99"
deceased on the 15th of last month, "98" a different date of birth, "97" not found, anything
else a match (with ``by_number`` off, always a match). ``failure_rate`` is the share of
requests answered 503, as a busy national service does; ``outage`` and ``delay_seconds`` as for
every mock.

This module deliberately does not import the application's code: it plays the service.
"""

from __future__ import annotations

import datetime
import unicodedata
from contextlib import closing
from http import HTTPStatus
from typing import Any

from providers.mock.base import BadRequest, MockProtocol, Response

PREFIX = "/population/"
DEFAULT_SECRET = "mock-population-secret"
MAX_PEOPLE = 1000
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))
FIELDS = ("id_number", "full_name", "date_of_birth", "sex")

SCHEMA = """
CREATE TABLE IF NOT EXISTS population_people (
    id_number TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    date_of_death TEXT
);
"""


def same_name(a: str, b: str) -> bool:
    """Names compared as people write them: case and spacing aside, diacritics count."""

    def norm(value: str) -> str:
        return " ".join(unicodedata.normalize("NFC", value).casefold().split())

    return norm(a) == norm(b)


class PopulationMock(MockProtocol):
    prefix = PREFIX
    provider = "POPULATION"
    secret_env = "MOCK_POPULATION_SECRET"
    default_secret = DEFAULT_SECRET

    def __init__(self, store, secret: str | None = None):
        super().__init__(store, secret)
        with closing(store.connect()) as db, db:
            db.executescript(SCHEMA)

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Response:
        if self.config.failure_rate and self.config.rng.random() < self.config.failure_rate:
            return HTTPStatus.SERVICE_UNAVAILABLE, {"code": "BUSY", "message": "Try again later"}
        return super().handle(method, path, headers, body)

    def route(self, method: str, route: list[str], headers: Any, body: bytes) -> Response | None:
        if method == "POST" and route == ["v1", "verify"]:
            return self.verify(self.json(body))
        return None

    def verify(self, data: dict[str, Any]) -> Response:
        people = data.get("people")
        if not isinstance(people, list) or not people:
            raise BadRequest("BAD_REQUEST", "people must be a non-empty list")
        if len(people) > MAX_PEOPLE:
            raise BadRequest("TOO_MANY", f"at most {MAX_PEOPLE} people per request")
        for i, person in enumerate(people):
            if not isinstance(person, dict) or not all(
                isinstance(person.get(name), str) for name in ("ref", *FIELDS)
            ):
                raise BadRequest("BAD_REQUEST", f"people[{i}] needs ref and {', '.join(FIELDS)}")
        ids = [p["id_number"] for p in people]
        with closing(self.store.connect()) as db:
            known = {
                row["id_number"]: dict(row)
                for row in db.execute(
                    f"SELECT * FROM population_people WHERE id_number IN"
                    f" ({','.join('?' * len(ids))})",
                    ids,
                )
            }
        results = [self.decide(p, known.get(p["id_number"])) for p in people]
        return HTTPStatus.OK, {"request_id": data.get("request_id", ""), "results": results}

    def decide(self, person: dict[str, str], citizen: dict | None) -> dict[str, Any]:
        answer = {"ref": person["ref"], "result": "match", "fields": [], "date_of_death": None}
        if citizen is None:
            suffix = person["id_number"][-2:] if self.config.by_number else ""
            if suffix == "97" or not person["id_number"]:
                return {**answer, "result": "not_found"}
            citizen = dict(person, date_of_death=None)
            if suffix == "99":
                today = datetime.datetime.now(VIETNAM).date()
                last_month = today.replace(day=1) - datetime.timedelta(days=1)
                citizen["date_of_death"] = last_month.replace(day=15).isoformat()
            elif suffix == "98":
                born = datetime.date.fromisoformat(person["date_of_birth"])
                citizen["date_of_birth"] = (born + datetime.timedelta(days=1)).isoformat()
        if citizen.get("date_of_death"):
            return {**answer, "result": "deceased", "date_of_death": citizen["date_of_death"]}
        differs = [
            name
            for name in ("full_name", "date_of_birth", "sex")
            if not (
                same_name(person[name], citizen[name])
                if name == "full_name"
                else person[name] == citizen[name]
            )
        ]
        if differs:
            return {**answer, "result": "mismatch", "fields": differs}
        return answer

    def load(self, data: dict[str, Any]) -> int:
        """``POST /__mock__/population``: add or replace citizens."""
        people = data.get("people")
        if not isinstance(people, list):
            raise BadRequest("BAD_REQUEST", "people must be a list")
        rows = []
        for i, p in enumerate(people):
            if not isinstance(p, dict) or not all(isinstance(p.get(n), str) for n in FIELDS):
                raise BadRequest("BAD_REQUEST", f"people[{i}] needs {', '.join(FIELDS)}")
            rows.append((*(p[n] for n in FIELDS), p.get("date_of_death") or None))
        with self.store.lock, closing(self.store.connect()) as db, db:
            db.executemany(
                "INSERT OR REPLACE INTO population_people"
                " (id_number, full_name, date_of_birth, sex, date_of_death)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)
