"""Tests: the same as base, with a fast password hasher. DATABASE_URL/REDIS_URL still apply."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, TROCAP_POPULATION, TROCAP_PROVIDERS, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "vi"
# No callbacks to whatever listens on :8000 (a developer's `make run`): a test that wants the
# mock's callbacks gives its own callback_url (in its settings, or to a worker process through
# VIETTELPAY_CALLBACK_URL, see tests/workers.py).
TROCAP_PROVIDERS["VIETTELPAY"]["callback_url"] = os.environ.get("VIETTELPAY_CALLBACK_URL", "")
# Nor population checks against it: a test that wants the service starts the mock and says so.
TROCAP_POPULATION["base_url"] = os.environ.get("POPULATION_URL", "http://127.0.0.1:9")

# /metrics wants a token here, so that the test client (from 127.0.0.1, as an officer's browser
# behind nothing would be) is refused like an officer; the tests of the loopback rule unset it.
TROCAP_METRICS_TOKEN = "test-metrics-token"
# No request_started/request_finished line for each of the suite's requests (a test that reads
# them lowers the level itself).
LOGGING["loggers"]["django_structlog.middlewares"] = {"level": "WARNING"}

# The suite's months are fixed dates (around 12/2026), not months relative to the day it runs:
# a wide window keeps them valid. The tests of the window (tests/payments/test_month_window.py)
# set it back to the default.
TROCAP_MONTH_WINDOW_BEFORE = int(os.environ.get("TROCAP_MONTH_WINDOW_BEFORE", "1200"))
TROCAP_MONTH_WINDOW_AFTER = int(os.environ.get("TROCAP_MONTH_WINDOW_AFTER", "1200"))
# Likewise the registrations' fixed start months (tests/beneficiaries/test_month_bounds.py sets
# the default back).
TROCAP_BACKDATE_MONTHS = int(os.environ.get("TROCAP_BACKDATE_MONTHS", "1200"))

# A refresh runs as soon as a worker takes it (the browser tests read its figures).
TROCAP_COVERAGE_REFRESH_DELAY = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests start real worker processes that must read the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}

from .base import CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL  # noqa: E402

if not REDIS_URL:
    # Tests get their own local queue, so a `make run` worker never takes a test's task.
    _queue = VAR_DIR / "test-celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "control_folder": str(_queue / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_queue / 'results'}"
    for _folder in ("queue", "control", "results"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
