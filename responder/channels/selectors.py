"""Reads of the channels app that are more than a one-line query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.channels.models import (
    IngestError,
    OutboxItem,
    OutboxStatus,
    PlatformAccount,
    PostAttempt,
)
from responder.channels.posting.policy import Outcome


def accounts_due_for_poll(*, now: dt.datetime | None = None) -> QuerySet[PlatformAccount]:
    now = now or timezone.now()
    return PlatformAccount.objects.filter(is_active=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )


def accounts_streaming() -> QuerySet[PlatformAccount]:
    return PlatformAccount.objects.filter(is_active=True, stream=True, platform="mastodon")


def account_ingest_errors(*, account: PlatformAccount, limit: int = 50) -> list[IngestError]:
    return list(IngestError.objects.filter(account=account).order_by("-created_at")[:limit])


@dataclass(frozen=True)
class OutboxFailure:
    """Why a reply did not go out: `reason` in the reader's language, and what the
    platform itself said (its own words, untranslated; empty when it said nothing)."""

    reason: str
    platform_said: str


# Outcomes whose row error is the platform's answer (or the network's).
_FROM_THE_PLATFORM = {Outcome.FAILED, Outcome.ERROR, Outcome.RATE_LIMITED}


def outbox_failure(*, item: OutboxItem) -> OutboxFailure:
    """Explain a reply that failed or needs a person, from the row and its last attempt.

    Built when the page is read, so each officer reads it in their own language; the
    worker that recorded the failure ran in none in particular."""
    last = (
        PostAttempt.objects.filter(outbox_item=item)
        .exclude(outcome=Outcome.RETRY_REQUESTED)
        .order_by("-started_at", "-id")
        .values_list("outcome", "http_status")
        .first()
    )
    outcome, status = last if last is not None else ("", None)
    said = item.last_error if outcome in _FROM_THE_PLATFORM else ""
    if item.status == OutboxStatus.NEEDS_ATTENTION:
        if outcome == Outcome.NEEDS_ATTENTION:
            reason = _(
                "Responder cannot tell whether this reply was posted: an earlier attempt "
                "was interrupted and the platform does not show it. Check the conversation "
                "on the platform; retry only if the reply is not there."
            )
        elif outcome in _FROM_THE_PLATFORM:
            reason = _(
                "The platform kept failing, so Responder stopped trying after %(count)d "
                "attempts. Retry when the platform works again."
            ) % {"count": item.attempts}
        else:
            reason = _("Not posted: the case was no longer waiting for this reply.")
    elif status in (401, 403):
        reason = _(
            "The platform refused the account's access. An administrator must renew the "
            "account's token (Administration, platform accounts), then retry."
        )
    elif status in (404, 410):
        reason = _(
            "The post this reply answers is no longer on the platform (deleted, or hidden "
            "from our account). Close the case, or answer the citizen another way."
        )
    elif status in (400, 413, 422):
        reason = _(
            "The platform refused the reply as written. Change the reply, then submit again."
        )
    else:
        reason = _("The platform refused the reply.")
    return OutboxFailure(reason=reason, platform_said=said)


@dataclass(frozen=True)
class HeldReply:
    """A reply waiting out its undo hold: it can still be undone for `seconds_left`."""

    outbox_item_id: int
    case_id: int
    not_before: dt.datetime
    seconds_left: int


def held_replies(*, case_ids: list[int], now: dt.datetime | None = None) -> dict[int, HeldReply]:
    """The replies of these cases still in their undo hold, by case id (one query)."""
    now = now or timezone.now()
    rows = OutboxItem.objects.filter(
        case_id__in=case_ids, status=OutboxStatus.PENDING, not_before__gt=now, kind="reply"
    ).values_list("pk", "case_id", "not_before")
    held: dict[int, HeldReply] = {}
    for pk, case_id, not_before in rows:
        assert not_before is not None  # filtered on
        held[case_id] = HeldReply(
            outbox_item_id=pk,
            case_id=case_id,
            not_before=not_before,
            seconds_left=max(1, int((not_before - now).total_seconds() + 0.999)),
        )
    return held
