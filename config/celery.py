"""The Celery application.

With no REDIS_URL the broker is a local filesystem queue under var/ (a real worker process
consumes it, no server needed); with REDIS_URL it is Redis. See config/settings/base.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("trocap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
