from __future__ import annotations

from celery import shared_task
from celery.signals import worker_init


@shared_task(acks_late=True, ignore_result=True)
def outbox_send(outbox_item_id: int) -> None:
    """Post one approved reply, and with it other due replies (a batch; safe to run
    twice: posting is exactly-once)."""
    from responder.channels.posting import outbox_item_send

    outbox_item_send(outbox_item_id=outbox_item_id)


@shared_task(ignore_result=True)
def poll_dispatch() -> None:
    """Beat, every few seconds: queue a poll for each account whose interval is up."""
    from responder.channels.ingest import polls_dispatch

    polls_dispatch()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=150, time_limit=180)
def account_poll(account_id: int) -> None:
    """Poll one account once (safe to run twice: a second poll finds it held)."""
    from responder.channels.ingest import account_poll as account_poll_service

    account_poll_service(account_id=account_id)


@shared_task(ignore_result=True)
def outbox_sweep() -> None:
    """Beat, every few seconds: queue every outbox reply that is due (a lost task, a
    back-off that has run out, a row left sending by a dead worker)."""
    from responder.channels.posting import outbox_sweep as outbox_sweep_service

    outbox_sweep_service()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def engagement_refresh() -> None:
    """Beat, every 15 minutes: read favourites, boosts and replies of recent replies
    (safe to run twice: it stores the latest values)."""
    from responder.channels.engagement import engagement_refresh as engagement_refresh_service

    engagement_refresh_service()


@worker_init.connect
def _language_model_load(**_: object) -> None:
    """Load the language model (about 3 s) when a worker starts, before any fork, so
    the first poll does not pay for it."""
    from responder.inbox.language import language_detect

    language_detect("warm up")
