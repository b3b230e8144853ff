"""`make bench` and `make bench-national`: time list generation on PostgreSQL against a floor.

    .venv/bin/python -m bench.run [--national] [--keep] [--seed-with auto|demo_seed|copy]
                                  [--total N]

Province (default): seed Huế (46) with `demo_seed` (60,738 beneficiaries), then generate next
month's list of each of its closing units in this process, one after the other. National
(--national): 3.3 million beneficiaries over the 34 provinces of the two-tier list, one task per
closing unit fanned out over Celery workers (Redis broker), each worker's peak RSS sampled.

The province also times the official xlsx of its largest list (bench.exports: against the same
cells written by xlsxwriter's constant-memory mode without styles).

Each benchmark prints one line on stdout (progress goes to stderr):

    BENCH name=<name> n=<rows> seconds=<s> floor_seconds=<s> ratio=<seconds/floor> peak_rss_mb=<MB>

The floor of the generation lines is one plain `INSERT … SELECT` writing the same number of rows
from the same beneficiaries, recipients, accounts and categories into payments_paymentline
itself (its indexes, its foreign-key checks, WAL; rolled back), in the same run: what writing
that many lines costs at the least. For context, stderr also shows the same INSERT into a
temporary table (no index, constraint or WAL) and, for the province, the time to regenerate the
largest draft list.

The bench owns its database: `trocap_bench` on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/trocap_bench), dropped and recreated on every run unless
--keep finds it already seeded for the same benchmark. A DATABASE_URL naming another database
only lends its server and credentials: the bench never drops a database without "bench" in its
name. SQLite is refused.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/trocap_bench"
BENCH_DATABASE = "trocap_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUE = "trocap_bench"
SEED = 2023
PROVINCE_CODE = "46"
PROVINCE_COUNT = 60_738
NATIONAL_TOTAL = 3_300_000
WORKERS = 2
# Above this projected total, the provinces after the first are seeded with COPY (no history).
DEMO_SEED_BUDGET_SECONDS = 25 * 60
RESULT_TIMEOUT_SECONDS = 3 * 3600
SEEDED_TABLES = (
    "org_administrativeunit",
    "beneficiaries_beneficiary",
    "beneficiaries_beneficiarycategory",
    "beneficiaries_authorizedrecipient",
    "accounts_paymentaccount",
)


class BenchError(Exception):
    """A reason to stop with a clear message and a non-zero exit code."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def this_month() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate().replace(day=1)


def bench_line(name: str, n: int, seconds: float, floor: float, peak_mb: float) -> str:
    ratio = seconds / floor if floor > 0 else float("inf")
    return (
        f"BENCH name={name} n={n} seconds={seconds:.3f} floor_seconds={floor:.3f} "
        f"ratio={ratio:.2f} peak_rss_mb={peak_mb:.2f}"
    )


# --- The database ---------------------------------------------------------------------------


