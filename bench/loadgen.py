"""The load generator of `make load`: simulated officers, one thread each, every request timed.

No Django here: it speaks HTTP to a running server the way a browser does (session and CSRF
cookies, the CSRF token of each form, multipart for the change form, htmx's polling of a list's
progress), so that it measures what an officer waits for. bench/load.py starts the server and
the officers; tests/bench/test_load.py runs the same officers against Django's live server.

A commune officer signs in once, then loops: overview, a register page or two, a search by name
fragment or by ID-number prefix, a person, every other time a change (a suspension or a new
VietinBank account, sent for approval), the change queue, now and then a change and the
dashboard. A district officer browses the district's register, queue, payment lists and
dashboards. The list officer (a district officer) opens next month's payment list, follows its
generation by polling the progress as the page does (every second), reloads the review page when
it is done and generates the list again at once, for as long as the run lasts, so that a worker
is generating all the time. Between two pages the other officers think for a random 1 to 3
seconds (`think`).

Every request is a `Sample`: which page, when it started, how long it took until the whole
answer was read, its status, and an error when the status (or a redirect's target) was not the
one a working application gives. Percentiles are exact, over every sample (nearest rank).
"""

from __future__ import annotations

import datetime
import gzip
import html
import http.client
import math
import random
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from urllib.parse import urlencode, urlsplit

# The application's URLs (config/urls.py and the apps' urls.py); tests/bench checks them
# against reverse().
PATHS = {
    "login": "/dang-nhap/",
    "home": "/",
    "register": "/doi-tuong/",
    "person": "/doi-tuong/{pk}/",
    "change_create": "/doi-tuong/{pk}/bien-dong/{kind}/",
    "change_queue": "/bien-dong/",
    "change_detail": "/bien-dong/{pk}/",
    "periods": "/chi-tra/",
    "period_open": "/chi-tra/mo-ky/",
    "period_review": "/chi-tra/{pk}/",
    "period_progress": "/chi-tra/{pk}/tien-do/",
    "period_generate": "/chi-tra/{pk}/tao/",
    "dashboard": "/reports/",
    "dashboard_unit": "/reports/{code}/",
}

PAGE_SIZE = 50  # the register's page size (beneficiaries/views.py)
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PERSON_RE = re.compile(r'<a href="/doi-tuong/(\d+)/">([^<]+)</a>')
ID_RE = re.compile(r'<td class="mono">(\d{9,12})</td>')
COUNT_RE = re.compile(r'data-count="(\d+)"')
CHANGE_RE = re.compile(r'href="/bien-dong/(\d+)/"')
# The person page's change menu (data-change-menu): the kinds that apply to the person now.
MENU_KIND_RE = re.compile(r'href="/doi-tuong/\d+/bien-dong/([a-z_]+)/"')
UNIT_RE = re.compile(r'href="/reports/(\d+)/"')
STATIC_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
MONTH_RE = re.compile(r'name="month" value="(\d{4}-\d{2})"')
PERIOD_RE = re.compile(r"/chi-tra/(\d+)/")


