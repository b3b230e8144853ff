"""Settings shared by every environment; values come from the environment.

With nothing configured the app runs on SQLite (var/db.sqlite3) with a Celery worker on a local
filesystem broker. DATABASE_URL switches to PostgreSQL, REDIS_URL to Redis for Celery.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from core.logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TROCAP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "django_structlog",
    "org",
    "beneficiaries",
    "accounts",
    "payments",
    "providers",
    "reports",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First: the latency of the whole answer, and the request id on every line logged for it.
    "core.middleware.RequestMetricsMiddleware",
    "core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "org.middleware.DefaultLanguageMiddleware",
    "org.middleware.RejectNulMiddleware",
    "org.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "org.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A user of a unit the 2025 reform abolished waits to be re-homed (org/middleware.py).
    "org.middleware.AbolishedUnitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A service's refusal that no view caught: a 400 page with its message (core/web.py).
    "core.web.RefusalMiddleware",
    # Last, as axes asks: it answers a locked sign-in (org/lockout.py).
    "axes.middleware.AxesMiddleware",
]

# The largest request body taken at all (org/middleware.py): an import file (10 MB) and its
# form. Each form then checks its own file's limit.
TROCAP_MAX_REQUEST_BYTES = int(os.environ.get("TROCAP_MAX_REQUEST_MB", "12")) * 1024 * 1024

# What a page may load and run: only this app's own files, no inline script, nothing from
# elsewhere (django-csp's CSPMiddleware). Inline style attributes stay allowed (bar widths, the
# coverage colours, htmx's indicator style). TROCAP_CSP replaces the whole policy with a header
# value of its own ("default-src 'self'; ..."); empty: no header.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if "TROCAP_CSP" in os.environ:
    _directives = [part.split() for part in os.environ["TROCAP_CSP"].split(";") if part.strip()]
    CONTENT_SECURITY_POLICY = (
        {"DIRECTIVES": {name: sources for name, *sources in _directives}} if _directives else None
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "org.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        # A kept connection is checked before it is reused (only matters when DB_CONN_MAX_AGE > 0).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process, the worker and the seed share one file: WAL lets readers run while one
    # writer writes, and IMMEDIATE transactions wait for the lock instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DB_JIT", False
):
    # PostgreSQL's JIT compiles a query whose estimated cost is high: tens of milliseconds
    # spent on every page that counts a district (docs/benchmarks.md). The queries here are
    # index lookups and grouped counts that gain nothing from it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in locks after repeated failures (django-axes, org/lockout.py): a username after
# TROCAP_LOGIN_MAX_FAILURES, an address after TROCAP_LOGIN_MAX_FAILURES_PER_IP, for
# TROCAP_LOGIN_LOCK_MINUTES. Axes' backend comes first and refuses a locked sign-in before any
# password is checked, the admin's included.
AUTHENTICATION_BACKENDS = [
    "org.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "org.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("TROCAP_LOGIN_MAX_FAILURES", "5"))
TROCAP_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("TROCAP_LOGIN_MAX_FAILURES_PER_IP", "30"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("TROCAP_LOGIN_LOCK_MINUTES", "15"))
)
# Per username or per address, each on its own (not the pair).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "org.lockout.client_username"
AXES_CLIENT_IP_CALLABLE = "org.lockout.client_ip"
# Attempts while locked are refused, not counted: the lock does not grow.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "org.lockout.lockout_response"
# Failures only: no table of every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True
# No start-up line from every process (web, worker, each manage.py command).
AXES_VERBOSE = False
# A session ends after this long without a request, and when the browser closes.
# The session's expiry moves on with the requests of a signed-in user, at most once a minute
# (org/middleware.py): saving it on every request would be a database write per page.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language, time, formats ----------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and uploaded files (everything served by the app: no CDN) ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production the files are served straight from static/ (whitenoise's finders).
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_FS_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task a killed worker had taken (acks_late) goes back to the queue after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    }
else:
    # A real worker on a local broker: kombu's filesystem transport, a queue in var/celery/.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_FS_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_FS_BROKER_DIR / 'results'}"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # On the 1st at 02:00: children turning 16, students turning 22 → proposals in the queue.
    "propose-age-changes": {
        "task": "beneficiaries.tasks.propose_age_changes",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    # On the configured day: open next month's periods and generate their drafts.
    "open-next-periods": {
        "task": "payments.tasks.open_next_periods",
        "schedule": crontab(
            minute=0, hour=1, day_of_month=os.environ.get("TROCAP_PERIOD_OPEN_DAY", "15")
        ),
    },
    # Every minute: re-queue sent batches a lost worker left behind (submit, poll, reconcile).
    # Decisions the portal has not acknowledged yet and no worker is retrying (one was lost).
    "resend-portal-webhooks": {
        "task": "api.tasks.resend_webhooks",
        "schedule": float(os.environ.get("TROCAP_RESUME_EVERY_SECONDS", "60")),
    },
    # A generation whose worker stopped beating ends as failed (the page offers to try again).
    "fail-stalled-generations": {
        "task": "payments.tasks.fail_stalled_generations",
        "schedule": float(os.environ.get("TROCAP_GENERATION_CHECK_SECONDS", "60")),
    },
    # An import job whose worker stopped beating ends as failed; old uploads are removed.
    "fail-stalled-imports": {
        "task": "beneficiaries.tasks.fail_stalled_import_jobs",
        "schedule": float(os.environ.get("TROCAP_GENERATION_CHECK_SECONDS", "60")),
    },
    "clean-import-files": {
        "task": "beneficiaries.tasks.clean_import_jobs",
        "schedule": crontab(minute=20),
    },
    # An export job whose worker stopped beating ends as failed; files older than a day go.
    "fail-stalled-exports": {
        "task": "org.tasks.fail_stalled_export_jobs",
        "schedule": float(os.environ.get("TROCAP_GENERATION_CHECK_SECONDS", "60")),
    },
    "clean-export-files": {
        "task": "org.tasks.clean_export_jobs",
        "schedule": crontab(minute=40),
    },
    "resume-stalled-batches": {
        "task": "payments.tasks.resume_stalled_batches",
        "schedule": float(os.environ.get("TROCAP_RESUME_EVERY_SECONDS", "60")),
    },
    # Every 5 minutes: provider callbacks whose processing failed are processed again.
    "retry-callback-events": {
        "task": "providers.tasks.retry_callback_events",
        "schedule": float(os.environ.get("TROCAP_CALLBACK_RETRY_SECONDS", "300")),
    },
    # Every night: the register against the national population database.
    "verify-population": {
        "task": "beneficiaries.tasks.verify_population_nightly",
        "schedule": crontab(minute=30, hour=1),
    },
    # Every night: this month's coverage figures of every commune.
    "refresh-coverage": {
        "task": "reports.tasks.refresh_coverage_nightly",
        "schedule": crontab(minute=30, hour=0),
    },
    # Every night: approved changes dated this month or earlier take effect.
    "apply-due-changes": {
        "task": "beneficiaries.tasks.apply_due_changes",
        "schedule": crontab(minute=15, hour=0),
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token first: an unauthenticated call gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, within a byte budget and a nesting depth (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # The application's refusals (core.errors) as {"code", "detail", "errors"}: core/web.py.
    "EXCEPTION_HANDLER": "core.web.api_exception_handler",
}
# The largest JSON body the API decodes (the portal's application is a few KB): over it, 413.
TROCAP_API_MAX_BODY_BYTES = int(os.environ.get("TROCAP_API_MAX_BODY_KB", "1024")) * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Trợ cấp xã hội API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "The register, change records, payment lists and lines, and coverage figures of the"
        " caller's area. Browsers use their session; other systems send"
        " `Authorization: Token <key>` with a key an administrator created for them."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the app itself: no CDN. (Not ReDoc: its page loads web fonts.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DisabilityLevelEnum": "beneficiaries.models.DisabilityLevel"},
}

# --- The one-stop portal -------------------------------------------------------------------
# Where the decision on a portal application is POSTed, signed with HMAC-SHA256 of the body
# (header X-Trocap-Signature: sha256=<hex>); retried with exponential backoff.
TROCAP_PORTAL_WEBHOOK_URL = os.environ.get("TROCAP_PORTAL_WEBHOOK_URL", "")
TROCAP_PORTAL_WEBHOOK_SECRET = os.environ.get("TROCAP_PORTAL_WEBHOOK_SECRET", "portal-demo-secret")
TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("TROCAP_PORTAL_WEBHOOK_MAX_ATTEMPTS", "12"))
TROCAP_PORTAL_WEBHOOK_BACKOFF = float(os.environ.get("TROCAP_PORTAL_WEBHOOK_BACKOFF", "30"))

# --- Domain settings ------------------------------------------------------------------------
# Age for age-dependent coefficients: "first_day" = age on the first day of the month;
# "birthday_month" = a person reaches the new age in the month of their birthday.
TROCAP_AGE_RULE = os.environ.get("TROCAP_AGE_RULE", "first_day")
# The months whose lists may be opened, generated, closed and sent: from
# TROCAP_MONTH_WINDOW_BEFORE months before this month to TROCAP_MONTH_WINDOW_AFTER months after
# (default: last month to next month), never before TROCAP_GO_LIVE_MONTH ("YYYY-MM", optional)
# nor before the first list a unit closed (payments/months.py).
TROCAP_MONTH_WINDOW_BEFORE = int(os.environ.get("TROCAP_MONTH_WINDOW_BEFORE", "1"))
TROCAP_MONTH_WINDOW_AFTER = int(os.environ.get("TROCAP_MONTH_WINDOW_AFTER", "1"))
TROCAP_GO_LIVE_MONTH = os.environ.get("TROCAP_GO_LIVE_MONTH", "")
# How many months before this month a registration may start or a change take effect (the
# arrears cap of payments.calculations.MAX_ARREARS_MONTHS); an initial load may go further back.
TROCAP_BACKDATE_MONTHS = int(os.environ.get("TROCAP_BACKDATE_MONTHS", "36"))
MOCK_PROVIDERS_URL = os.environ.get("MOCK_PROVIDERS_URL", "http://127.0.0.1:8900")
MOCK_PROVIDERS_DB = Path(os.environ.get("MOCK_PROVIDERS_DB", VAR_DIR / "mock_providers.sqlite3"))
# Where the providers reach this application (the callback inbox is under it).
TROCAP_PUBLIC_URL = os.environ.get("TROCAP_PUBLIC_URL", "http://127.0.0.1:8000")
# Where each provider's adapter talks to and with which shared secret (the mocks by default);
# a callback_url is sent to the providers that POST their results back.
TROCAP_PROVIDERS = {
    "VIETTELPAY": {
        "base_url": os.environ.get("VIETTELPAY_URL", MOCK_PROVIDERS_URL),
        "secret": os.environ.get("VIETTELPAY_SECRET", "mock-viettelpay-secret"),
        "timeout": float(os.environ.get("VIETTELPAY_TIMEOUT", "10")),
        "callback_url": os.environ.get(
            "VIETTELPAY_CALLBACK_URL", TROCAP_PUBLIC_URL + "/nha-cung-cap/VIETTELPAY/callback/"
        ),
    },
    "VIETINBANK": {
        "base_url": os.environ.get("VIETINBANK_URL", MOCK_PROVIDERS_URL),
        "secret": os.environ.get("VIETINBANK_SECRET", "mock-vietinbank-secret"),
        "timeout": float(os.environ.get("VIETINBANK_TIMEOUT", "10")),
    },
    "VNPOST": {
        "base_url": os.environ.get("VNPOST_URL", MOCK_PROVIDERS_URL),
        "secret": os.environ.get("VNPOST_SECRET", "mock-vnpost-secret"),
        "timeout": float(os.environ.get("VNPOST_TIMEOUT", "10")),
    },
}

# --- The national population database ------------------------------------------------------
# The verification service (the mock's /population/ by default).
TROCAP_POPULATION = {
    "base_url": os.environ.get("POPULATION_URL", MOCK_PROVIDERS_URL),
    "secret": os.environ.get("POPULATION_SECRET", "mock-population-secret"),
    "timeout": float(os.environ.get("POPULATION_TIMEOUT", "10")),
}
TROCAP_POPULATION_BATCH = int(os.environ.get("TROCAP_POPULATION_BATCH", "500"))
TROCAP_POPULATION_RECHECK_DAYS = int(os.environ.get("TROCAP_POPULATION_RECHECK_DAYS", "30"))
# A registration waits at most this long for the database, then the check is queued.
TROCAP_POPULATION_REGISTRATION_TIMEOUT = float(
    os.environ.get("TROCAP_POPULATION_REGISTRATION_TIMEOUT", "3")
)

# Refresh a month's coverage snapshots after its lists are generated, closed or reconciled
# (the benchmarks turn it off to time the work itself).
TROCAP_COVERAGE_AUTO_REFRESH = os.environ.get("TROCAP_COVERAGE_AUTO_REFRESH", "1") != "0"
# Seconds a refresh waits after the change that asked for it: the changes of those seconds
# (a list generated again and again, closed, reconciled) are refreshed once (reports/tasks.py).
TROCAP_COVERAGE_REFRESH_DELAY = int(os.environ.get("TROCAP_COVERAGE_REFRESH_DELAY", "30"))

# Retries while a provider is down: exponential backoff from `backoff` seconds up to `max`.
TROCAP_PROVIDER_RETRY = {
    "backoff": float(os.environ.get("TROCAP_PROVIDER_RETRY_BACKOFF", "5")),
    "max": float(os.environ.get("TROCAP_PROVIDER_RETRY_MAX", "600")),
    "max_retries": int(os.environ.get("TROCAP_PROVIDER_MAX_RETRIES", "30")),
}
# Seconds between two polls of a batch whose results are not all in (callbacks may be lost).
TROCAP_PROVIDER_POLL_SECONDS = float(os.environ.get("TROCAP_PROVIDER_POLL_SECONDS", "30"))
# A sent batch nothing has touched for this long is re-queued by resume_stalled_batches.
TROCAP_BATCH_STALL_SECONDS = float(os.environ.get("TROCAP_BATCH_STALL_SECONDS", "900"))
# A generation that has not beaten (reported progress) for this long is failed by beat.
TROCAP_GENERATION_STALL_SECONDS = float(os.environ.get("TROCAP_GENERATION_STALL_SECONDS", "300"))
# A generation still waiting for a worker after this long is failed by beat (queued behind a
# whole province's communes it may wait longer than a running one may stay silent).
TROCAP_GENERATION_QUEUE_SECONDS = float(os.environ.get("TROCAP_GENERATION_QUEUE_SECONDS", "3600"))
# Imports (beneficiaries/services/import_jobs.py): the time a file may take to be read, how long
# a job's worker may stay silent before the job fails, and how long stored uploads are kept.
TROCAP_IMPORT_READ_SECONDS = float(os.environ.get("TROCAP_IMPORT_READ_SECONDS", "60"))
TROCAP_IMPORT_STALL_SECONDS = float(os.environ.get("TROCAP_IMPORT_STALL_SECONDS", "120"))
TROCAP_IMPORT_KEEP_HOURS = float(os.environ.get("TROCAP_IMPORT_KEEP_HOURS", "24"))
# Exports (org/exports.py): above this many lines or rows an official list or register export is
# written by a worker (progress on a page, a download when ready), below it in the request; a job
# whose worker stays silent this long fails; its file is kept this long.
TROCAP_EXPORT_INLINE_MAX_ROWS = int(os.environ.get("TROCAP_EXPORT_INLINE_MAX_ROWS", "2000"))
TROCAP_EXPORT_STALL_SECONDS = float(os.environ.get("TROCAP_EXPORT_STALL_SECONDS", "120"))
TROCAP_EXPORT_KEEP_HOURS = float(os.environ.get("TROCAP_EXPORT_KEEP_HOURS", "24"))
# How long an approval's transaction may take between stamping decided_at and committing:
# generation records which changes of this margin before its read it saw (services/snapshot.py).
TROCAP_GENERATION_SNAPSHOT_MARGIN_SECONDS = float(
    os.environ.get("TROCAP_GENERATION_SNAPSHOT_MARGIN_SECONDS", "600")
)
# A verified callback whose processing raised is tried again after 5, 10, 20... minutes (at
# most a day apart), this many times in all (providers.tasks.retry_callback_events).
TROCAP_CALLBACK_RETRY_SECONDS = float(os.environ.get("TROCAP_CALLBACK_RETRY_SECONDS", "300"))
TROCAP_CALLBACK_MAX_ATTEMPTS = int(os.environ.get("TROCAP_CALLBACK_MAX_ATTEMPTS", "10"))
# What the callback inbox takes from a provider (each may set its own in TROCAP_PROVIDERS:
# "callback_max_bytes", "unsigned_callbacks_per_minute"): a larger body is a 413 and is not
# stored; over the count of refused (unsigned) callbacks in a minute, more are counted and
# logged but not stored. A refused one keeps only its first bytes and the hash of the whole.
TROCAP_CALLBACK_MAX_BYTES = int(os.environ.get("TROCAP_CALLBACK_MAX_KB", "1024")) * 1024
TROCAP_CALLBACK_UNSIGNED_PER_MINUTE = int(
    os.environ.get("TROCAP_CALLBACK_UNSIGNED_PER_MINUTE", "30")
)

# --- Logs and metrics -----------------------------------------------------------------------
# One event a line on stderr, with the request id and the event's fields (core/logs.py):
# readable lines here, JSON lines with LOG_JSON=1 (production's default).
LOGGING = logging_config(
    json=env_bool("LOG_JSON", False), level=os.environ.get("LOG_LEVEL", "INFO").upper()
)
configure_structlog()
# Every request gets a request_id (an incoming X-Request-ID is kept: a proxy's id then finds the
# request in both logs); the tasks a request queues log with the same id.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env_bool("TROCAP_TRUST_REQUEST_ID", True)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# /metrics (core/views.py) answers a scraper sending "Authorization: Bearer <this>"; without
# it, only requests from this machine's loopback addresses. Anyone else gets a 404.
TROCAP_METRICS_TOKEN = os.environ.get("TROCAP_METRICS_TOKEN", "")
# The Celery queues whose waiting tasks trocap_celery_queue_depth counts at each scrape.
TROCAP_METRICS_QUEUES = env_list("TROCAP_METRICS_QUEUES", "celery")
# A worker that does not share the web's PROMETHEUS_MULTIPROC_DIR (a container of its own)
# serves its metrics on this port, with the same token rule (0: it does not).
TROCAP_WORKER_METRICS_PORT = int(os.environ.get("TROCAP_WORKER_METRICS_PORT", "0"))

# The embedded default keeps its files (database, queue, uploads) under var/.
if not REDIS_URL:
    for _folder in ("queue", "control", "results"):
        (CELERY_FS_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
VAR_DIR.mkdir(parents=True, exist_ok=True)
