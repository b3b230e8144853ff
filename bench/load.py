"""`make load`: 50 simulated officers against gunicorn + PostgreSQL + Redis on loopback, while
a Celery worker generates a district's payment list.

    .venv/bin/python -m bench.load [--users N] [--seconds S] [--warmup S] [--reseed]

The run, start to end:

1. The database. The demo province (Huế, 60,738 beneficiaries, `seed_demo --months 1`: one
   month of payment history so that the dashboards have figures) is seeded once into a template
   database, `trocap_load_seed`; every run then copies it into `trocap_load` (CREATE DATABASE
   ... TEMPLATE: seconds), so each run starts from the same data whatever the last one wrote.
   --reseed (or another month count) seeds the template again. Only databases with "load" in
   their name are ever dropped: a DATABASE_URL naming another database only lends its server.
2. The stack, production settings (config.settings.production, DEBUG off, the manifest static
   storage after collectstatic, a fresh SECRET_KEY) over plain http on loopback:
   SECURE_SSL_REDIRECT=0 and SECURE_COOKIES=0 as docker-compose.yml defaults them; HSTS and
   every other production header stay on. gunicorn as the Dockerfile runs it (3 sync workers,
   timeout 60) on 127.0.0.1:8700; one Celery worker as docker-compose runs it (concurrency 2) on
   its own Redis database (LOAD_REDIS_URL, default redis://127.0.0.1:6379/13), no beat.
3. The load (bench/loadgen.py): the officers sign in during the warm-up (spread over its first
   half), then browse, search and record changes; the list officer keeps the worker generating
   the largest district's list. Only requests that start in the measured window count.
4. Everything it started is stopped, also on Ctrl-C or an error. Logs stay in var/load/logs/.

stdout gets the per-page table and one line:

    LOAD users=50 seconds=120 requests=... rps=... p50_ms=... p95_ms=... p99_ms=...
    errors=... generations=...

`generations` counts the list generations that ran in the measured window (at least in part).
Environment: LOAD_USERS (50), LOAD_SECONDS (120), LOAD_WARMUP (30), LOAD_PORT (8700),
LOAD_WORKERS (gunicorn workers, 3), DEMO_MONTHS (months of history in the template, 1),
DATABASE_URL, LOAD_REDIS_URL; what production reads from the environment passes through (e.g.
DB_CONN_MAX_AGE=60 to try persistent connections). For a diagnosis, --no-generation leaves the
worker idle and --worker-nice N (LOAD_WORKER_NICE) lowers its priority. Exits non-zero when it
cannot run (PostgreSQL, Redis, the port); errors in the answers are reported, not fatal.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import loadgen
from bench import run as bench_run

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trocap_load"
LOAD_DATABASE = "trocap_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
WORK_DIR = BASE_DIR / "var" / "load"
SEED = 2023
PROVINCE_CODE = "46"
THINK = (1.0, 3.0)
GUNICORN_TIMEOUT = 60


class LoadError(bench_run.BenchError):
    """A reason to stop with a clear message and a non-zero exit code."""


def log(message: str) -> None:
    print(f"load: {message}", file=sys.stderr, flush=True)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# --- The database ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Databases:
    url: str  # the run's database
    template_url: str  # the seeded template it is copied from
    config: dict  # the server and credentials

    @property
    def name(self) -> str:
        return self.config["NAME"]

    @property
    def template(self) -> str:
        return f"{self.name}_seed"


def databases() -> Databases:
    """The run's database and its template on the server of DATABASE_URL; PostgreSQL only."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise LoadError(
            f"the load test runs on PostgreSQL only, and DATABASE_URL points at "
            f"{config['ENGINE']}. Unset it to use {DEFAULT_DATABASE_URL}."
        )
    if "load" not in (config["NAME"] or ""):
        # It drops and recreates its databases: never someone's working one.
        log(
            f"DATABASE_URL names {config['NAME']!r}; the load test works in {LOAD_DATABASE!r} "
            "(and its template) on the same server instead."
        )
        url = urlunsplit(urlsplit(url)._replace(path=f"/{LOAD_DATABASE}"))
        config = dj_database_url.parse(url)
    template_url = urlunsplit(urlsplit(url)._replace(path=f"/{config['NAME']}_seed"))
    return Databases(url=url, template_url=template_url, config=config)