def database_url() -> tuple[str, dict]:
    """The bench's DATABASE_URL and its parsed settings; refuses anything but PostgreSQL."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise BenchError(
            f"the bench runs on PostgreSQL only, and DATABASE_URL points at {config['ENGINE']} "
            f"({url}). Unset DATABASE_URL to use {DEFAULT_DATABASE_URL}, or set it to a "
            "postgres:// URL."
        )
    if "bench" not in (config["NAME"] or ""):
        # The bench drops its database: never someone's working one.
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
        log(
            f"bench: DATABASE_URL names {config['NAME']!r}; the bench uses {BENCH_DATABASE!r} "
            "on the same server instead (it drops and recreates its database)."
        )
        config = dj_database_url.parse(url)
    return url, config


def pg_connect(config: dict, dbname: str, *, database: str = BENCH_DATABASE):
    """A psycopg2 connection to `dbname` on the server of `config`, or a BenchError that says
    how to start PostgreSQL or point DATABASE_URL (at `database`) elsewhere."""
    import psycopg2

    try:
        return psycopg2.connect(
            dbname=dbname,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        where = f"{config['HOST'] or 'local socket'}:{config['PORT'] or 5432}"
        reason = " ".join(str(exc).split()).rstrip(".?")
        raise BenchError(
            f"PostgreSQL is not reachable at {where} as user {config['USER'] or '(default)'}: "
            f"{reason}. Start it (e.g. `docker compose up -d postgres`) or set "
            f"DATABASE_URL=postgres://user:password@host:port/{database}."
        ) from exc


def seeded_mode(
    config: dict, dbname: str | None = None, *, table: str = "bench_meta"
) -> str | None:
    """What the kept database (`dbname`, by default the config's) was seeded for, as its
    `table` (bench_meta, load_meta) says, or None."""
    import psycopg2
    from psycopg2 import sql

    try:
        conn = pg_connect(config, dbname or config["NAME"])
    except BenchError:
        return None
    try:
        with conn.cursor() as cur:
            query = "SELECT mode FROM {} ORDER BY seeded_at DESC LIMIT 1"
            cur.execute(sql.SQL(query).format(sql.Identifier(table)))
            row = cur.fetchone()
            return row[0] if row else None
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def database_prepare(config: dict, *, keep: bool, mode: str) -> bool:
    """Drop and recreate the bench database; returns whether it needs seeding."""
    from psycopg2 import sql

    name = config["NAME"]
    conn = pg_connect(config, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cur.fetchone() is not None
        if keep and exists:
            found = seeded_mode(config)
            if found == mode:
                log(f"bench: --keep: {name} is already seeded for {mode}; not seeding again.")
                return False
            log(f"bench: --keep: {name} is not seeded for {mode} (found {found}); recreating it.")
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    log(f"bench: created an empty database {name}.")
    return True


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    # Production-like: DEBUG would keep every query's SQL in memory and inflate the RSS.
    os.environ["DEBUG"] = "0"
    # No coverage refresh queued behind each list (here or in the national workers): the
    # dashboards' bench refreshes them itself.
    os.environ["TROCAP_COVERAGE_AUTO_REFRESH"] = "0"
    # Production's connections (config.settings.production): kept 60 s with health checks, so a
    # national worker does not open a PostgreSQL connection (a backend start, cold catalog
    # caches) for every one of its thousands of closing units.
    os.environ.setdefault("DB_CONN_MAX_AGE", "60")
    # With --keep each run times the month after the last one generated: beyond the officers'
    # window of months (payments.months), which the benchmark does not measure.
    os.environ.setdefault("TROCAP_MONTH_WINDOW_AFTER", "1200")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.chdir(BASE_DIR)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"bench: migrations applied in {time.perf_counter() - started:.1f}s.")


def vacuum_analyze() -> None:
    """Statistics and hint bits as on a live server, so that neither timing pays for them."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in SEEDED_TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
    log(f"seed: VACUUM ANALYZE in {time.perf_counter() - started:.1f}s.")


def mark_seeded(mode: str, beneficiaries: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta "
            "(mode text NOT NULL, beneficiaries integer NOT NULL, seeded_at timestamptz NOT NULL)"
        )
        cur.execute("INSERT INTO bench_meta VALUES (%s, %s, now())", [mode, beneficiaries])


def seed_in_subprocess(mode: str, seed_with: str, total: int) -> None:
    """Seed in a child process: the RSS of this process measures generation, not seeding."""
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "bench.run", "--seed-step", mode),
            *("--seed-with", seed_with, "--total", str(total)),
        ],
        cwd=BASE_DIR,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"seeding failed (exit code {completed.returncode}); see above.")


# --- Seeding --------------------------------------------------------------------------------


def seed_province() -> None:
    from demo.seed import demo_seed

    result = demo_seed(
        province_code=PROVINCE_CODE, count=PROVINCE_COUNT, seed=SEED, as_of=this_month()
    )
    log(
        f"seed: demo_seed {result.province.name}: {result.beneficiaries:,} beneficiaries in "
        f"{result.communes} communes in {result.seconds:.1f}s (bulk, with history)."
    )
    vacuum_analyze()
    mark_seeded("province", result.beneficiaries)


def national_counts(codes: list[str], total: int = NATIONAL_TOTAL) -> list[int]:
    base, extra = divmod(total, len(codes))
    return [base + (1 if i < extra else 0) for i in range(len(codes))]


def seed_national(*, seed_with: str = "auto", total: int = NATIONAL_TOTAL) -> None:
    """3.3 million over the 34 provinces: the first with demo_seed (timed), the rest with
    demo_seed too if that projects under the budget, else with COPY (no history rows)."""
    from vietnam_provinces import Province

    from beneficiaries.models import AuthorizedRecipient, Beneficiary
    from demo.seed import demo_seed
    from org.models import AdministrativeUnit, CodeVersion, UnitLevel
    from org.services import unit_load, units_from_package

    started = time.perf_counter()
    version, rows = units_from_package()
    unit_load(rows=rows, code_version=version)
    log(f"seed: {len(rows):,} two-tier units loaded in {time.perf_counter() - started:.1f}s.")
    codes = sorted(str(int(p.code)).zfill(2) for p in Province.iter_all())
    counts = national_counts(codes, total)
    as_of = this_month()

    first = demo_seed(province_code=codes[0], count=counts[0], seed=SEED + 1, as_of=as_of)
    projected = first.seconds * total / counts[0]
    log(
        f"seed: demo_seed {first.province.name}: {first.beneficiaries:,} in {first.seconds:.1f}s; "
        f"projected for {total:,}: {projected / 60:.1f} min "
        f"(budget {DEMO_SEED_BUDGET_SECONDS / 60:.0f} min)."
    )
    fast = seed_with == "copy" or (seed_with == "auto" and projected > DEMO_SEED_BUDGET_SECONDS)
    if fast:
        log("seed: the other provinces are written with COPY, without history rows.")
        # One ID-number space for the country: the generators must not reuse each other's.
        used_ids = set(Beneficiary.objects.values_list("id_number", flat=True))
        used_ids |= set(AuthorizedRecipient.objects.values_list("id_number", flat=True))
    for i, (code, count) in enumerate(zip(codes[1:], counts[1:], strict=True), start=2):
        step = time.perf_counter()
        if fast:
            province = AdministrativeUnit.objects.get(
                code_version=CodeVersion.TWO_TIER, level=UnitLevel.PROVINCE, code=code
            )
            written = seed_copy(
                province=province, count=count, seed=SEED + i, as_of=as_of, used_ids=used_ids
            )
            name = province.name
        else:
            result = demo_seed(province_code=code, count=count, seed=SEED + i, as_of=as_of)
            written, name = result.beneficiaries, result.province.name
        log(
            f"seed: [{i}/{len(codes)}] {name}: {written:,} in {time.perf_counter() - step:.1f}s "
            f"({time.perf_counter() - started:.0f}s so far)."
        )
    vacuum_analyze()
    written = Beneficiary.objects.count()
    mark_seeded(f"national-{total}", written)
    log(f"seed: {written:,} beneficiaries in {(time.perf_counter() - started) / 60:.1f} min.")


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    return str(value)


