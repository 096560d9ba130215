"""Handing a row to the send task."""

from __future__ import annotations

from responder.queueing import enqueue_now


def enqueue_send(outbox_item_id: int, *, countdown: float = 0) -> None:
    """Queue the send task; call it after commit (the row must be visible). A broker
    outage is logged, not raised: the outbox sweep queues the row again once due."""

    if countdown > 0:
        enqueue_now("responder.channels.tasks.outbox_send", outbox_item_id, countdown=countdown)
    else:
        enqueue_now("responder.channels.tasks.outbox_send", outbox_item_id)
