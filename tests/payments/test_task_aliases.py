"""The dispatch tasks moved from providers.tasks to payments.tasks: for one release the old names
stay registered, and a message queued under an old name runs the new task."""

import pytest
from django.conf import settings

from config.celery import app
from payments import tasks

OLD_TO_NEW = {
    "providers.tasks.submit_batch": "payments.tasks.submit_batch",
    "providers.tasks.poll_batch": "payments.tasks.poll_batch",
    "providers.tasks.reconcile_period": "payments.tasks.reconcile_period",
    "providers.tasks.resume_stalled_batches": "payments.tasks.resume_stalled_batches",
}


@pytest.mark.parametrize(("old", "new"), OLD_TO_NEW.items())
def test_the_old_name_is_registered_and_queues_the_new_task(old, new, monkeypatch):
    app.loader.import_default_modules()
    assert old in app.tasks and new in app.tasks
    queued = []
    new_task = app.tasks[new]
    monkeypatch.setattr(
        new_task, "delay", lambda *args, **kwargs: queued.append((args, kwargs)) or _Result()
    )
    args = () if new.endswith("resume_stalled_batches") else (42,)
    # As a worker runs a message that names the old task.
    app.tasks[old].apply(args=args).get()
    assert queued == [(args, {})]


def test_beat_uses_the_new_names():
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "payments.tasks.resume_stalled_batches" in names
    assert not names & set(OLD_TO_NEW)
    assert set(tasks.OLD_TASK_NAMES) == set(OLD_TO_NEW)


class _Result:
    id = "queued"