def pg_connect(config: dict, dbname: str):
    return bench_run.pg_connect(config, dbname, database=LOAD_DATABASE)


def seeded_mode(config: dict, dbname: str) -> str | None:
    return bench_run.seeded_mode(config, dbname, table="load_meta")


def recreate(config: dict, name: str, *, template: str | None = None) -> None:
    from psycopg2 import sql

    assert "load" in name, name  # never anything but the load test's own databases
    conn = pg_connect(config, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            if template is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                # FILE_COPY: copy the files after a checkpoint instead of WAL-logging every page.
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
    finally:
        conn.close()


def manage(env: dict, *args: str, quiet: bool = False) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL if quiet else sys.stderr,
        stderr=sys.stderr,
        check=False,
    )
    if completed.returncode != 0:
        raise LoadError(f"manage.py {' '.join(args)} failed (exit code {completed.returncode}).")


def database_prepare(dbs: Databases, env: dict, *, months: int, reseed: bool) -> float:
    """Seed the template if needed, copy it into the run's database, migrate; returns the
    seconds spent seeding (0 when the template was reused)."""
    mode = f"huế-{PROVINCE_CODE}-seed{SEED}-months{months}"
    found = None if reseed else seeded_mode(dbs.config, dbs.template)
    seed_seconds = 0.0
    if found == mode:
        log(f"{dbs.template} is seeded ({mode}): reusing it.")
    else:
        log(
            f"seeding {dbs.template} ({mode}"
            + (f"; found {found}" if found else "")
            + "): migrate, seed_demo, VACUUM ANALYZE."
        )
        started = time.perf_counter()
        recreate(dbs.config, dbs.template)
        # The mock providers' ledger belongs to the template's history: a new one with it.
        Path(env["MOCK_PROVIDERS_DB"]).unlink(missing_ok=True)
        seed_env = {**env, "DATABASE_URL": dbs.template_url}
        manage(seed_env, "migrate", "--noinput", "-v", "0")
        manage(seed_env, "seed_demo", "--months", str(months), "--seed", str(SEED))
        conn = pg_connect(dbs.config, dbs.template)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
                cur.execute(
                    "CREATE TABLE load_meta (mode text NOT NULL, seeded_at timestamptz NOT NULL)"
                )
                cur.execute("INSERT INTO load_meta VALUES (%s, now())", [mode])
        finally:
            conn.close()
        seed_seconds = time.perf_counter() - started
        log(f"seeded {dbs.template} in {seed_seconds:.0f}s.")
    started = time.perf_counter()
    recreate(dbs.config, dbs.name, template=dbs.template)
    manage(env, "migrate", "--noinput", "-v", "0")
    seconds = time.perf_counter() - started
    log(f"{dbs.name} copied from {dbs.template} and migrated in {seconds:.1f}s.")
    return seed_seconds


# --- The officers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    accounts: list[loadgen.Account]
    list_district: str  # name and code of the district whose list is generated
    list_people: int


