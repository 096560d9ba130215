"""Reads of the channels app that are more than a one-line query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from responder.channels.models import IngestError, PlatformAccount


def accounts_due_for_poll(*, now: dt.datetime | None = None) -> QuerySet[PlatformAccount]:
    now = now or timezone.now()
    return PlatformAccount.objects.filter(is_active=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )


def accounts_streaming() -> QuerySet[PlatformAccount]:
    return PlatformAccount.objects.filter(is_active=True, stream=True, platform="mastodon")


def account_ingest_errors(*, account: PlatformAccount, limit: int = 50) -> list[IngestError]:
    return list(IngestError.objects.filter(account=account).order_by("-created_at")[:limit])