def _copy(cur, table: str, columns: str, rows: list[tuple]) -> None:
    """COPY rows into table; columns are named in one space-separated string."""
    buffer = StringIO()
    buffer.writelines("\t".join(map(_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns.split())}) FROM STDIN", buffer)


def _reserve_ids(cur, table: str, n: int) -> int:
    """Take n ids from the table's sequence; returns the first."""
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cur.fetchone()
    cur.execute("SELECT nextval(%s)", [sequence])
    (first,) = cur.fetchone()
    if n > 1:
        cur.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


def seed_copy(*, province, count: int, seed: int, as_of, used_ids: set[str]) -> int:
    """Write one province's generated people with COPY: the same records demo_seed writes
    (beneficiaries, categories, recipients, accounts) minus the history rows and users."""
    from django.db import connection, transaction
    from django.utils import timezone

    from beneficiaries.models import BeneficiaryStatus, Category
    from demo.generator import demo_people
    from demo.seed import demo_communes
    from org.text import name_collation_key
    from providers.models import Provider

    people = demo_people(
        communes=demo_communes(province),
        count=count,
        seed=seed,
        as_of=as_of,
        province_code=province.code,
        used_ids=used_ids,
    )
    categories = dict(Category.objects.values_list("code", "id"))
    providers = dict(Provider.objects.values_list("code", "id"))
    now = timezone.now().isoformat()

    with transaction.atomic(), connection.cursor() as cur:
        first = _reserve_ids(cur, "beneficiaries_beneficiary", len(people))
        ids = range(first, first + len(people))
        _copy(
            cur,
            "beneficiaries_beneficiary",
            "id external_id full_name search_name name_sort_key date_of_birth sex ethnicity "
            "id_number legacy_id_number phone commune_id address status disability_level "
            "dependent_children start_month end_month date_of_death created_at updated_at "
            "created_by_id",
            [
                (
                    pk,
                    p.external_id,
                    p.full_name,
                    p.search_name,
                    name_collation_key(p.full_name),
                    p.date_of_birth,
                    p.sex,
                    p.ethnicity,
                    p.id_number,
                    "",
                    p.phone,
                    p.commune_id,
                    p.address,
                    BeneficiaryStatus.ACTIVE.value,
                    p.disability_level,
                    p.dependent_children,
                    p.start_month,
                    None,
                    None,
                    now,
                    now,
                    None,
                )
                for pk, p in zip(ids, people, strict=True)
            ],
        )
        held = [(pk, c) for pk, p in zip(ids, people, strict=True) for c in p.categories]
        first_category = _reserve_ids(cur, "beneficiaries_beneficiarycategory", len(held))
        _copy(
            cur,
            "beneficiaries_beneficiarycategory",
            "id beneficiary_id category_id decision_number decision_date start_month "
            "end_month active",
            [
                (
                    first_category + i,
                    pk,
                    categories[c.code],
                    c.decision_number,
                    c.decision_date,
                    c.start_month,
                    None,
                    True,
                )
                for i, (pk, c) in enumerate(held)
            ],
        )
        with_recipient = [(pk, p) for pk, p in zip(ids, people, strict=True) if p.recipient]
        first_recipient = _reserve_ids(
            cur, "beneficiaries_authorizedrecipient", len(with_recipient)
        )
        recipient_of = {pk: first_recipient + i for i, (pk, _p) in enumerate(with_recipient)}
        _copy(
            cur,
            "beneficiaries_authorizedrecipient",
            "id beneficiary_id kind full_name id_number relationship phone valid_from "
            "valid_to active",
            [
                (
                    recipient_of[pk],
                    pk,
                    p.recipient.kind,
                    p.recipient.full_name,
                    p.recipient.id_number,
                    p.recipient.relationship,
                    p.recipient.phone,
                    p.recipient.valid_from,
                    None,
                    True,
                )
                for pk, p in with_recipient
            ],
        )
        with_account = [(pk, p) for pk, p in zip(ids, people, strict=True) if p.account]
        first_account = _reserve_ids(cur, "accounts_paymentaccount", len(with_account))
        _copy(
            cur,
            "accounts_paymentaccount",
            "id beneficiary_id holder recipient_id provider_id account_number account_name "
            "status opened_on closed_on created_at",
            [
                (
                    first_account + i,
                    pk,
                    p.account.holder,
                    recipient_of[pk] if p.account.holder == "recipient" else None,
                    providers[p.account.provider_code],
                    p.account.account_number,
                    p.account.account_name,
                    "active",
                    p.account.opened_on,
                    None,
                    now,
                )
                for i, (pk, p) in enumerate(with_account)
            ],
        )
    return len(people)


