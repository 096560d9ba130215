from __future__ import annotations

from collections.abc import Iterator

import pytest

from responder.ops import heartbeat


@pytest.fixture(autouse=True)
def _fresh_heartbeat_throttle() -> None:
    """Workers write a heartbeat at most every few seconds per queue and process; each
    test starts as a fresh process would (its database starts empty too)."""
    heartbeat._last_beat.clear()


@pytest.fixture(autouse=True)
def _every_queue_consumed_again() -> Iterator[None]:
    """`start_worker(queues=[...])` narrows the app's own list of queues it consumes
    (and purges): put all of them back, so later tests' workers and purges see all."""
    yield
    from responder.celery import app

    app.amqp.queues._consume_from = None
