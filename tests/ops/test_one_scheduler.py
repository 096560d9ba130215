"""Two beat processes, one scheduler: the second stands by and sends nothing until the
first dies, then takes over (responder/ops/beat.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection

from responder.ops.models import Heartbeat, SchedulerLease
from responder.testing.chaos import ROOT, PrivateRedis, _stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SENT = "Sending due task sweep-outbox"


class Beat:
    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.name = name
        self.log = tmp / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "responder",
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={tmp / name}-schedule",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def sent(self) -> int:
        return self.text().count(SENT)


def test_two_beats_send_each_periodic_task_once(tmp_path: Path) -> None:
    broker = PrivateRedis().start()
    s = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}",
        "CELERY_BROKER_URL": broker.url,
        "DJANGO_SETTINGS_MODULE": "tests.ops.beat_settings",
        "BEAT_LEASE_SECONDS": "3",
        "PYTHONPATH": str(ROOT),
    }
    first = second = None
    try:
        first = Beat("first", env, tmp_path)
        wait_for(lambda: first.sent() >= 1, timeout=30, what="the first beat to send")
        second = Beat("second", env, tmp_path)
        wait_for(lambda: "standing by" in second.text(), timeout=30, what="the standby")
        before = first.sent()
        wait_for(lambda: first.sent() >= before + 4, timeout=30, what="more ticks")
        assert second.sent() == 0
        assert "took the scheduler lease" not in second.text()

        _stop(first.proc, sig=9)  # dies without giving the lease up
        sent_by_first = first.sent()
        wait_for(lambda: second.sent() >= 2, timeout=30, what="the standby to take over")
        assert "took the scheduler lease" in second.text()
        _stop(second.proc)  # a clean stop gives the lease up
        total = sent_by_first + second.sent()
        queued = redis.Redis.from_url(broker.url).llen("posting")
        assert queued == total
    finally:
        for beat in (first, second):
            if beat is not None:
                _stop(beat.proc, sig=9)
        broker.stop()
    assert Heartbeat.objects.get(name="beat").holder.endswith(f":{second.proc.pid}")
    assert SchedulerLease.objects.get(name="beat").holder.endswith(f":{second.proc.pid}")
