"""Thin tasks: sending held boosts and favourites, the sweep for them, and the daily
follower snapshot."""

from __future__ import annotations

from celery import shared_task

from responder.queueing import enqueue_now


@shared_task(acks_late=True, ignore_result=True)
def community_action_send(action_id: int) -> None:
    """Send one boost or favourite whose hold is over (safe to run twice)."""
    from responder.campaigns.services import community_action_send as send

    send(action_id=action_id)


@shared_task(ignore_result=True)
def community_actions_sweep() -> None:
    """Beat: queue every boost or favourite due (a lost task, a dead sender)."""
    from responder.campaigns.services import community_actions_due

    for action_id in community_actions_due():
        enqueue_now(community_action_send, action_id)


@shared_task(acks_late=True, ignore_result=True)
def follower_snapshot(account_id: int) -> None:
    """Take one account's follower count for today (safe to run twice)."""
    from responder.campaigns.services import follower_snapshot_take

    follower_snapshot_take(account_id=account_id)


@shared_task(ignore_result=True)
def follower_snapshots_daily() -> None:
    """Beat, daily: a follower snapshot of every account of a running campaign."""
    from responder.campaigns.services import campaign_accounts_active

    for account_id in campaign_accounts_active():
        enqueue_now(follower_snapshot, account_id)