# --- The floor ------------------------------------------------------------------------------

FLOOR_COLUMNS = (
    "id, payment_list_id, line_no, reference, beneficiary_id, commune_id, beneficiary_id_number, "
    "full_name, categories, coefficient, amount_regular, amount_care, amount_arrears, "
    "arrears_months, amount_funeral, amount_carried_over, amount_total, payee_name, "
    "payee_id_number, payee_is_recipient, payee_phone, explanation, channel, provider_id, "
    "account_id, account_number, batch_id, status, failure_code, failure_reason, paid_at, "
    "carried_over_to_id, cannot_compute, cannot_compute_reason, line_kind, care_arrangement_id"
)
# One row per active beneficiary of the units, as a line would be: the person, the categories
# held, the amount (standard level × coefficient), the payee (recipient or the person), the
# account or cash through VNPost. Numbers and order like the generated lines. {table} and {id}
# are filled in: the temporary table and b.id, or the lines table itself and its sequence.
FLOOR_INSERT = f"""
INSERT INTO {{table}} ({FLOOR_COLUMNS})
SELECT
    {{id}},
    %(list)s,
    row_number() OVER (ORDER BY c.code, b.search_name, b.id),
    'TC' || %(yyyymm)s || lpad(b.id::text, 9, '0'),
    b.id,
    b.commune_id,
    b.id_number,
    b.full_name,
    coalesce(k.codes, ''),
    1.50,
    round(%(standard)s * 1.50)::bigint * 1,
    0,
    0,
    '',
    0,
    0,
    round(%(standard)s * 1.50)::bigint * 1,
    coalesce(r.full_name, b.full_name),
    coalesce(r.id_number, b.id_number),
    r.id IS NOT NULL,
    coalesce(r.phone, b.phone),
    coalesce(k.codes, '') || ' × 1,5',
    CASE WHEN a.id IS NULL THEN 'cash' ELSE 'account' END,
    coalesce(a.provider_id, %(cash_provider)s),
    a.id,
    coalesce(a.account_number, ''),
    NULL,
    'pending',
    '',
    '',
    NULL,
    NULL,
    false,
    '',
    'allowance',
    NULL
FROM beneficiaries_beneficiary b
JOIN org_administrativeunit c ON c.id = b.commune_id
LEFT JOIN (
    SELECT bc.beneficiary_id, string_agg(cat.code, ';' ORDER BY cat.sort_order, cat.code) AS codes
    FROM beneficiaries_beneficiarycategory bc
    JOIN beneficiaries_category cat ON cat.id = bc.category_id
    WHERE bc.active
    GROUP BY bc.beneficiary_id
) k ON k.beneficiary_id = b.id
LEFT JOIN beneficiaries_authorizedrecipient r ON r.beneficiary_id = b.id AND r.active
LEFT JOIN accounts_paymentaccount a ON a.beneficiary_id = b.id AND a.status = 'active'
WHERE b.status = 'active' AND c.path LIKE %(path)s
ORDER BY c.code, b.search_name, b.id
LIMIT %(n)s
"""
FLOOR_PROBE_MONTH = datetime.date(2999, 1, 1)


def _floor_params(*, n: int, path_prefix: str, month: datetime.date, list_id: int) -> dict:
    from providers.models import Provider

    return {
        "list": list_id,
        "yyyymm": f"{month:%Y%m}",
        "standard": 500_000,
        "cash_provider": Provider.objects.get(code="VNPOST").pk,
        "path": f"{path_prefix}%",
        "n": n,
    }


def floor_seconds(*, n: int, path_prefix: str, month: datetime.date, list_id: int) -> float:
    """Context for the floor: one INSERT … SELECT of n line-shaped rows into a temporary table
    with the columns of payments_paymentline (no indexes, constraints or WAL)."""
    from django.db import connection

    params = _floor_params(n=n, path_prefix=path_prefix, month=month, list_id=list_id)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        cur.execute(
            f"CREATE TEMP TABLE bench_floor AS SELECT {FLOOR_COLUMNS} "
            "FROM payments_paymentline WHERE false"
        )
        started = time.perf_counter()
        cur.execute(FLOOR_INSERT.format(table="bench_floor", id="b.id"), params)
        elapsed = time.perf_counter() - started
        written = cur.rowcount
        cur.execute("DROP TABLE bench_floor")
    if written != n:
        log(f"floor: wrote {written:,} rows, not {n:,}: fewer active beneficiaries than lines.")
    log(f"floor: INSERT … SELECT of {written:,} rows into a temporary table in {elapsed:.3f}s.")
    return elapsed


