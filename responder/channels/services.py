"""Writes of the channels app: the outbox, and retrying a failed post (posting itself
lives in the posting package)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts.models import Department, User
from responder.channels.models import OutboxItem, OutboxKind, OutboxStatus
from responder.channels.outgoing import OUTGOING_PLANNERS, OutgoingPlan
from responder.channels.posting import enqueue_send, outbox_retry_requested
from responder.channels.posting.policy import SCHEDULE_AHEAD
from responder.errors import ConflictError
from responder.fsm import status_transition
from responder.inbox.checks import full_reply_text
from responder.inbox.library_services import library_answer_use_record
from responder.inbox.models import Case, Draft, LibraryAnswer
from responder.inbox.services import case_require_officer
from responder.inbox.transitions import case_lock, case_transition


def reply_text_for(*, case: Case, draft: Draft) -> str:
    """The text as posted: the citizen's handle first, so they are notified (the rule
    is responder.inbox.checks.full_reply_text, which the checks measure too)."""
    return full_reply_text(case=case, text=draft.text)


def reply_text(*, case: Case, text: str) -> str:
    """`text` as it would be posted in reply to `case` (the same rule as reply_text_for)."""
    return full_reply_text(case=case, text=text)


def outbox_create(*, case: Case, draft: Draft) -> OutboxItem:
    """Queue the approved draft for posting. Call inside the approving transaction;
    the post itself is started after commit. An outgoing case (a campaign post) is
    planned by its app's planner: one row per post, threads chained, due at its time."""
    planner = OUTGOING_PLANNERS.get(case.source)
    if planner is not None:
        return _outgoing_create(case=case, draft=draft, plan=planner(case, draft))
    # The department's undo hold: a due time on the row, not a sleep (outbox_undo).
    hold = Department.objects.values_list("undo_hold_seconds", flat=True).get(pk=case.department_id)
    due = timezone.now() + dt.timedelta(seconds=hold) if hold else None
    item = OutboxItem.objects.create(
        case=case,
        draft=draft,
        not_before=due,
        next_attempt_at=due or timezone.now(),
        account=case.account,
        text=reply_text_for(case=case, draft=draft),
        in_reply_to_external_id=case.external_id,
        # The officer's private answer goes as a direct message; otherwise the reply
        # keeps the question's visibility.
        visibility="direct" if draft.private_reply else (case.visibility or "public"),
    )
    if draft.library_answer_id is not None:
        LibraryAnswer.objects.filter(pk=draft.library_answer_id).update(
            times_used=F("times_used") + 1
        )
        library_answer_use_record(
            answer_id=draft.library_answer_id, question=case.text, language=draft.language
        )

    transaction.on_commit(partial(enqueue_send, item.pk, countdown=float(hold)))
    return item


def _outgoing_create(*, case: Case, draft: Draft, plan: OutgoingPlan) -> OutboxItem:
    first: OutboxItem | None = None
    heads: list[OutboxItem] = []
    for thread in plan.threads:
        previous: OutboxItem | None = None
        for post in thread:
            previous = OutboxItem.objects.create(
                case=case,
                draft=draft,
                kind=OutboxKind.POST,
                account=case.account,
                text=post.text.strip(),
                language=post.language,
                media=post.media,
                in_reply_to_external_id="",
                visibility="public",
                not_before=plan.not_before,
                next_attempt_at=plan.not_before or timezone.now(),
                thread_previous=previous,
            )
            if first is None:
                first = previous
            if previous.thread_previous_id is None:
                heads.append(previous)
    if first is None:
        raise ConflictError(_("There is nothing to post."), code="nothing_to_post")
    # Due now, or soon: queued for its own time (an absolute ETA, however long this
    # transaction takes to commit). Later: the sweep queues it when it comes close.
    due = plan.not_before
    if due is None or due <= timezone.now() + SCHEDULE_AHEAD:
        for head in heads:
            transaction.on_commit(partial(enqueue_send, head.pk, eta=due))
    return first


def outbox_retry(*, case: Case, actor: Any, via: str) -> OutboxItem:
    """Put the case's failed reply back in line, keeping its idempotency key so the
    platform cannot end up with two posts."""
    item = (
        OutboxItem.objects.select_for_update()
        .filter(case=case, status__in=[OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION])
        .exclude(kind=OutboxKind.NOTICE)  # a failed after-hours notice is not retried
        .order_by("-created_at")
        .first()
    )
    if item is None:
        raise ConflictError(_("There is no failed reply to retry."), code="nothing_to_retry")
    status_transition(
        obj=item,
        name="retry",
        prefix="outbox",
        actor=actor,
        via=via,
        fields=["next_attempt_at", "sending_started_at"],
        now=timezone.now(),
    )
    # The officer's decision settles any doubt about earlier attempts (see the posting package).
    outbox_retry_requested(item=item)

    transaction.on_commit(lambda: enqueue_send(item.pk))
    return item


def case_retry_post(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Post a failed reply again (the same outbox row and idempotency key)."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        case = case_transition(case=case, name="retry", actor=actor, via=via)
        outbox_retry(case=case, actor=actor, via=via)
        return case


def outbox_held_lock(*, case_id: int) -> OutboxItem | None:
    """Lock the case's latest reply row (None: it has none), for an undo. Lock it
    before the case, as the posting claim does (row, then case): a claim that holds
    the row makes us wait and then see it posting; once we hold it, the claim skips
    it. `outbox_held_require` then says whether it may still be undone."""
    return (
        OutboxItem.objects.select_for_update(of=("self",))
        .filter(case_id=case_id, kind=OutboxKind.REPLY)
        .order_by("-created_at", "-id")
        .first()
    )


def outbox_held_require(*, item: OutboxItem | None, now: dt.datetime) -> OutboxItem:
    """The locked reply, if it is still in its undo hold; else ConflictError (nothing
    changed). After the hold's due time it is too late, whatever a worker has done
    yet, so an undo and a post can never both happen."""
    if item is None:
        raise ConflictError(_("There is no reply to undo."), code="nothing_to_undo")
    if item.status == OutboxStatus.UNDONE:
        raise ConflictError(_("This reply was already undone."), code="already_undone")
    if item.status != OutboxStatus.PENDING or item.not_before is None or item.not_before <= now:
        raise ConflictError(_("Too late to undo: it is being posted."), code="too_late")
    return item


def outbox_undo(*, item: OutboxItem, actor: Any, via: str) -> OutboxItem:
    """Undo a held reply locked by `outbox_held_lock`: it will never be posted."""
    status_transition(obj=item, name="undo", prefix="outbox", actor=actor, via=via)
    return item
