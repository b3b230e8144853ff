"""Dates and times of the reports app in local time (Asia/Ho_Chi_Minh)."""

import datetime

import pytest

from reports.models import ExportLog

EARLY_MORNING = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=datetime.UTC)  # 05/12 06:30 local


@pytest.mark.django_db
def test_export_log_entry_names_its_local_time(officers):
    entry = ExportLog.objects.create(user=officers["commune"], what="register")
    ExportLog.objects.filter(pk=entry.pk).update(created_at=EARLY_MORNING)
    entry.refresh_from_db()
    assert str(entry).endswith("05/12/2026 06:30")