def cast(users: int, *, generate: bool = True) -> Cast:
    """Who the simulated officers are: the list officer of the district with the most people
    first, then one district officer in ten (other districts), the rest commune officers of
    as many communes, spread over the province. Passwords as seed_demo makes them."""
    from django.db.models import Count

    from demo.seed import demo_passwords
    from org.models import AdministrativeUnit, Role, UnitLevel

    passwords = demo_passwords(seed=SEED)
    province = AdministrativeUnit.objects.get(
        level=UnitLevel.PROVINCE, code=PROVINCE_CODE, active=True
    )
    districts = list(
        province.children.filter(level=UnitLevel.DISTRICT, active=True)
        .annotate(people=Count("children__beneficiaries"))
        .order_by("-people", "code")
    )
    communes = list(
        AdministrativeUnit.objects.filter(
            path__startswith=province.path, level=UnitLevel.COMMUNE, active=True
        ).order_by("path")
    )
    n_districts = min(max(1, users // 10), len(districts))
    n_communes = users - n_districts
    if n_communes > len(communes):
        raise LoadError(f"at most {len(communes) + n_districts} users: one per commune.")
    first = "list" if generate else "district"
    accounts = [
        loadgen.Account(f"huyen{districts[0].code}", passwords[Role.DISTRICT_OFFICER], first)
    ]
    accounts += [
        loadgen.Account(f"huyen{d.code}", passwords[Role.DISTRICT_OFFICER], "district")
        for d in districts[1:n_districts]
    ]
    step = len(communes) / n_communes if n_communes else 1
    picked = [communes[int(i * step)] for i in range(n_communes)]
    commune_accounts = [
        loadgen.Account(f"xa{c.code}", passwords[Role.COMMUNE_OFFICER], "commune") for c in picked
    ]
    accounts += commune_accounts
    return Cast(
        accounts=accounts,
        list_district=f"{districts[0].name} ({districts[0].code})",
        list_people=districts[0].people,
    )


# --- The processes --------------------------------------------------------------------------


def redis_url() -> str:
    """LOAD_REDIS_URL, else REDIS_URL's server with database 13, else the local default."""
    explicit = os.environ.get("LOAD_REDIS_URL")
    if explicit:
        return explicit
    shared = os.environ.get("REDIS_URL")
    if shared:
        return urlunsplit(urlsplit(shared)._replace(path="/13"))
    return DEFAULT_REDIS_URL


def redis_check(url: str) -> None:
    bench_run.redis_check(url, variable="LOAD_REDIS_URL")


def port_free(port: int) -> None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise LoadError(
                f"port {port} is already in use: stop what listens there or set LOAD_PORT."
            )


def app_env(dbs: Databases, redis: str) -> dict[str, str]:
    """Production settings over plain http on loopback, on the load test's own files."""
    env = dict(os.environ)  # what production reads from it too (DB_CONN_MAX_AGE, ...)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=f"load-{secrets.token_urlsafe(40)}",
        DATABASE_URL=dbs.url,
        REDIS_URL=redis,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        TROCAP_VAR_DIR=str(WORK_DIR / "var"),
        STATIC_ROOT=str(WORK_DIR / "static"),
        # Never a developer's mock providers on :8900: the seed's history starts its own.
        MOCK_PROVIDERS_URL="http://127.0.0.1:9",
        MOCK_PROVIDERS_DB=str(WORK_DIR / "mock_providers.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


class Stack:
    """gunicorn and a Celery worker, each in its own process group, logs in var/load/logs."""

    def __init__(self, env: dict, *, port: int, workers: int, worker_nice: int = 0) -> None:
        self.env, self.port, self.workers, self.worker_nice = env, port, workers, worker_nice
        self.logs = WORK_DIR / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        (self.logs / "access.log").unlink(missing_ok=True)  # gunicorn appends
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        logfile = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        logfile.close()
        self.processes.append((name, process))
        return process

    def start(self) -> None:
        self._start(
            "worker",
            [
                *(("nice", "-n", str(self.worker_nice)) if self.worker_nice else ()),
                str(VENV_BIN / "celery"),
                *("-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"),
                *("--hostname", "load@%h", "--without-gossip", "--without-mingle"),
            ],
        )
        self._start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
                *("--timeout", str(GUNICORN_TIMEOUT)),
                # Its default control socket is one per user: never another gunicorn's.
                "--no-control-socket",
                # %(D)s: the server's own time per request, in microseconds.
                *("--access-logfile", str(self.logs / "access.log")),
                "--access-logformat",
                '%(t)s "%(r)s" %(s)s %(b)s %(D)s',
            ],
        )

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                last = bench_run.tail(self.logs / f"{name}.log")
                raise LoadError(f"{name} exited with code {process.returncode}:\n{last}")

    def wait_ready(self, timeout: float = 90) -> None:
        from config.celery import app

        deadline = time.monotonic() + timeout
        web = worker = False
        while time.monotonic() < deadline and not (web and worker):
            self.check_alive()
            if not web:
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/healthz/", timeout=2
                    ) as answer:
                        web = answer.status == 200
                except OSError:
                    pass
            if not worker:
                worker = bool(
                    app.control.ping(destination=[f"load@{socket.gethostname()}"], timeout=1)
                )
            if not (web and worker):
                time.sleep(0.5)
        if not (web and worker):
            raise LoadError(
                f"{'gunicorn' if not web else 'the worker'} was not ready in {timeout:.0f}s."
            )

    def stop(self) -> None:
        """SIGTERM each main process (gunicorn's graceful stop; the worker's warm shutdown,
        which waits for a generation in progress: SIGQUIT after a few seconds), then SIGKILL
        whatever is left in their process groups."""
        for _name, process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for name, process in self.processes:
            try:
                process.wait(timeout=10 if name == "gunicorn" else 8)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGQUIT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # pool children left behind
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def purge_queue(redis: str) -> None:
    """Nothing left over from an interrupted run: the worker's queue is empty at the start."""
    from config.celery import app

    purged = 0
    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        purged = conn.default_channel.queue_purge("celery") or 0  # raises if there is none
    if purged:
        log(f"purged {purged} stale messages from {redis}.")


