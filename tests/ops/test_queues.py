"""Queues by kind of work, and the heartbeat each worker leaves per queue."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from responder.celery import app
from responder.ops.models import Heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("responder.channels.tasks.poll_dispatch", "ingest"),
        ("responder.channels.tasks.account_poll", "ingest"),
        ("responder.channels.tasks.outbox_send", "posting"),
        ("responder.channels.tasks.outbox_sweep", "posting"),
        ("workflows.tasks.step_opened_notify", "email"),
        ("workflows.tasks.sla_sweep", "email"),
        ("responder.analytics.tasks.retention_apply", "housekeeping"),
        ("responder.channels.tasks.engagement_refresh", "housekeeping"),
    ],
)
def test_each_kind_of_work_has_its_own_queue(task: str, queue: str) -> None:
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_a_worker_without_queues_named_consumes_all_four() -> None:
    assert set(app.amqp.queues) == {"ingest", "posting", "email", "housekeeping"}


def wait_for_heartbeat(name: str, timeout: float = 20) -> Heartbeat:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beat = Heartbeat.objects.filter(name=name).first()
        if beat is not None:
            return beat
        time.sleep(0.1)
    raise AssertionError(f"no {name} heartbeat within {timeout}s")


def test_a_posting_worker_beats_for_posting_only_and_readiness_says_so(client) -> None:
    from responder.channels.tasks import outbox_sweep, poll_dispatch

    app.loader.import_default_modules()
    app.control.purge()
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", queues=["posting"]
    ):
        poll_dispatch.delay()  # ingest: nobody here takes it
        outbox_sweep.delay()
        beat = wait_for_heartbeat("posting")
    app.control.purge()
    assert beat.task == "responder.channels.tasks.outbox_sweep"
    assert not Heartbeat.objects.filter(name="ingest").exists()
    warnings = {w["check"]: w["detail"] for w in client.get("/readyz").json()["warnings"]}
    assert "heartbeat:posting" not in warnings
    assert warnings["heartbeat:ingest"] == "no worker has taken ingest work yet"


def test_a_task_lands_in_its_own_queue_only() -> None:
    import redis
    from django.conf import settings

    from responder.channels.tasks import outbox_sweep

    app.control.purge()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        outbox_sweep.delay()
        depths = {
            name: client.llen(name) for name in ("ingest", "posting", "email", "housekeeping")
        }
    finally:
        app.control.purge()
    assert depths == {"ingest": 0, "posting": 1, "email": 0, "housekeeping": 0}


def test_each_queue_is_bound_to_its_own_routing_key() -> None:
    bindings = {name: (q.exchange.name, q.routing_key) for name, q in app.amqp.queues.items()}
    assert bindings == {
        name: (name, name) for name in ("ingest", "posting", "email", "housekeeping")
    }
