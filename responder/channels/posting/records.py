"""Step 3, record: what the platform answered, on the rows, their attempts and their
cases; and giving back rows that were claimed but not sent."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q

from responder.channels.connectors.base import PostResult
from responder.channels.models import (
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    PlatformAccount,
    PostAttempt,
)
from responder.channels.posting.claims import _Claim
from responder.channels.posting.enqueue import enqueue_send
from responder.channels.posting.policy import (
    MAX_ATTEMPTS,
    SHORT_COUNTDOWN_SECONDS,
    SYSTEM,
    Outcome,
    backoff_delay,
)
from responder.channels.posting.talk import _Result
from responder.db import rows_update
from responder.fsm import status_transition, status_transition_many
from responder.inbox.models import CaseState
from responder.inbox.transitions import (
    case_lock,
    case_transition,
    case_transition_many,
    cases_lock,
)


def _finish_attempt(
    *, attempt_id: int, now: dt.datetime, outcome: str, error: str = "", status: int | None = None
) -> bool:
    """Close our attempt row; False when the sweep already marked it interrupted (we
    lost the row to another worker)."""
    ours = PostAttempt.objects.filter(pk=attempt_id, finished_at__isnull=True).update(
        outcome=outcome, finished_at=now, error=error[:2000], http_status=status
    )
    if not ours and (error or status):
        # Keep what we learnt on the attempt the sweep closed as interrupted.
        PostAttempt.objects.filter(pk=attempt_id).update(error=error[:2000], http_status=status)
    return bool(ours)


def _attempts_close(*, done: list[tuple[_Claim, _Result, dt.datetime]]) -> None:
    """Close each claim's attempt with its outcome. An attempt the sweep already closed
    as interrupted (we lost the row to another worker) keeps that outcome."""
    open_attempts = set(
        PostAttempt.objects.filter(
            pk__in=[claim.attempt_id for claim, _result, _at in done],
            finished_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    rows_update(
        [
            PostAttempt(pk=claim.attempt_id, outcome=result.outcome, finished_at=at)
            for claim, result, at in done
            if claim.attempt_id in open_attempts
        ],
        ["outcome", "finished_at"],
    )


def _threads_continue(*, sent: list[OutboxItem]) -> None:
    """The next post of each thread that just grew is due now (or at its time)."""
    following = list(
        OutboxItem.objects.filter(
            thread_previous_id__in=[item.pk for item in sent], status=OutboxStatus.PENDING
        ).values_list("pk", flat=True)
    )
    for pk in following:
        transaction.on_commit(partial(enqueue_send, pk))


def _record_posted(*, done: list[tuple[_Claim, _Result, dt.datetime]]) -> dict[int, str]:
    """Record posts in one transaction: the platform's id and URL on each row (`sent_at`
    is when its own call returned), its attempt closed, its case replied."""
    if not done:
        return {}
    by_item = {claim.item_id: (claim, result, at) for claim, result, at in done}
    with transaction.atomic():
        items = list(
            OutboxItem.objects.select_for_update()
            .only("id", "status", "attempts", "case_id", "kind")
            .filter(pk__in=by_item)
            .order_by("pk")
        )
        _attempts_close(done=done)
        sent, arguments = [], []
        for item in items:
            if item.status == OutboxStatus.SENT:
                continue  # another worker recorded the same post first
            _ours, result, at = by_item[item.pk]
            assert result.post is not None
            sent.append(item)
            arguments.append(
                {"external_id": result.post.external_id, "url": result.post.url, "at": at}
            )
        status_transition_many(
            objs=sent,
            name="mark_sent",
            prefix="outbox",
            actor=None,
            via=SYSTEM,
            fields=["external_id", "external_url", "sent_at", "sending_started_at", "last_error"],
            arguments=arguments,
        )
        # An after-hours notice leaves its case as it is (channels/after_hours.py).
        answers = [item for item in sent if item.kind != OutboxKind.NOTICE]
        cases = cases_lock(case_ids=[item.case_id for item in answers])
        replied: dict[int, tuple[dict[str, Any], PostResult]] = {}
        for item in answers:
            case = cases[item.case_id]
            result = by_item[item.pk][1]
            post = result.post
            assert post is not None
            details = {
                "outbox_item": item.pk,
                "external_id": post.external_id,
                "url": post.url,
                "attempts": item.attempts,
                "reconciled": result.outcome == Outcome.FOUND,
            }
            if case.state == CaseState.POST_FAILED:
                # A late answer for a row we had given up on: the reply is out after all.
                case_transition(case=case, name="retry", actor=None, via=SYSTEM, details=details)
            if case.state == CaseState.POSTING and case.pk not in replied:
                replied[case.pk] = (details, post)
        case_transition_many(
            cases=[cases[case_id] for case_id in replied],
            name="mark_replied",
            actor=None,
            via=SYSTEM,
            details=[details for details, _post in replied.values()],
            arguments=[
                {"external_id": post.external_id, "url": post.url}
                for _details, post in replied.values()
            ],
        )
        _threads_continue(sent=sent)
    return dict.fromkeys(by_item, OutboxStatus.SENT)


def _release(*, claims: list[_Claim], until: dt.datetime) -> dict[int, str]:
    """Give back claimed rows we did not call the platform for: pending again from
    `until`, their unstarted attempts removed (they were not attempts)."""
    if not claims:
        return {}
    with transaction.atomic():
        held = list(
            OutboxItem.objects.select_for_update()
            .filter(pk__in=[claim.item_id for claim in claims], status=OutboxStatus.SENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # Still ours only while our attempt is open (the sweep closes it on reclaim).
        ours = PostAttempt.objects.filter(
            pk__in=[claim.attempt_id for claim in claims],
            outbox_item_id__in=held,
            finished_at__isnull=True,
        )
        item_ids = list(ours.values_list("outbox_item_id", flat=True))
        ours.delete()
        items = list(
            OutboxItem.objects.filter(pk__in=item_ids)
            .only("id", "case_id", "status", "attempts", "next_attempt_at", "sending_started_at")
            .order_by("pk")
        )
        status_transition_many(
            objs=items,
            name="release",
            prefix="outbox",
            actor=None,
            via=SYSTEM,
            fields=["next_attempt_at", "sending_started_at", "attempts"],
            arguments=[{"until": until}] * len(items),
        )
    return dict.fromkeys(item_ids, OutboxStatus.PENDING)


def _record_failure(*, claim: _Claim, result: _Result, now: dt.datetime) -> str:
    error = result.error
    message = result.reason or (error.message if error else "")
    status = error.status if error else None
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update().get(pk=claim.item_id)
        ours = _finish_attempt(
            attempt_id=claim.attempt_id,
            now=now,
            outcome=result.outcome,
            error=message,
            status=status,
        )
        if error is not None and error.retry_at is not None:
            # Every row of this account waits for the platform's reset, not just this one.
            PlatformAccount.objects.filter(pk=claim.account_id).filter(
                Q(rate_limit_reset_at__isnull=True) | Q(rate_limit_reset_at__lt=error.retry_at)
            ).update(rate_limit_reset_at=error.retry_at, rate_limit_remaining=0)
        if not ours or item.status != OutboxStatus.SENDING:
            return str(item.status)  # the row moved on without us

        transient = result.outcome in (Outcome.RATE_LIMITED, Outcome.ERROR)
        if transient and claim.attempts < MAX_ATTEMPTS:
            next_at = now + backoff_delay(attempts=claim.attempts)
            if error is not None and error.retry_at is not None and error.retry_at > next_at:
                next_at = error.retry_at
            status_transition(
                obj=item,
                name="back_off",
                prefix="outbox",
                actor=None,
                via=SYSTEM,
                fields=["next_attempt_at", "sending_started_at", "last_error"],
                details={"attempt": claim.attempt_id, "outcome": result.outcome},
                until=next_at,
                error=message,
            )
            delay = (next_at - now).total_seconds()
            if delay <= SHORT_COUNTDOWN_SECONDS:
                transaction.on_commit(lambda: enqueue_send(item.pk, countdown=delay))
            return OutboxStatus.PENDING

        # Given up on a transient error: the page says so in the reader's language
        # (channels.selectors.outbox_failure); the row keeps the platform's own words.
        held = transient or result.outcome == Outcome.NEEDS_ATTENTION
        status_transition(
            obj=item,
            name="hold" if held else "fail",
            prefix="outbox",
            actor=None,
            via=SYSTEM,
            fields=["sending_started_at", "last_error"],
            details={"attempt": claim.attempt_id, "outcome": result.outcome},
            error=message,
        )
        status_value = item.status
        if item.kind == OutboxKind.NOTICE:
            return str(status_value)  # a notice that failed leaves its case as it is
        case = case_lock(case_id=claim.case_id)
        if case.state == CaseState.POSTING:
            case_transition(
                case=case,
                name="fail_post",
                actor=None,
                via=SYSTEM,
                details={
                    "outbox_item": item.pk,
                    "outbox_status": status_value,
                    "error": message,
                    "http_status": status,
                    "attempts": item.attempts,
                },
            )
        return str(status_value)