TASK_RE = re.compile(
    r"Task payments\.tasks\.generate_payment_list\[[^\]]+\] succeeded in ([\d.]+)s: "
    r"\{'period': \d+, 'lines': (\d+)"
)


def worker_generations(logfile: Path) -> list[tuple[float, int]]:
    """(seconds, lines) of each list generation the worker finished, from its log."""
    return [(float(s), int(n)) for s, n in TASK_RE.findall(logfile.read_text(errors="replace"))]


# --- The run --------------------------------------------------------------------------------


def overlap(gen: loadgen.Generation, start: float, end: float, now: float) -> float:
    finished = gen.finished if gen.finished is not None else now
    return max(0.0, min(finished, end) - max(gen.started, start))


def run_load(
    cast_: Cast, *, port: int, seconds: float, warmup: float, stack: Stack
) -> tuple[loadgen.Summary, list[loadgen.Officer], float, float, list[loadgen.Sample]]:
    recorder = loadgen.Recorder()
    stop = threading.Event()
    officers = [
        loadgen.officer_for(
            account,
            base_url=f"http://127.0.0.1:{port}",
            number=i,
            recorder=recorder,
            stop=stop,
            seed=SEED,
            think=THINK,
        )
        for i, account in enumerate(cast_.accounts)
    ]
    run = loadgen.Run(officers, ramp_seconds=warmup / 2)
    t0 = time.monotonic()
    start, end = t0 + warmup, t0 + warmup + seconds
    run.start()
    log(
        f"{len(officers)} officers signing in over {warmup / 2:.0f}s; warm-up {warmup:.0f}s, "
        f"then {seconds:.0f}s measured."
    )
    try:
        next_report = t0 + 10
        while (now := time.monotonic()) < end:
            stack.check_alive()
            if now >= next_report:
                samples = recorder.samples()
                measured = [s for s in samples if s.started >= start]
                phase = "measuring" if now >= start else "warm-up"
                log(
                    f"{phase} {now - t0:5.0f}s: {len(samples)} requests "
                    f"({len(measured)} measured), {sum(not s.ok for s in samples)} errors, "
                    f"{sum(len(getattr(o, 'generations', [])) for o in officers)} generations "
                    "queued."
                )
                next_report += 10
            time.sleep(min(0.5, max(end - now, 0)))
    finally:
        stop.set()
        left = run.join(timeout=GUNICORN_TIMEOUT + 5)
        if left:
            log(f"{len(left)} officers still waiting for an answer: {', '.join(left[:5])}")
    samples = recorder.samples()
    return loadgen.summarize(samples, start=start, end=end), officers, start, end, samples


