"""Step 1, claim: lock due rows, mark them sending, open an attempt each, and move
their cases approved -> posting, in one transaction. Also which rows are due."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.channels.models import (
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    PlatformAccount,
    PostAttempt,
)
from responder.channels.posting.policy import (
    AMBIGUOUS,
    BATCH_SIZE,
    SYSTEM,
    Outcome,
    stuck_after,
)
from responder.fsm import status_transition, status_transition_many
from responder.inbox.models import CaseState
from responder.inbox.transitions import case_transition_many, cases_lock


@dataclass(frozen=True)
class _Claim:
    account: PlatformAccount
    item_id: int
    attempt_id: int
    case_id: int
    account_id: int
    text: str
    in_reply_to_id: str
    visibility: str
    idempotency_key: str
    # Attempts since an officer last asked to retry (the back-off and give-up count).
    attempts: int
    # When the first attempt whose outcome we never learnt started (None: no such).
    ambiguous_since: dt.datetime | None
    reclaimed: bool
    # An outgoing post (not a reply): posted with `post`, with its images uploaded.
    kind: str = "reply"
    media: tuple[dict[str, str], ...] = ()
    language: str = ""


def _due(*, now: dt.datetime, grace: dt.timedelta = dt.timedelta(0)) -> Q:
    """Pending rows due (for `grace` already) whose account is not rate limited, not
    scheduled later, and not waiting for the earlier post of their thread."""
    return (
        Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now - grace)
        & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        & (Q(thread_previous__isnull=True) | Q(thread_previous__status=OutboxStatus.SENT))
        & (Q(account__rate_limit_reset_at__isnull=True) | Q(account__rate_limit_reset_at__lte=now))
    )


def outbox_claim(
    *, outbox_item_id: int | None, now: dt.datetime, limit: int | None = None
) -> list[_Claim]:
    """Claim the row `outbox_item_id` if it is ours to send now, and other due rows of
    any account not rate limited, up to `limit` rows, the asked-for row first. One
    transaction: rows another worker holds are skipped; ours are marked sending with an
    attempt each, their cases move approved -> posting. Empty when nothing is ours."""
    limit = BATCH_SIZE if limit is None else limit
    wanted = _due(now=now)
    order: list[Any] = ["next_attempt_at", "id"]
    if outbox_item_id is not None:
        wanted |= Q(pk=outbox_item_id)
        order.insert(0, models.Case(models.When(pk=outbox_item_id, then=0), default=1))
    with transaction.atomic():
        rows = list(
            OutboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(wanted)
            .order_by(*order)[:limit]
        )
        taken, reclaimed = _take(rows=rows, outbox_item_id=outbox_item_id, now=now)
        claimed = _start_cases(taken=taken)
        if not claimed:
            return []
        histories = _histories(
            item_ids=[i.pk for i in claimed if i.attempts or i.status != OutboxStatus.PENDING]
        )
        status_transition_many(
            objs=claimed,
            name="send",
            prefix="outbox",
            actor=None,
            via=SYSTEM,
            fields=["sending_started_at", "attempts"],
            arguments=[{"now": now}] * len(claimed),
        )
        attempts = PostAttempt.objects.bulk_create(
            [PostAttempt(outbox_item_id=item.pk, started_at=now) for item in claimed]
        )
        previous = _thread_previous(claimed)  # a thread's post answers the one before
        claims = []
        for item, attempt in zip(claimed, attempts, strict=True):
            ambiguous_since, count = _history_summary(histories.get(item.pk, []))
            claims.append(
                _Claim(
                    account=item.account,
                    item_id=item.pk,
                    attempt_id=attempt.pk,
                    case_id=item.case_id,
                    account_id=item.account_id,
                    text=item.text,
                    in_reply_to_id=previous.get(item.thread_previous_id or 0, "")
                    or item.in_reply_to_external_id,
                    visibility=item.visibility,
                    idempotency_key=str(item.idempotency_key),
                    attempts=count,
                    ambiguous_since=ambiguous_since,
                    reclaimed=item.pk in reclaimed,
                    kind=item.kind,
                    media=tuple(item.media or ()),
                    language=item.language,
                )
            )
        return claims


def _take(
    *, rows: list[OutboxItem], outbox_item_id: int | None, now: dt.datetime
) -> tuple[list[OutboxItem], set[int]]:
    """Of the locked rows, those to send now, and which of them a dead worker left
    sending (reclaimed: their open attempt is closed as interrupted). The row asked for
    by id may be anything; the others matched `_due`."""
    accounts: dict[int, PlatformAccount] = {}
    taken: list[OutboxItem] = []
    reclaimed: set[int] = set()
    previous = _thread_previous(rows)
    for item in rows:
        # One account object per account, so a rate limit seen on one row holds for all.
        item.account = accounts.setdefault(item.account_id, item.account)
        if item.not_before is not None and item.not_before > now:
            continue  # scheduled later: never early, whoever asks
        if item.thread_previous_id is not None and item.thread_previous_id not in previous:
            continue  # the earlier post of its thread is not out yet
        if item.pk == outbox_item_id:
            if item.status == OutboxStatus.PENDING:
                if item.next_attempt_at > now:
                    continue  # backed off: the sweep brings it back when due
            elif item.status == OutboxStatus.SENDING:
                started = item.sending_started_at
                if started is not None and started > now - stuck_after():
                    continue  # another worker is posting it
                reclaimed.add(item.pk)
                _interrupt(item_id=item.pk, now=now)
            else:
                continue  # sent, failed or waiting for a person
            reset_at = item.account.rate_limit_reset_at
            if reset_at is not None and reset_at > now:
                # Rate limited: wait for the reset without spending a call.
                status_transition(
                    obj=item,
                    name="defer",
                    prefix="outbox",
                    actor=None,
                    via=SYSTEM,
                    fields=["next_attempt_at", "sending_started_at"],
                    until=reset_at,
                )
                continue
        taken.append(item)
    return taken, reclaimed


def _start_cases(*, taken: list[OutboxItem]) -> list[OutboxItem]:
    """Lock the rows' cases and move each approved one to posting (once per case);
    a row whose case is neither is held for a person. Returns the rows to send."""
    if not taken:
        return []
    cases = cases_lock(case_ids=[item.case_id for item in taken])
    starting: dict[int, int] = {}  # case id -> outbox row id
    claimed: list[OutboxItem] = []
    for item in taken:
        case = cases[item.case_id]
        if item.kind == OutboxKind.NOTICE:
            claimed.append(item)  # an after-hours notice: the case waits on, untouched
            continue
        if case.state == CaseState.APPROVED and case.pk not in starting:
            starting[case.pk] = item.pk
        elif item.kind == OutboxKind.POST and case.state == CaseState.REPLIED:
            pass  # another post of the same approved outgoing post went out first
        elif case.state != CaseState.POSTING and case.pk not in starting:
            # Only an approved reply of a case that is posting may go out.
            status_transition(
                obj=item,
                name="hold",
                prefix="outbox",
                actor=None,
                via=SYSTEM,
                fields=["last_error", "sending_started_at"],
                error=_("Not posted: the case is %(state)s, not waiting for this reply.")
                % {"state": case.get_state_display().lower()},
            )
            continue
        claimed.append(item)
    case_transition_many(
        cases=[cases[case_id] for case_id in starting],
        name="start_posting",
        actor=None,
        via=SYSTEM,
        details=[{"outbox_item": item_id} for item_id in starting.values()],
    )
    return claimed


def _thread_previous(rows: list[OutboxItem]) -> dict[int, str]:
    """Platform ids of the sent earlier posts of the threads among `rows`, by row id."""
    wanted = [item.thread_previous_id for item in rows if item.thread_previous_id is not None]
    if not wanted:
        return {}
    return dict(
        OutboxItem.objects.filter(pk__in=wanted, status=OutboxStatus.SENT).values_list(
            "pk", "external_id"
        )
    )


def _interrupt(*, item_id: int, now: dt.datetime) -> None:
    """Close the open attempt of a row found `sending` after its worker died."""
    PostAttempt.objects.filter(outbox_item_id=item_id, finished_at__isnull=True).update(
        finished_at=now,
        outcome=Outcome.INTERRUPTED,
        error="The worker stopped before the platform answered.",
    )


def _histories(*, item_ids: list[int]) -> dict[int, list[tuple[dt.datetime, str]]]:
    """Earlier attempts (start, outcome) of each row, oldest first, in one query."""
    histories: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    if item_ids:
        rows = (
            PostAttempt.objects.filter(outbox_item_id__in=item_ids)
            .order_by("outbox_item_id", "started_at", "id")
            .values_list("outbox_item_id", "started_at", "outcome")
        )
        for item_id, started_at, outcome in rows:
            histories[item_id].append((started_at, outcome))
    return histories


def _history_summary(
    history: list[tuple[dt.datetime, str]],
) -> tuple[dt.datetime | None, int]:
    """(When the first attempt of unknown outcome started, or None; this attempt's
    number), both counted from the officer's last retry request."""
    ambiguous_since: dt.datetime | None = None
    attempts = 1
    for started_at, outcome in history:
        if outcome == Outcome.RETRY_REQUESTED:
            ambiguous_since = None  # an officer decided; earlier doubts are settled
            attempts = 1
            continue
        attempts += 1
        if outcome in AMBIGUOUS and ambiguous_since is None:
            ambiguous_since = started_at
    return ambiguous_since, attempts


