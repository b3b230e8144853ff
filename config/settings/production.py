"""Production: everything from the environment, as docker-compose sets it."""

import logging
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from core.logs import logging_config

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")

# Persistent database connections: a new PostgreSQL connection per request costs a backend
# start and cold caches on every page (docs/benchmarks.md measured p95 about halved).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# JSON lines, one object each, for the log collector (LOG_JSON=0: readable lines); Python's
# warnings too, as lines of the py.warnings logger.
LOGGING = logging_config(
    json=env_bool("LOG_JSON", True), level=os.environ.get("LOG_LEVEL", "INFO").upper()
)
logging.captureWarnings(True)

STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The portal's webhook is signed with a secret of the installation's own, never the demo's.
if TROCAP_PORTAL_WEBHOOK_URL and TROCAP_PORTAL_WEBHOOK_SECRET == "portal-demo-secret":  # noqa: F405
    raise ImproperlyConfigured("Set TROCAP_PORTAL_WEBHOOK_SECRET with TROCAP_PORTAL_WEBHOOK_URL.")
