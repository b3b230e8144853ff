"""auto_refresh_paused: no coverage refresh is queued for the changes made in the block."""

import datetime
from types import SimpleNamespace

import pytest

from reports import tasks

pytestmark = pytest.mark.django_db


def test_no_refresh_is_queued_inside_the_block(settings, django_capture_on_commit_callbacks):
    settings.TROCAP_COVERAGE_AUTO_REFRESH = True
    period = SimpleNamespace(month=datetime.date(2026, 12, 1), unit_id=1)
    with django_capture_on_commit_callbacks() as callbacks, tasks.auto_refresh_paused():
        tasks.refresh_later(period)
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        tasks.refresh_later(period)
    assert len(callbacks) == 1