def write_samples(samples: list[loadgen.Sample], start: float, path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["page", "started_s", "ms", "status", "error"])
        for s in samples:
            writer.writerow([s.page, f"{s.started - start:.3f}", f"{s.ms:.1f}", s.status, s.error])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=env_int("LOAD_USERS", 50))
    parser.add_argument("--seconds", type=int, default=env_int("LOAD_SECONDS", 120))
    parser.add_argument("--warmup", type=int, default=env_int("LOAD_WARMUP", 30))
    parser.add_argument("--port", type=int, default=env_int("LOAD_PORT", 8700))
    parser.add_argument("--workers", type=int, default=env_int("LOAD_WORKERS", 3))
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=env_int("LOAD_WORKER_NICE", 0),
        help="for a diagnosis: run the Celery worker at this nice level (default 0, as deployed)",
    )
    parser.add_argument("--months", type=int, default=env_int("DEMO_MONTHS", 1))
    parser.add_argument("--reseed", action="store_true", help="seed the template database again")
    parser.add_argument(
        "--no-generation",
        action="store_true",
        help="for a diagnosis: the list officer only browses, the worker stays idle",
    )
    args = parser.parse_args(argv)
    if args.users < 2 or args.seconds < 1 or args.warmup < 0:
        parser.error("at least 2 users (the list officer and one more) and 1 second.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wall = time.perf_counter()
    stack = None
    try:
        dbs = databases()
        pg_connect(dbs.config, "postgres").close()  # reachable, before anything is decided
        redis = redis_url()
        redis_check(redis)
        port_free(args.port)
        env = app_env(dbs, redis)
        os.environ.update({k: v for k, v in env.items() if k not in ("PYTHONUNBUFFERED",)})
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        seed_seconds = database_prepare(dbs, env, months=args.months, reseed=args.reseed)
        started = time.perf_counter()
        manage(env, "collectstatic", "--noinput", "-v", "0")
        log(f"collectstatic in {time.perf_counter() - started:.1f}s.")

        sys.path.insert(0, str(BASE_DIR))
        import django

        django.setup()
        cast_ = cast(args.users, generate=not args.no_generation)
        from django.db import connection

        connection.close()
        purge_queue(redis)
        stack = Stack(env, port=args.port, workers=args.workers, worker_nice=args.worker_nice)
        stack.start()
        stack.wait_ready()
        log(
            f"gunicorn ({args.workers} workers, DB_CONN_MAX_AGE="
            f"{env.get('DB_CONN_MAX_AGE', '60, production')}) on 127.0.0.1:{args.port} "
            "and a Celery worker on "
            f"{redis} are ready; the list of {cast_.list_district}, {cast_.list_people:,} people, "
            f"is generated by {cast_.accounts[0].username}."
        )
        summary, officers, start, end, samples = run_load(
            cast_, port=args.port, seconds=args.seconds, warmup=args.warmup, stack=stack
        )
    except bench_run.BenchError as exc:
        print(f"load: error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("load: interrupted.", file=sys.stderr, flush=True)
        return 130
    finally:
        if stack is not None:
            stack.stop()
            log("gunicorn and the worker are stopped.")

    now = time.monotonic()
    generations = [g for o in officers for g in getattr(o, "generations", [])]
    in_window = [g for g in generations if overlap(g, start, end, now) > 0]
    busy = sum(overlap(g, start, end, now) for g in generations) / (end - start)
    done = worker_generations(stack.logs / "worker.log")
    failed_generations = sum(g.error for g in generations)
    write_samples(samples, start, stack.logs / "samples.csv")
    signed_in = sum(o.signed_in for o in officers)
    log(
        f"{signed_in}/{len(officers)} officers signed in; {sum(o.changes_saved for o in officers)} "
        f"changes saved; the list generated {len(done)} times by the worker "
        f"({', '.join(f'{s:.1f}s' for s, _n in done)}; {done[-1][1] if done else 0:,} lines), "
        f"{len(in_window)} of them in the window, generating {100 * busy:.0f}% of it"
        + (f"; {failed_generations} generations FAILED" if failed_generations else "")
        + "."
    )
    log(f"samples in {stack.logs / 'samples.csv'}, server times in {stack.logs / 'access.log'}.")
    errors = [s for s in samples if start <= s.started < end and not s.ok]
    for sample in errors[:10]:
        log(f"error: {sample.page}: {sample.error}")
    o = summary.overall
    print(loadgen.table(summary))
    print(
        f"LOAD users={len(officers)} seconds={args.seconds} requests={o.count} "
        f"rps={summary.rps:.1f} p50_ms={o.p50:.0f} p95_ms={o.p95:.0f} p99_ms={o.p99:.0f} "
        f"errors={o.errors} generations={len(in_window)}",
        flush=True,
    )
    log(
        f"make load took {time.perf_counter() - wall:.0f}s"
        + (f" (seeding {seed_seconds:.0f}s of it)." if seed_seconds else ".")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
