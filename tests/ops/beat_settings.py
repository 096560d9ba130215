"""Settings for the beat processes of test_one_scheduler.py: one periodic task, sent
twice a second, so duplicates would show within seconds."""

from responder.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "responder.channels.tasks.outbox_sweep", "schedule": 0.5},
}
