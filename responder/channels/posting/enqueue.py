"""Handing a row to the send task."""

from __future__ import annotations


def enqueue_send(outbox_item_id: int, *, countdown: float = 0) -> None:
    """Queue the send task; call it after commit (the row must be visible)."""
    from responder.channels.tasks import outbox_send

    if countdown > 0:
        outbox_send.apply_async(args=(outbox_item_id,), countdown=countdown)
    else:
        outbox_send.delay(outbox_item_id)