def _due_rows(
    *, now: dt.datetime | None, limit: int, grace: dt.timedelta, stuck: dt.timedelta | None
) -> list[tuple[int, bool]]:
    """(id, left sending by a dead worker) of the rows `outbox_due_ids` returns."""
    now = now or timezone.now()
    stuck = stuck_after() if stuck is None else stuck
    due = _due(now=now, grace=grace)
    crashed = Q(status=OutboxStatus.SENDING, sending_started_at__lt=now - stuck)
    rows = (
        OutboxItem.objects.filter(due | crashed)
        .order_by("next_attempt_at", "id")
        .values_list("pk", "status")[:limit]
    )
    return [(pk, status == OutboxStatus.SENDING) for pk, status in rows]


def _upcoming_rows(*, now: dt.datetime, ahead: dt.timedelta) -> list[tuple[int, dt.datetime]]:
    """(id, due time) of the pending first posts of threads scheduled after `now` and
    within `ahead`, soonest first (a thread's later posts follow the earlier ones)."""
    rows = (
        OutboxItem.objects.filter(
            status=OutboxStatus.PENDING,
            thread_previous__isnull=True,
            not_before__gt=now,
            not_before__lte=now + ahead,
        )
        .order_by("not_before", "id")
        .values_list("pk", "not_before")
    )
    return [(pk, due) for pk, due in rows if due is not None]
