"""Thin tasks: sending held boosts and favourites, the sweep for them, and the daily
follower snapshot."""

from __future__ import annotations

from celery import shared_task

from responder.campaigns import services
from responder.queueing import enqueue_now


@shared_task(acks_late=True, ignore_result=True)
def community_action_send(action_id: int) -> None:
    """Send one boost or favourite whose hold is over (safe to run twice)."""
    services.community_action_send(action_id=action_id)


@shared_task(ignore_result=True)
def community_actions_sweep() -> None:
    """Beat: queue every boost or favourite due (a lost task, a dead sender)."""
    for action_id in services.community_actions_due():
        enqueue_now(community_action_send, action_id)


@shared_task(acks_late=True, ignore_result=True)
def follower_snapshot(account_id: int) -> None:
    """Take one account's follower count for today (safe to run twice)."""
    services.follower_snapshot_take(account_id=account_id)


@shared_task(ignore_result=True)
def follower_snapshots_daily() -> None:
    """Beat, daily: a follower snapshot of every account of a running campaign."""
    for account_id in services.campaign_accounts_active():
        enqueue_now(follower_snapshot, account_id)
