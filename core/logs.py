"""Log lines: one event per line, with the request id and the event's identifiers as fields.

The domain code logs through the standard library (`logging.getLogger(__name__)`, identifiers
in `extra={...}`); django-structlog logs through structlog (request_started/finished with the
request id, the Celery task events). Both end in one `structlog.stdlib.ProcessorFormatter`:
the standard library's records go through `foreign_pre_chain` (the request id and the other
context variables, the `extra` fields, level, logger name, timestamp), structlog's own events
through the chain `configure_structlog` sets. The last step renders: JSON, one object a line,
in production (`json=True`); `key=value` lines for people to read otherwise.

The settings call these (config/settings/base.py and production.py); this module uses no app.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def _shared_processors() -> list:
    """What every line gets, whoever logged it."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_structlog() -> None:
    """structlog's own loggers (django-structlog's) hand their events to the standard library,
    so the handlers and levels of LOGGING apply to them too."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def formatter(*, json: bool) -> logging.Formatter:
    """The one formatter: JSON lines, or readable lines (in colour only on a terminal)."""
    if json:
        render: list = [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ]
    else:
        render = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(),
                # A plain traceback: rich's would print the frames' local variables, and those
                # may hold a person's numbers.
                exception_formatter=structlog.dev.plain_traceback,
            )
        ]
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
    )


def logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    """Django's LOGGING: every logger to stderr through `formatter(json=json)`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {"()": "core.logs.formatter", "json": json},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own default handlers (console when DEBUG, the runserver's) would print
            # its lines a second time in their own format: one handler for everything.
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.db.backends": {"level": "INFO"},
            # django-structlog logs every request (request_started, request_finished): the
            # development server's own access line says the same.
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