# --- Samples and their summary -------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request: `started` on the run's monotonic clock (seconds), `ms` until the whole
    answer was read, `status` None when no HTTP answer came (refused, reset, timed out)."""

    page: str
    started: float
    ms: float
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class Recorder:
    """Every sample of a run, from any thread."""

    def __init__(self) -> None:
        self._samples: list[Sample] = []
        self._lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self._lock:
            self._samples.append(sample)

    def samples(self) -> list[Sample]:
        with self._lock:
            return list(self._samples)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of `values`: the smallest value such that at least p % of
    the values are at most it (p in (0, 100]). NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(Fraction(str(p)) * len(ordered) / 100)
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class PageStats:
    page: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float


def page_stats(page: str, samples: list[Sample]) -> PageStats:
    times = [s.ms for s in samples]
    return PageStats(
        page=page,
        count=len(samples),
        errors=sum(1 for s in samples if not s.ok),
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        p99=percentile(times, 99),
        max=max(times) if times else math.nan,
    )


@dataclass(frozen=True)
class Summary:
    seconds: float
    overall: PageStats
    pages: list[PageStats]

    @property
    def rps(self) -> float:
        return self.overall.count / self.seconds if self.seconds > 0 else math.nan


def summarize(samples: Iterable[Sample], *, start: float, end: float) -> Summary:
    """The samples that started in [start, end): overall and per page (busiest first)."""
    kept = [s for s in samples if start <= s.started < end]
    by_page: dict[str, list[Sample]] = {}
    for sample in kept:
        by_page.setdefault(sample.page, []).append(sample)
    pages = sorted(
        (page_stats(page, rows) for page, rows in by_page.items()),
        key=lambda stats: (-stats.count, stats.page),
    )
    return Summary(seconds=end - start, overall=page_stats("all", kept), pages=pages)


def table(summary: Summary) -> str:
    """The per-page table, in milliseconds, as printed by `make load` and kept in the docs."""
    lines = [
        f"{'page':<16} {'count':>7} {'p50_ms':>8} {'p95_ms':>8} {'p99_ms':>8} "
        f"{'max_ms':>8} {'errors':>6}"
    ]
    for stats in [*summary.pages, summary.overall]:
        lines.append(
            f"{stats.page:<16} {stats.count:>7} {stats.p50:>8.0f} {stats.p95:>8.0f} "
            f"{stats.p99:>8.0f} {stats.max:>8.0f} {stats.errors:>6}"
        )
    return "\n".join(lines)


# --- A browser ------------------------------------------------------------------------------


class Stopped(Exception):
    """The run is over: start no new request."""


class PageFailed(Exception):
    """An answer that a working application does not give (already recorded as an error)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; Set-Cookie already applied
    text: str


