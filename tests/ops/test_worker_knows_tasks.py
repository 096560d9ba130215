"""A worker started as `make run` and docker-compose start it (`celery -A responder
worker`) knows every task the product schedules, routes or enqueues by name: a task it
does not know is discarded with "Received unregistered task", and its work never
happens (held boosts and favourites never sent, no follower snapshots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from responder.ops.models import Heartbeat
from responder.testing.chaos import PrivateRedis, Worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# A task named in the code, as services enqueue them (responder/queueing.py).
TASK_NAME = re.compile(r"[\"']((?:responder\.\w+|workflows)\.tasks\.\w+)[\"']")


def _named_in_code() -> set[str]:
    names: set[str] = set()
    for package in ("responder", "workflows"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(TASK_NAME.findall(path.read_text()))
    return names


def _registered(log: str) -> set[str]:
    """The task names of the worker's start-up banner ("[tasks]", one "  . name" each)."""
    banner = log[log.index("[tasks]") :]
    names = set()
    for line in banner.splitlines()[1:]:
        if not line.strip():
            break
        names.add(line.strip().removeprefix(". ").split()[0])
    return names


def test_a_worker_knows_every_scheduled_and_routed_task_and_runs_them(tmp_path: Path) -> None:
    redis = PrivateRedis().start()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": redis.url,
        "DJANGO_SETTINGS_MODULE": "responder.settings",
    }
    worker = Worker(name="known", env=env, concurrency=1, pool="solo", log_dir=tmp_path)
    sender = Celery("tasks-driver", set_as_current=False)
    sender.conf.broker_write_url = redis.url
    sender.conf.task_routes = settings.CELERY_TASK_ROUTES
    sender.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        worker.start().wait_ready()
        known = _registered(worker.log.read_text(errors="replace"))
        wanted = (
            {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
            | {name for name in settings.CELERY_TASK_ROUTES if "*" not in name}
            | _named_in_code()
        )
        assert len(wanted) > 15  # the scan found the names
        assert sorted(wanted - known) == []
        # What beat sends every ten seconds to post held boosts and favourites.
        sender.send_task("responder.campaigns.tasks.community_actions_sweep", retry=True)
        wait_for(
            lambda: Heartbeat.objects.filter(
                name="posting", task="responder.campaigns.tasks.community_actions_sweep"
            ).exists(),
            timeout=30,
            what="the worker to run the community actions sweep",
        )
        assert "unregistered task" not in worker.log.read_text(errors="replace")
    finally:
        worker.stop()
        redis.stop()
