"""Exactly once, whatever fails: approved replies posted by real Celery workers while
the platform answers 429, 500 and drops connections, the workers are SIGKILLed at
random points (seeded) and restarted, and the (private) Redis broker is restarted.
The full-size run is bench/posting_bench.py."""

from __future__ import annotations

import collections
import os
import random
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from responder.channels.models import OutboxItem, OutboxStatus, PostAttempt
from responder.inbox.models import Case, CaseState
from responder.testing.chaos import PrivateRedis, Worker
from responder.testing.outbox import approved_replies_bulk

N = 24
SEED = 20261125
SETTLED = [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION]


def platform_faults(rng: random.Random, count: int) -> list[dict]:
    """One fault per posting request, in a seeded order: mostly slow answers (so that
    kills land mid-request), with 429s, 500s and dropped connections among them."""
    kinds = [{"delay_ms": 120}] * 6 + [
        {"status": 429, "retry_after_seconds": 1, "reset_format": "epoch"},
        {"status": 500},
        {"status": 502},
        {"drop": True},
    ]
    common = {"times": 1, "path_prefix": "/api/v1/statuses", "method": "POST"}
    return [{**rng.choice(kinds), **common} for _ in range(count)]


@pytest.mark.django_db(transaction=True)
def test_replies_are_posted_exactly_once_through_crashes_and_faults(
    team, mastodon_account, simulator, tmp_path: Path
):
    rng = random.Random(SEED)
    case_ids = approved_replies_bulk(team, mastodon_account, simulator, N)
    # Approval queued a task per reply on the test's own broker; those are "lost": the
    # workers below listen on a private Redis, and the sweep must find the rows.
    from responder.celery import app

    app.control.purge()

    redis = PrivateRedis().start()
    db_name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db_name}",
        "CELERY_BROKER_URL": redis.url,
        "DJANGO_SETTINGS_MODULE": "tests.channels.fault_settings",
        "DB_CONN_MAX_AGE": "60",
    }
    # Two workers, so that posting goes on while a killed one comes back.
    workers = [Worker(name=f"faultw{i}", env=env, concurrency=2, log_dir=tmp_path) for i in (1, 2)]
    # Not the current app: the suite's own tasks must keep publishing to its broker
    # after this test (a current app here leaked the dead private Redis into later tests).
    sender = Celery("fault-driver", set_as_current=False)
    # CELERY_BROKER_URL in the environment (the suite's broker) beats a broker= argument;
    # the write URL is what publishing uses.
    sender.conf.broker_write_url = redis.url
    # ...and the same queues as the project's tasks (posting work goes to "posting").
    sender.conf.task_routes = app.conf.task_routes
    sender.conf.task_default_queue = app.conf.task_default_queue

    def send(name: str, *args: object) -> None:
        sender.send_task(f"responder.channels.tasks.{name}", args=args, retry=True)

    for fault in platform_faults(rng, N):
        simulator.fault(**fault)
    # Chaos at seeded points of progress (posts seen on the platform).
    kills = sorted(rng.sample(range(2, N - 4), 3))
    redis_restart_at = rng.randrange(4, N - 6)
    plan = sorted([(k, "kill") for k in kills] + [(redis_restart_at, "redis")])

    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()
        items = list(OutboxItem.objects.filter(case_id__in=case_ids).values_list("pk", flat=True))
        for pk in items:
            send("outbox_send", pk)

        deadline = time.monotonic() + 50
        last_sweep = 0.0
        while time.monotonic() < deadline:
            posted = len(simulator.posts())
            if plan and posted >= plan[0][0]:
                _, action = plan.pop(0)
                if action == "kill":
                    victim = rng.choice(workers)
                    victim.kill()
                    victim.start()  # comes back while the other one goes on
                else:
                    redis.restart()
            now = time.monotonic()
            if now - last_sweep > 1.0:  # what beat does every few seconds
                send("outbox_sweep")
                last_sweep = now
            pending = OutboxItem.objects.filter(pk__in=items).exclude(status__in=SETTLED)
            if not plan and not pending.exists():
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"not settled by the deadline; plan left: {plan}")
    finally:
        for worker in workers:
            worker.kill()
        redis.stop()

    posts = simulator.posts()
    per_question = collections.Counter(p["in_reply_to_id"] for p in posts)
    cases = {c.external_id: c for c in Case.objects.filter(pk__in=case_ids)}
    assert len(posts) == N, per_question
    assert set(per_question) == set(cases)
    assert set(per_question.values()) == {1}
    for post in posts:
        case = cases[post["in_reply_to_id"]]
        assert case.state == CaseState.REPLIED, (case.pk, case.state)
        assert case.reply_external_id == post["id"]
    assert not OutboxItem.objects.filter(pk__in=items).exclude(status=OutboxStatus.SENT).exists()
    outcomes = collections.Counter(
        PostAttempt.objects.filter(outbox_item_id__in=items).values_list("outcome", flat=True)
    )
    # The chaos really happened (the seed makes this stable).
    assert outcomes["sent"] + outcomes["found"] == N
    assert outcomes["error"] + outcomes["rate_limited"] > 0
    assert sum(worker.starts for worker in workers) == 2 + len(kills)
