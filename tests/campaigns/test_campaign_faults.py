"""The issue's fault test at full size: 510 scheduled campaign posts on three accounts
(Mastodon, Bluesky, X, simulated over HTTP), threads of five posts in English and in
French, posted by two real Celery workers that are SIGKILLed at seeded points while
the (private) Redis broker restarts: each post leaves exactly once, none before its
time, and each thread in order."""

from __future__ import annotations

import collections
import datetime as dt
import os
import random
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from responder.campaigns import services as campaigns
from responder.campaigns.models import CampaignPost
from responder.channels.models import OutboxItem, OutboxStatus
from responder.testing.chaos import PrivateRedis, Worker
from tests.campaigns.conftest import sim_posts
from workflows.models import ApprovalStep, StepStatus
from workflows.services import approval_decide

COMPOSED = 17  # x 3 accounts x (5 English + 5 French posts) = 510 posts
THREAD = 5
SEED = 20261206


@pytest.mark.django_db(transaction=True)
def test_scheduled_posts_leave_once_and_never_early_through_kills_and_a_broker_restart(
    team, world, simulator, tmp_path: Path
):
    rng = random.Random(SEED)
    for n in range(COMPOSED):
        campaigns.campaign_post_compose(
            campaign_id=world.campaign.pk,
            actor=team.officer,
            via="web",
            account_ids=[a.pk for a in world.accounts],
            texts_en=[f"Tip {n}.{k}: renew online. #passport2026" for k in range(THREAD)],
            texts_fr=[f"Astuce {n}.{k} : en ligne. #passeport2026" for k in range(THREAD)],
            scheduled_for=timezone.now() + dt.timedelta(hours=1),
        )
    for step in ApprovalStep.objects.filter(status=StepStatus.OPEN):
        approval_decide(step_id=step.pk, reviewer=team.director, decision="approve", via="web")
    items = list(OutboxItem.objects.values_list("pk", flat=True))
    assert len(items) == COMPOSED * 3 * 2 * THREAD >= 500
    # Bring the schedule close (the same due time on the posts and their outbox rows):
    # a few seconds ahead, so the workers and the sweep see it come due under chaos.
    due = timezone.now() + dt.timedelta(seconds=3)
    CampaignPost.objects.update(scheduled_for=due)
    OutboxItem.objects.update(not_before=due, next_attempt_at=due)

    from responder.celery import app

    app.control.purge()
    redis = PrivateRedis().start()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": redis.url,
        "DJANGO_SETTINGS_MODULE": "tests.channels.fault_settings",
        "DB_CONN_MAX_AGE": "60",
    }
    workers = [Worker(name=f"campw{i}", env=env, concurrency=2, log_dir=tmp_path) for i in (1, 2)]
    sender = Celery("campaign-fault-driver", set_as_current=False)
    sender.conf.broker_write_url = redis.url
    sender.conf.task_routes = app.conf.task_routes
    sender.conf.task_default_queue = app.conf.task_default_queue

    def send(name: str, *args: object) -> None:
        sender.send_task(f"responder.channels.tasks.{name}", args=args, retry=True)

    total = len(items)
    kills = sorted(rng.sample(range(10, total - 50), 6))
    plan = sorted([(k, "kill") for k in kills] + [(rng.randrange(50, total // 2), "redis")])

    def posted_count() -> int:
        return sum(len(v) for v in sim_posts(simulator).values())

    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()
        # Tasks queued early, as approval does: the claim must refuse them until due.
        for pk in items:
            send("outbox_send", pk)
        deadline = time.monotonic() + 120
        last_sweep = 0.0
        while time.monotonic() < deadline:
            posted = posted_count()
            if plan and posted >= plan[0][0]:
                _, action = plan.pop(0)
                if action == "kill":
                    victim = rng.choice(workers)
                    victim.kill()
                    victim.start()
                else:
                    redis.restart()
            now = time.monotonic()
            if now - last_sweep > 1.0:  # what beat does every few seconds
                send("outbox_sweep")
                last_sweep = now
            pending = OutboxItem.objects.filter(pk__in=items).exclude(status=OutboxStatus.SENT)
            if not plan and not pending.exists():
                break
            time.sleep(0.1)
        else:
            statuses = collections.Counter(
                OutboxItem.objects.filter(pk__in=items).values_list("status", flat=True)
            )
            raise AssertionError(f"not settled by the deadline: {statuses}; plan left: {plan}")
    finally:
        for worker in workers:
            worker.kill()
        redis.stop()

    # The chaos really happened (the seed makes this stable).
    assert sum(worker.starts for worker in workers) == 2 + len(kills)
    posted = sim_posts(simulator)
    for platform, posts in posted.items():
        texts = collections.Counter(p["text"] for p in posts)
        assert len(posts) == COMPOSED * 2 * THREAD, platform
        assert set(texts.values()) == {1}, (platform, texts)
    rows = {
        row.pk: row for row in OutboxItem.objects.select_related("account").filter(pk__in=items)
    }
    # What each post answers on its platform (the proof of order: a reply can only be
    # made to a post that exists).
    answers = {
        "mastodon": {p["text"]: p["in_reply_to_id"] for p in posted["mastodon"]},
        "x": {p["text"]: p["in_reply_to_id"] for p in posted["x"]},
        "bluesky": {p["text"]: p["reply_parent"] for p in posted["bluesky"]},
    }
    for row in rows.values():
        assert row.status == OutboxStatus.SENT
        assert row.sent_at >= due  # none early
        first_attempt = row.post_attempts.order_by("started_at").first()
        assert first_attempt is not None and first_attempt.started_at >= due
        previous = rows.get(row.thread_previous_id or 0)
        # In order: each later post of a thread answers the one before it.
        expected = previous.external_id if previous else None
        assert answers[row.account.platform][row.text] == expected, row