def table_floor_seconds(*, n: int, path_prefix: str, unit) -> float:
    """The floor: the same INSERT … SELECT into payments_paymentline itself (its indexes, WAL),
    for a throw-away list, rolled back. Its foreign keys are deferred to the commit, which the
    generation pays: `SET CONSTRAINTS ALL IMMEDIATE` runs those checks inside the timing."""
    from django.db import connection, transaction

    from payments.models import PaymentList, PaymentPeriod

    with transaction.atomic():
        period = PaymentPeriod.objects.create(unit=unit, month=FLOOR_PROBE_MONTH)
        probe = PaymentList.objects.create(period=period)
        params = _floor_params(
            n=n, path_prefix=path_prefix, month=FLOOR_PROBE_MONTH, list_id=probe.pk
        )
        sequence = "nextval(pg_get_serial_sequence('payments_paymentline', 'id'))"
        with connection.cursor() as cur:
            started = time.perf_counter()
            cur.execute(FLOOR_INSERT.format(table="payments_paymentline", id=sequence), params)
            inserted = time.perf_counter() - started
            written = cur.rowcount
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    log(
        f"floor: the same {written:,} rows into payments_paymentline itself (rolled back) "
        f"in {elapsed:.3f}s ({inserted:.3f}s INSERT, {elapsed - inserted:.3f}s foreign keys)."
    )
    return elapsed


# --- Province -------------------------------------------------------------------------------


def bench_month(units) -> datetime.date:
    """Next month; with --keep, the month after the last one generated, so that every run
    times a first generation (regenerating a draft also deletes the old lines)."""
    from django.db.models import Max

    from core.months import add_months
    from payments.models import PaymentPeriod

    month = add_months(this_month(), 1)
    latest = PaymentPeriod.objects.filter(unit__in=units).aggregate(m=Max("month"))["m"]
    return add_months(latest, 1) if latest is not None and latest >= month else month


def bench_province() -> tuple[str, list]:
    from demo.seed import demo_province_ensure
    from payments.services import closing_units, payment_list_generate, payment_period_open

    province = demo_province_ensure(province_code=PROVINCE_CODE)
    units = [u for u in closing_units() if u.path.startswith(province.path)]
    month = bench_month(units)
    periods = [payment_period_open(unit=unit, month=month) for unit in units]
    log(f"generate: {len(periods)} closing units of {province.name}, {month:%m/%Y}.")
    seconds, lines, list_ids, counts = 0.0, 0, [], {}
    for period in periods:
        started = time.perf_counter()
        payment_list = payment_list_generate(period=period)
        elapsed = time.perf_counter() - started
        seconds += elapsed
        lines += payment_list.line_count
        list_ids.append(payment_list.pk)
        counts[period] = payment_list.line_count
        log(f"generate: {period.unit.name}: {payment_list.line_count:,} lines in {elapsed:.3f}s.")
    if not lines:
        raise BenchError("generation wrote no lines: nothing to compare.")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # For context, not in the BENCH line: regenerating a draft replaces its lines.
    largest = max(periods, key=counts.__getitem__)
    started = time.perf_counter()
    payment_list_generate(period=largest)
    log(
        f"regenerate: {largest.unit.name}: {counts[largest]:,} lines replaced in "
        f"{time.perf_counter() - started:.3f}s."
    )
    temp_floor = floor_seconds(n=lines, path_prefix=province.path, month=month, list_id=list_ids[0])
    floor = table_floor_seconds(n=lines, path_prefix=province.path, unit=units[0])
    log(f"floor: generation / temporary-table floor: {seconds / temp_floor:.2f}.")
    return bench_line("payment_list_generate", lines, seconds, floor, peak_mb), periods


def bench_xlsx(url: str, periods) -> str:
    """The largest closed list's official xlsx, timed in its own process (bench.exports) so
    that its peak RSS is the export's own."""
    largest = max(periods, key=lambda period: period.payment_list.line_count)
    log(f"xlsx: the official list of {largest.unit.name} in its own process.")
    done = subprocess.run(
        [sys.executable, "-m", "bench.exports", "--list", str(largest.payment_list.pk)],
        env={**os.environ, "DATABASE_URL": url},
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"bench.exports failed ({done.returncode}).")
    return done.stdout.strip().splitlines()[-1]


# --- Providers ------------------------------------------------------------------------------

MOCK_CONFIG = {
    "viettelpay": {"failure_rate": 0.02, "seed": SEED},
    "vietinbank": {"failure_rate": 0.02, "seed": SEED},
    "vnpost": {"failure_rate": 0.05, "seed": SEED, "window_seconds": 0},
}


