from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def outbox_send(outbox_item_id: int) -> None:
    """Post one approved reply (safe to run twice: posting is exactly-once)."""
    from responder.channels.posting import outbox_item_send

    outbox_item_send(outbox_item_id=outbox_item_id)
