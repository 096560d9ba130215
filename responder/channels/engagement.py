"""Reading favourites, boosts and replies of our posted replies, for analytics.

A periodic task asks each platform, in batches per account, for the figures of the
replies posted in the last few days and keeps the latest values (ReplyEngagement).
One account's failure (rate limit, outage, revoked token) never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.utils import timezone

from responder.channels.connectors.base import TransportError
from responder.channels.models import (
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    PlatformAccount,
    ReplyEngagement,
)
from responder.channels.posting import connector_for_account

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 7
BATCH_SIZE = 25  # the smallest of the platforms' batch reads (Bluesky getPosts)
# At most this many replies per account per refresh: the least recently read first.
MAX_PER_ACCOUNT = 1000
# Platforms that report how often a post was quoted (Mastodon does not).
QUOTING_PLATFORMS = frozenset({"bluesky", "x"})


@dataclass
class EngagementRefreshResult:
    updated: int = 0
    errors: dict[int, str] = field(default_factory=dict)  # account id -> last error


def engagement_refresh(
    *,
    days: int = DEFAULT_DAYS,
    batch_size: int = BATCH_SIZE,
    max_per_account: int = MAX_PER_ACCOUNT,
    now: dt.datetime | None = None,
) -> EngagementRefreshResult:
    """Read and store the engagement of replies posted in the last `days` days."""
    now = now or timezone.now()
    result = EngagementRefreshResult()
    items = (
        OutboxItem.objects.filter(
            status=OutboxStatus.SENT, sent_at__gte=now - dt.timedelta(days=days)
        )
        .exclude(external_id="")
        .exclude(kind=OutboxKind.NOTICE)  # engagement is measured on answers, not notices
        .order_by(F("engagement__fetched_at").asc(nulls_first=True), "sent_at")
        .values_list("pk", "account_id", "external_id")
    )
    by_account: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, account_id, external_id in items:
        if len(by_account[account_id]) < max_per_account:
            by_account[account_id].append((pk, external_id))

    for account in PlatformAccount.objects.filter(pk__in=by_account, is_active=True):
        if account.rate_limit_reset_at is not None and account.rate_limit_reset_at > now:
            continue  # the next refresh will do it; posting needs the calls more
        rows = by_account[account.pk]
        session_before: Any = account.session_state
        try:
            connector = connector_for_account(account)
        except TransportError as exc:
            result.errors[account.pk] = exc.message
            continue
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            try:
                figures = connector.engagement(
                    external_ids=[external_id for _, external_id in batch]
                )
            except TransportError as exc:
                result.errors[account.pk] = exc.message
                logger.warning("engagement of %s: %s", account, exc.message)
                if exc.retry_at is not None:
                    PlatformAccount.objects.filter(pk=account.pk).update(
                        rate_limit_reset_at=exc.retry_at
                    )
                break
            result.updated += _engagement_store(account=account, batch=batch, figures=figures)
        close = getattr(connector, "close", None)
        if callable(close):
            close()
        after = getattr(connector, "session_state", None)
        if after is not None and after != session_before:
            account.session_state = after
            account.save(update_fields=["session_state"])
    return result


def _engagement_store(
    *, account: PlatformAccount, batch: list[tuple[int, str]], figures: dict[str, Any]
) -> int:
    """Keep the latest figures of a batch of posts; returns how many were stored."""
    fetched_at = timezone.now()
    records = [
        ReplyEngagement(
            outbox_item_id=pk,
            favourites=figures[external_id].favourites,
            boosts=figures[external_id].boosts,
            replies=figures[external_id].replies,
            quotes=figures[external_id].quotes if account.platform in QUOTING_PLATFORMS else None,
            impressions=figures[external_id].impressions,
            fetched_at=fetched_at,
        )
        for pk, external_id in batch
        if external_id in figures
    ]
    ReplyEngagement.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["outbox_item"],
        update_fields=["favourites", "boosts", "replies", "quotes", "impressions", "fetched_at"],
    )
    return len(records)
