"""Handing a row to the send task."""

from __future__ import annotations

import datetime as dt

from responder.queueing import enqueue_now


def enqueue_send(
    outbox_item_id: int, *, countdown: float = 0, eta: dt.datetime | None = None
) -> None:
    """Queue the send task; call it after commit (the row must be visible). A broker
    outage is logged, not raised: the outbox sweep queues the row again once due.
    `eta` is an absolute time (a scheduled post: the task runs at the row's own time,
    however long the commit took); `countdown` is relative to now."""

    if eta is not None:
        enqueue_now("responder.channels.tasks.outbox_send", outbox_item_id, eta=eta)
    elif countdown > 0:
        enqueue_now("responder.channels.tasks.outbox_send", outbox_item_id, countdown=countdown)
    else:
        enqueue_now("responder.channels.tasks.outbox_send", outbox_item_id)