def multipart(fields: list[tuple[str, str]], files: list[str]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends the change form: the fields, and an empty
    part for each file input left empty."""
    boundary = f"----trocapload{uuid.uuid4().hex}"
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    for name in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One officer's browser: its cookies, one request at a time, every request recorded.

    A new connection per request: gunicorn's sync workers close each one after the answer,
    so a browser does the same against them."""

    def __init__(
        self,
        base_url: str,
        *,
        recorder: Recorder,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 60.0,
    ) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.recorder, self.stop, self.clock, self.timeout = recorder, stop, clock, timeout
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            raw = answer.read()
            for cookie in answer.headers.get_all("Set-Cookie") or []:
                self._set_cookie(cookie)
            names = {name.lower(): value for name, value in answer.getheaders()}
        finally:
            connection.close()
        if names.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        kind = names.get("content-type", "")
        text = raw.decode("utf-8", "replace") if kind.startswith("text/") else ""
        return Response(status=answer.status, headers=names, text=text)

    def _set_cookie(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        attributes = attributes.lower().replace(" ", "")
        if "max-age=0" in attributes or "expires=thu,01jan1970" in attributes:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value.strip('"')

    def request(
        self,
        page: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        location: str | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one request and record it; raise PageFailed unless its status is in `expect`
        (and, for a redirect, its target starts with `location`)."""
        if self.stop.is_set():
            raise Stopped
        sent = {
            "User-Agent": "trocap-load/1",
            "Accept": "text/html,*/*;q=0.8",
            "Accept-Language": "vi",
            "Accept-Encoding": "gzip",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = self.clock()
        try:
            response = self._send(method, path, body, sent)
        except (OSError, http.client.HTTPException) as exc:
            ms = (self.clock() - started) * 1000
            self.recorder.add(Sample(page, started, ms, None, f"{type(exc).__name__}: {exc}"))
            raise PageFailed(f"{method} {path}: {exc}") from exc
        ms = (self.clock() - started) * 1000
        error = ""
        target = response.headers.get("location", "")
        if response.status not in expect:
            error = f"status {response.status}" + (f" to {target}" if target else "")
        elif location is not None and not target.startswith(location):
            error = f"redirected to {target or '(nowhere)'}, not {location}"
        self.recorder.add(Sample(page, started, ms, response.status, error))
        if error:
            raise PageFailed(f"{method} {path}: {error}")
        return response

    def get(self, page: str, path: str, **kwargs) -> Response:
        return self.request(page, "GET", path, **kwargs)

    def post(
        self,
        page: str,
        path: str,
        fields: list[tuple[str, str]],
        *,
        files: list[str] | None = None,
        expect: tuple[int, ...] = (302,),
        location: str | None = None,
    ) -> Response:
        if files is not None:
            body, kind = multipart(fields, files)
        else:
            body, kind = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers = {"Content-Type": kind, "Origin": self.origin}
        return self.request(
            page, "POST", path, expect=expect, location=location, body=body, headers=headers
        )


# --- What officers do -----------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    kind: str  # "commune", "district" or "list"


def csrf_token(text: str) -> str:
    found = CSRF_RE.search(text)
    if not found:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


def people_on(text: str) -> list[tuple[int, str]]:
    """The people a register page links to: (pk, full name)."""
    return [(int(pk), html.unescape(name).strip()) for pk, name in PERSON_RE.findall(text)]


def plain(text: str) -> str:
    """Lower case without diacritics, as an officer types on a keyboard without Telex."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def name_fragment(full_name: str, rng: random.Random) -> str:
    """What an officer types to find someone: the given name, or the last two words of the
    name; with diacritics or without."""
    words = full_name.split()
    fragment = " ".join(words[-2:] if len(words) > 2 and rng.random() < 0.5 else words[-1:])
    return plain(fragment) if rng.random() < 0.5 else fragment.lower()


def next_month(today: datetime.date | None = None) -> str:
    today = today or datetime.datetime.now(VIETNAM).date()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


@dataclass
class Generation:
    """One generation of the list as the list officer saw it: queued at `started`, seen done
    at `finished` (None while it runs), `error` if the list shows a generation error."""

    started: float
    finished: float | None = None
    error: bool = False


class Officer:
    """An officer at a browser: signs in once, then loops over `iteration` with think time."""

    def __init__(
        self,
        account: Account,
        browser: Browser,
        *,
        number: int,
        rng: random.Random,
        stop: threading.Event,
        think: tuple[float, float] = (1.0, 3.0),
    ) -> None:
        self.account, self.browser, self.number = account, browser, number
        self.rng, self.stop, self.think = rng, stop, think
        self.signed_in = False
        self.ids: list[str] = []  # ID numbers seen on the last register pages
        self.iterations = 0
        self.changes_saved = 0
        self.failures = 0

    def pause(self, low: float | None = None, high: float | None = None) -> None:
        low = self.think[0] if low is None else low
        high = self.think[1] if high is None else high
        if self.stop.wait(self.rng.uniform(low, high) if high > 0 else 0):
            raise Stopped

    def open(self, page: str, path: str, **kwargs) -> Response:
        """Load a page, then read it for a while."""
        response = self.browser.get(page, path, **kwargs)
        self.pause()
        return response

    def sign_in(self) -> None:
        form = self.browser.get("sign_in", PATHS["login"])
        for asset in dict.fromkeys(STATIC_RE.findall(form.text)):  # cached afterwards
            self.browser.get("static", html.unescape(asset), expect=(200, 304))
        self.pause()
        self.browser.post(
            "sign_in",
            PATHS["login"],
            [
                ("csrfmiddlewaretoken", csrf_token(form.text)),
                ("username", self.account.username),
                ("password", self.account.password),
                ("next", ""),
            ],
            location=PATHS["home"],
        )
        self.signed_in = True

    def run(self, iterations: int | None = None) -> None:
        """Sign in, then loop until the run stops (or `iterations` are done). A failed sign-in
        ends the officer: trying again would only lock the account."""
        try:
            self.sign_in()
        except (PageFailed, ValueError):
            self.failures += 1
            return
        except Stopped:
            return
        while iterations is None or self.iterations < iterations:
            try:
                self.iteration()
            except Stopped:
                return
            except (PageFailed, ValueError):
                # Already recorded: an officer who hits an error starts again from the top.
                self.failures += 1
                try:
                    self.pause()
                except Stopped:
                    return
            self.iterations += 1

    def iteration(self) -> None:
        raise NotImplementedError

    # Shared steps

    def browse_register(self, *, deepest_page: int) -> list[tuple[int, str]]:
        """The register's first page, every other time another one; returns who is listed."""
        first = self.open("register", PATHS["register"])
        people = people_on(first.text)
        self.ids = ID_RE.findall(first.text)
        found = COUNT_RE.search(first.text)
        pages = math.ceil(int(found.group(1)) / PAGE_SIZE) if found else 1
        if pages > 1 and self.rng.random() < 0.5:
            number = self.rng.randint(2, min(pages, deepest_page))
            other = self.open("register", f"{PATHS['register']}?page={number}")
            people += people_on(other.text)
            self.ids += ID_RE.findall(other.text)
        return people

    def search(self, people: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """Search by a name fragment or by the first digits of an ID number; returns who the
        search found."""
        if (self.rng.random() < 0.5 or not self.ids) and people:
            query = name_fragment(self.rng.choice(people)[1], self.rng)
            page = "search_name"
        elif self.ids:
            query = self.rng.choice(self.ids)[: self.rng.choice((6, 8, 10))]
            page = "search_id"
        else:
            return people
        found = self.open(page, f"{PATHS['register']}?{urlencode({'q': query})}")
        return people_on(found.text) or people

    def queue(self) -> None:
        queue = self.open("change_queue", PATHS["change_queue"])
        changes = CHANGE_RE.findall(queue.text)
        if changes and self.rng.random() < 0.5:
            pk = self.rng.choice(changes)
            self.open("change_detail", PATHS["change_detail"].format(pk=pk))


class CommuneOfficer(Officer):
    """Keeps the register of one commune and records its changes."""

    change_rate = 0.5  # the share of iterations that record a change
    dashboard_rate = 1 / 3

    def iteration(self) -> None:
        self.open("home", PATHS["home"])
        people = self.browse_register(deepest_page=50)
        found = self.search(people)
        if not found:
            return
        pk = self.rng.choice(found)[0]
        person = self.open("person", PATHS["person"].format(pk=pk))
        if self.rng.random() < self.change_rate:
            # Only what the person's change menu offers: a person with a change of that kind
            # already waiting (from an earlier iteration) is refused it, as an officer would be.
            offered = set(MENU_KIND_RE.findall(person.text))
            kinds = [k for k in ("suspend", "set_account") if k in offered]
            if kinds:
                self.record_change(pk, kinds)
        self.queue()
        if self.rng.random() < self.dashboard_rate:
            self.open("dashboard", PATHS["dashboard"])

    def record_change(self, pk: int, kinds: list[str]) -> None:
        """A suspension or a new VietinBank account (of those the menu offers), sent for
        approval: neither blocks the next, and neither touches another commune's people."""
        kind = self.rng.choice(kinds)
        path = PATHS["change_create"].format(pk=pk, kind=kind)
        form = self.open("change_form", path)
        fields = [
            ("csrfmiddlewaretoken", csrf_token(form.text)),
            ("reason", "other"),
            ("effective_month", next_month()),
            ("reason_detail", "Kiểm thử tải (make load)"),
            ("decision_number", ""),
            ("decision_date", ""),
            ("submit", ""),
        ]
        if kind == "set_account":
            # 14 digits, unique in the run; the demo's accounts have 12 starting with 10.
            number = f"99{self.number:03d}{self.changes_saved:09d}"
            fields += [
                ("account_provider", "VIETINBANK"),
                ("account_number", number),
                ("account_holder", "beneficiary"),
            ]
        detail = PATHS["person"].format(pk=pk)
        self.browser.post("change_save", path, fields, files=["decision_file"], location=detail)
        self.changes_saved += 1
        self.open("person", detail)  # where the redirect lands


class DistrictOfficer(Officer):
    """Looks over the district: its register, the changes to decide, its lists, dashboards."""

    def iteration(self) -> None:
        self.open("home", PATHS["home"])
        people = self.browse_register(deepest_page=20)
        found = self.search(people)
        if found:
            pk = self.rng.choice(found)[0]
            self.open("person", PATHS["person"].format(pk=pk))
        self.queue()
        self.open("periods", PATHS["periods"])
        board = self.open("dashboard", PATHS["dashboard"])
        units = UNIT_RE.findall(board.text)
        if units and self.rng.random() < 0.5:
            self.open("dashboard_unit", PATHS["dashboard_unit"].format(code=self.rng.choice(units)))


class ListOfficer(Officer):
    """A district officer who opens next month's list and generates it again and again, so
    that a Celery worker is generating a list for the whole run."""

    poll_seconds = 1.0  # the progress card's hx-trigger="every 1s"

    def __init__(self, *args, clock: Callable[[], float] = time.monotonic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock
        self.generations: list[Generation] = []
        self.period: int | None = None
        self.token = ""

    def iteration(self) -> None:
        if self.period is None:
            periods = self.open("periods", PATHS["periods"])
            month = MONTH_RE.search(periods.text)
            answer = self.browser.post(
                "list_open",
                PATHS["period_open"],
                [
                    ("csrfmiddlewaretoken", csrf_token(periods.text)),
                    ("month", month.group(1) if month else next_month()),
                ],
                location="/chi-tra/",
            )
            found = PERIOD_RE.search(answer.headers["location"])
            if not found:
                raise ValueError(f"opened, but redirected to {answer.headers['location']}")
            self.period = int(found.group(1))
        else:
            # Again at once, without reading: the worker is to be generating all the time.
            self.browser.post(
                "list_generate",
                PATHS["period_generate"].format(pk=self.period),
                [("csrfmiddlewaretoken", self.token)],
                location=PATHS["period_review"].format(pk=self.period),
            )
        generation = Generation(started=self.clock())
        self.generations.append(generation)
        review = PATHS["period_review"].format(pk=self.period)
        self.token = csrf_token(self.browser.get("list_review", review).text)
        self.follow(generation)
        # HX-Refresh: the page reloads itself with the new list's review.
        self.token = csrf_token(self.browser.get("list_review", review).text)

    def follow(self, generation: Generation) -> None:
        """Poll the progress card as htmx does until the page would reload itself."""
        path = PATHS["period_progress"].format(pk=self.period)
        review = PATHS["period_review"].format(pk=self.period)
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": f"{self.browser.origin}{review}",
            "HX-Target": "progress",
            "X-CSRFToken": self.token,
        }
        while True:
            if self.stop.wait(self.poll_seconds):
                raise Stopped
            answer = self.browser.get("list_progress", path, headers=headers)
            if answer.headers.get("hx-refresh") == "true":
                generation.finished = self.clock()
                generation.error = 'role="alert"' in answer.text
                return


OFFICERS = {"commune": CommuneOfficer, "district": DistrictOfficer, "list": ListOfficer}


def officer_for(
    account: Account,
    *,
    base_url: str,
    number: int,
    recorder: Recorder,
    stop: threading.Event,
    seed: int,
    think: tuple[float, float] = (1.0, 3.0),
    clock: Callable[[], float] = time.monotonic,
) -> Officer:
    """A simulated officer of `account.kind`, with a browser of its own and its own random
    sequence (`seed` and `number` make a run repeatable up to the server's answers)."""
    browser = Browser(base_url, recorder=recorder, stop=stop, clock=clock)
    kwargs = {"number": number, "rng": random.Random(f"{seed}-{number}"), "stop": stop}
    if account.kind == "list":
        return ListOfficer(account, browser, think=think, clock=clock, **kwargs)
    return OFFICERS[account.kind](account, browser, think=think, **kwargs)


@dataclass
class Run:
    """Officers in threads: each starts at its offset from `started` (a ramp), runs until
    `stop` is set."""

    officers: list[Officer]
    ramp_seconds: float
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        n = len(self.officers)
        for i, officer in enumerate(self.officers):
            delay = self.ramp_seconds * i / n if n else 0

            def body(officer=officer, delay=delay) -> None:
                if delay and officer.stop.wait(delay):
                    return
                officer.run()

            thread = threading.Thread(target=body, name=officer.account.username, daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self, timeout: float) -> list[str]:
        """Wait for the officers to finish their request in flight; returns who did not."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return [thread.name for thread in self.threads if thread.is_alive()]