def mock_start(folder: Path) -> tuple[subprocess.Popen, str]:
    """The mock providers in their own process, on a free port, with a fresh ledger."""
    from providers.mock.process import free_port, start_mock

    port = free_port()
    try:
        process = start_mock(
            port,
            folder / "mock.sqlite3",
            log=open(folder / "mock.log", "wb"),  # noqa: SIM115
        )
    except RuntimeError as exc:
        raise BenchError(f"the mock providers did not start (see {folder / 'mock.log'}).") from exc
    return process, f"http://127.0.0.1:{port}"


def bench_providers(periods) -> str:
    """Close the province's lists, push every batch to the mock providers (in this process,
    one request per batch), take the results and reconcile each period."""
    from django.conf import settings

    from org.models import User
    from org.roles import list_role_for
    from payments.dispatch import period_settle_inline
    from payments.models import LineStatus
    from payments.services import payment_list_close
    from providers.mock.process import call as mock_call

    for period in periods:
        officer = User.objects.filter(role=list_role_for(period.unit), unit=period.unit).first()
        payment_list_close(period=period, closed_by=officer)
    n = sum(p.payment_list.lines.count() for p in periods)
    folder = Path(tempfile.mkdtemp(prefix="trocap-bench-mock-"))
    process, url = mock_start(folder)
    try:
        mock_call(f"{url}/__mock__/config", MOCK_CONFIG, timeout=60)
        settings.TROCAP_PROVIDERS = {
            code: {**config, "base_url": url, "callback_url": "", "timeout": 300.0}
            for code, config in settings.TROCAP_PROVIDERS.items()
        }
        log(f"providers: pushing {n:,} lines of {len(periods)} lists to the mock at {url}.")
        started = time.perf_counter()
        for period in periods:
            reconciliation = period_settle_inline(period=period, poll_seconds=0)
            if reconciliation.status != "matched":
                raise BenchError(f"{period}: the reconciliation found discrepancies.")
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ledger = mock_call(f"{url}/__mock__/ledger", timeout=120)["count"]
    finally:
        process.terminate()
        process.wait(timeout=20)
    if ledger != n:
        raise BenchError(f"the mock's ledger holds {ledger:,} payments for {n:,} lines.")
    from payments.models import PaymentLine

    final = PaymentLine.objects.filter(
        payment_list__period__in=periods,
        status__in=[LineStatus.PAID, LineStatus.FAILED, LineStatus.UNPAID],
    ).count()
    log(f"providers: {final:,} of {n:,} lines final, the ledger holds {ledger:,} payments.")
    floor = providers_floor_seconds(periods, folder)
    return bench_line("providers_push_reconcile", n, seconds, floor, peak_mb)


def providers_floor_seconds(periods, folder: Path) -> float:
    """The floor: the storage work both sides cannot avoid. The provider writes n rows into a
    ledger shaped like the mock's (one SQLite transaction), and we set n lines' results with
    one UPDATE … FROM (VALUES …) on PostgreSQL (rolled back)."""
    import sqlite3

    from django.db import connection, transaction

    from payments.models import PaymentLine
    from providers.mock.server import SCHEMA

    rows = list(
        PaymentLine.objects.filter(payment_list__period__in=periods).values_list(
            "id", "reference", "account_number", "amount_total", "status"
        )
    )
    db = sqlite3.connect(folder / "floor.sqlite3")
    db.executescript(SCHEMA)
    started = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO ledger (provider, reference, account, amount, status, reason)"
            " VALUES ('FLOOR', ?, ?, ?, ?, '')",
            [(ref, account, amount, status) for _id, ref, account, amount, status in rows],
        )
    provider_side = time.perf_counter() - started
    db.close()
    with transaction.atomic(), connection.cursor() as cur:
        values = ",".join(cur.mogrify("(%s,%s)", (pk, status)).decode() for pk, *_, status in rows)
        started = time.perf_counter()
        cur.execute(
            "UPDATE payments_paymentline l SET status = v.status, paid_at = now()"
            f" FROM (VALUES {values}) AS v(id, status) WHERE l.id = v.id"
        )
        our_side = time.perf_counter() - started
        transaction.set_rollback(True)
    log(
        f"floor: ledger INSERT of {len(rows):,} rows (SQLite) {provider_side:.3f}s + "
        f"UPDATE of {len(rows):,} lines (PostgreSQL) {our_side:.3f}s."
    )
    return provider_side + our_side


# --- Dashboards -----------------------------------------------------------------------------

