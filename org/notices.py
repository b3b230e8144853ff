"""Background notices: a short line some pages show while work goes on behind them.

A higher layer registers a source (a callable `(*, user) -> str | None`, the text already
translated, or None when it has nothing to say); the pages that want the notices (the
dashboards, the payment lists) show them with `{% background_notices %}` (org/templatetags).
The demo registers the progress of its payment history, built by the worker after `make run`
(demo/progress.py), so that org, reports and payments never import demo."""

from __future__ import annotations

from collections.abc import Callable

NoticeSource = Callable[..., "str | None"]

_sources: list[NoticeSource] = []


def background_notice_register(source: NoticeSource) -> None:
    """Add a source of notices (once, however often it is registered)."""
    if source not in _sources:
        _sources.append(source)


def background_notices(*, user) -> list[str]:
    """What every registered source has to say now, in the order they were registered."""
    return [notice for source in _sources if (notice := source(user=user))]