PAGE_RUNS = 15


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def bench_coverage_page(
    province_code: str, month: datetime.date, name: str, *, whole_country: bool = False
) -> str:
    """Refresh the month's coverage snapshots, then time the province's dashboard as its
    officer sees it (median of PAGE_RUNS renders through the test client), against the floor
    of one aggregate query on the snapshot table for the same province and month."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from beneficiaries.models import Beneficiary
    from org.models import AdministrativeUnit, Role, User
    from reports.coverage import coverage_refresh

    province = (
        AdministrativeUnit.objects.filter(level="province", code=province_code)
        .order_by("-code_version")
        .first()
    )
    started = time.perf_counter()
    rows = coverage_refresh(month=month, unit=None if whole_country else province, register=True)
    where = "the country" if whole_country else province.name
    log(
        f"coverage: {rows:,} snapshot rows of {where} for {month:%m/%Y} refreshed in "
        f"{time.perf_counter() - started:.2f}s."
    )
    officer = User.objects.filter(role=Role.PROVINCE_OFFICER, unit=province).first()
    if officer is None:
        officer = User.objects.create(
            username=f"bench-tinh{province.code}", role=Role.PROVINCE_OFFICER, unit=province
        )
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(officer)
    url = f"/reports/?month={month:%Y-%m}"
    response = client.get(url)  # warm: templates, translations, the first connection
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code}.")
    pages = []
    for _ in range(PAGE_RUNS):
        started = time.perf_counter()
        client.get(url)
        pages.append(time.perf_counter() - started)
    floors = []
    with connection.cursor() as cur:
        for _ in range(PAGE_RUNS):
            started = time.perf_counter()
            cur.execute(
                "SELECT sum(s.active_count), sum(s.with_account_count),"
                " sum(s.paid_account_count), sum(s.paid_cash_count), sum(s.unpaid_count),"
                " sum(s.amount_due), sum(s.amount_paid)"
                " FROM reports_coveragesnapshot s"
                " JOIN org_administrativeunit c ON c.id = s.commune_id"
                " WHERE s.month = %s AND c.path LIKE %s"
                " AND s.provider_code = '' AND s.category_code = ''",
                [month, f"{province.path}%"],
            )
            cur.fetchall()
            floors.append(time.perf_counter() - started)
    scope = Beneficiary.objects.all()
    if not whole_country:
        scope = scope.filter(commune__path__startswith=province.path)
    n = scope.count()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(
        f"coverage: {url} median {_median(pages) * 1000:.0f} ms over {PAGE_RUNS} renders "
        f"(slowest {max(pages) * 1000:.0f} ms)."
    )
    return bench_line(name, n, _median(pages), _median(floors), peak_mb)


# --- National -------------------------------------------------------------------------------


def redis_check(url: str, *, variable: str = "REDIS_URL") -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        raise BenchError(
            f"Redis is not reachable at {url}: {str(exc).rstrip('.')}. Start it "
            f"(e.g. `docker compose up -d redis`) or set {variable}."
        ) from exc


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for row in status:
                if row.startswith(key + ":"):
                    return int(row.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _descendants(root: int) -> set[int]:
    """The processes under root (a prefork worker's pool children), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@dataclass
class RssSampler:
    """Samples VmHWM (peak RSS) of each worker and its children from /proc."""

    roots: list[int]
    interval: float = 0.25
    peaks_kb: dict[int, dict[int, int]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        for root in self.roots:
            peaks = self.peaks_kb.setdefault(root, {})
            for pid in {root} | _descendants(root):
                hwm = _status_kb(pid, "VmHWM")
                if hwm is not None:
                    peaks[pid] = max(peaks.get(pid, 0), hwm)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def peak_mb(self) -> float:
        return max((kb for p in self.peaks_kb.values() for kb in p.values()), default=0) / 1024


def workers_start(n: int, env: dict, logdir: Path) -> list[tuple[subprocess.Popen, Path]]:
    celery = Path(sys.prefix) / "bin" / "celery"
    workers = []
    for i in range(1, n + 1):
        logfile = logdir / f"bench{i}.log"
        with open(logfile, "w") as out:
            process = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "config",
                    "worker",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "-n",
                    f"bench{i}@%h",
                    "-Q",
                    QUEUE,
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        workers.append((process, logfile))
    return workers


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def workers_wait_ready(app, workers, timeout: float = 120) -> None:
    host = socket.gethostname()
    names = {f"bench{i}@{host}" for i in range(1, len(workers) + 1)}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, logfile in workers:
            if process.poll() is not None:
                raise BenchError(
                    f"a Celery worker exited with code {process.returncode}:\n{tail(logfile)}"
                )
        replies = app.control.ping(destination=sorted(names), timeout=1.0) or []
        if names <= {name for reply in replies for name in reply}:
            return
    raise BenchError(f"the Celery workers did not answer within {timeout:.0f}s.")


def workers_stop(workers) -> None:
    """SIGTERM (warm shutdown), wait, then SIGKILL the worker and any pool child left."""
    tree = {process.pid: _descendants(process.pid) for process, _log in workers}
    for process, _log in workers:
        if process.poll() is None:
            process.terminate()
    for process, _log in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for pids in tree.values():
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    if b"celery" not in cmdline.read():
                        continue
                os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


def bench_national(redis_url: str) -> tuple[str, str, datetime.date]:
    from celery.exceptions import TimeoutError as CeleryTimeoutError

    from config.celery import app
    from payments.models import PaymentList
    from payments.services import closing_units, payment_period_open
    from payments.tasks import generate_payment_list

    units = closing_units()
    month = bench_month(units)
    periods = [payment_period_open(unit=unit, month=month) for unit in units]
    log(f"generate: {len(periods)} closing units, {month:%m/%Y}, {WORKERS} Celery workers.")
    with app.connection_for_write() as conn:
        try:
            purged = conn.default_channel.queue_purge(QUEUE) or 0
        except Exception:  # the queue does not exist yet
            purged = 0
    if purged:
        log(f"generate: purged {purged} stale messages from {QUEUE}.")

    env = dict(os.environ)
    env.update(REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="config.settings.dev")
    logdir = Path(tempfile.mkdtemp(prefix="trocap-bench-"))
    workers = workers_start(WORKERS, env, logdir)
    sampler = RssSampler([process.pid for process, _log in workers])
    errors: list[str] = []
    try:
        workers_wait_ready(app, workers)
        sampler.start()
        log(f"generate: workers ready (logs in {logdir}); queueing {len(periods)} tasks.")
        started = time.perf_counter()
        results = [generate_payment_list.apply_async((p.pk,), queue=QUEUE) for p in periods]
        lines = 0
        for done, result in enumerate(results, start=1):
            remaining = RESULT_TIMEOUT_SECONDS - (time.perf_counter() - started)
            value = result.get(timeout=max(remaining, 1), propagate=False)
            if result.failed():
                errors.append(f"task {result.id}: {value!r}")
            elif value.get("error"):
                errors.append(f"period {value['period']}: {value['error']}")
            else:
                lines += value["lines"]
            if done % 5 == 0 or done == len(results):
                log(
                    f"generate: {done}/{len(results)} lists, {lines:,} lines, "
                    f"{time.perf_counter() - started:.1f}s, worker peak {sampler.peak_mb():.0f} MB."
                )
            result.forget()
        seconds = time.perf_counter() - started
    except CeleryTimeoutError as exc:
        raise BenchError(
            f"the lists were not all generated within {RESULT_TIMEOUT_SECONDS / 3600:.0f} h."
        ) from exc
    finally:
        sampler.stop()
        workers_stop(workers)
    for root, peaks in sampler.peaks_kb.items():
        log(
            f"generate: worker {root}: peak RSS per process "
            + ", ".join(f"{pid}={kb / 1024:.0f} MB" for pid, kb in sorted(peaks.items()))
        )
    if errors:
        raise BenchError("generation failed:\n" + "\n".join(errors))
    largest = (
        PaymentList.objects.filter(period__month=month).order_by("-line_count").first().line_count
    )
    log(f"generate: largest closing unit: {largest:,} lines.")
    list_id = PaymentList.objects.filter(period__month=month).values_list("pk", flat=True)[0]
    temp_floor = floor_seconds(n=lines, path_prefix="", month=month, list_id=list_id)
    floor = table_floor_seconds(n=lines, path_prefix="", unit=units[0])
    log(f"floor: generation / temporary-table floor: {seconds / temp_floor:.2f}.")
    line = bench_line("payment_list_generate_national", lines, seconds, floor, sampler.peak_mb())
    biggest = PaymentList.objects.filter(period__month=month).order_by("-line_count").first()
    return line, biggest.period.unit.code, month


# --- Main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--national",
        action="store_true",
        help="3.3 million beneficiaries over 34 provinces, generated by Celery workers",
    )
    parser.add_argument(
        "--keep", action="store_true", help="reuse the bench database if it is already seeded"
    )
    parser.add_argument(
        "--seed-with",
        choices=["auto", "demo_seed", "copy"],
        default="auto",
        help="--national: how provinces after the first are seeded (auto: COPY when demo_seed "
        f"projects over {DEMO_SEED_BUDGET_SECONDS // 60} minutes)",
    )
    parser.add_argument(
        "--total",
        type=int,
        default=NATIONAL_TOTAL,
        help=f"--national: beneficiaries over the country (default {NATIONAL_TOTAL:,})",
    )
    parser.add_argument("--seed-step", choices=["province", "national"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        url, config = database_url()
        if args.seed_step:
            django_setup(url)
            if args.seed_step == "province":
                seed_province()
            else:
                seed_national(seed_with=args.seed_with, total=args.total)
            return 0
        mode = f"national-{args.total}" if args.national else "province"
        redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
        if args.national:
            os.environ["REDIS_URL"] = redis_url
            redis_check(redis_url)
        needs_seed = database_prepare(config, keep=args.keep, mode=mode)
        django_setup(url)
        migrate()
        if needs_seed:
            seed_in_subprocess(
                "national" if args.national else "province", args.seed_with, args.total
            )
        if args.national:
            line, province_code, month = bench_national(redis_url)
            print(line, flush=True)
            # The largest province's dashboard, the snapshot table holding the whole country.
            print(
                bench_coverage_page(
                    province_code, month, "coverage_page_national", whole_country=True
                ),
                flush=True,
            )
        else:
            line, periods = bench_province()
            print(line, flush=True)
            print(bench_providers(periods), flush=True)
            print(bench_xlsx(url, periods), flush=True)
            print(
                bench_coverage_page(PROVINCE_CODE, periods[0].month, "coverage_page_province"),
                flush=True,
            )
        return 0
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
