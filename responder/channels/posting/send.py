"""The posting services: send a batch (claim, talk, record), sweep for due rows, note
an officer's retry."""

from __future__ import annotations

import datetime as dt
import logging
import time
from functools import partial

from django.db import transaction
from django.utils import timezone

from responder.channels.connectors.base import Connector
from responder.channels.models import OutboxItem, PostAttempt
from responder.channels.posting.claims import _Claim, _due_rows, _upcoming_rows, outbox_claim
from responder.channels.posting.enqueue import enqueue_send
from responder.channels.posting.policy import (
    BATCH_SIZE,
    BATCH_TIME_SHARE,
    RECORD_EVERY,
    SCHEDULE_AHEAD,
    SCHEDULE_SLICE_SECONDS,
    SWEEP_BATCH,
    SWEEP_GRACE,
    Outcome,
    backoff_delay,
    stuck_after,
)
from responder.channels.posting.records import _record_failure, _record_posted, _release
from responder.channels.posting.talk import _Result, _talk_safely

# The package's logger, as before it was split into modules.
logger = logging.getLogger("responder.channels.posting")


def outbox_item_send(*, outbox_item_id: int | None) -> str:
    """Post one outbox reply if it is due, exactly once, and with it other due replies
    (a batch, see `outbox_claim`). Safe to call twice at once and after a crash. Returns the
    row's status afterwards ("skipped" when the row was not ours to send now: not due,
    held by another worker, or already done)."""
    claims = outbox_claim(outbox_item_id=outbox_item_id, now=timezone.now())
    statuses = _send(claims=claims)
    return statuses.get(outbox_item_id or 0, "skipped")


def _send(*, claims: list[_Claim]) -> dict[int, str]:
    """Talk to the platform for each claimed row in turn, recording posts every
    RECORD_EVERY rows and failures as they come. After a 429 the account's other rows
    are given back until its reset; past the time budget (well within `stuck_after`,
    so the sweep never takes a row we are about to post) the rest are given back."""
    statuses: dict[int, str] = {}
    if not claims:
        return statuses
    deadline = time.monotonic() + stuck_after().total_seconds() * BATCH_TIME_SHARE
    connectors: dict[int, Connector] = {}
    done: list[tuple[_Claim, _Result, dt.datetime]] = []
    released: set[int] = set()
    for index, claim in enumerate(claims):
        if claim.item_id in released:
            continue
        if index and time.monotonic() > deadline:
            statuses.update(_record_posted(done=done))
            done = []
            rest = [c for c in claims[index:] if c.item_id not in released]
            given_back = _release(claims=rest, until=timezone.now())
            statuses.update(given_back)
            if given_back:  # a task to go on with them (it drains the rest)
                transaction.on_commit(partial(enqueue_send, min(given_back)))
            break
        result = _talk_safely(claim=claim, connectors=connectors)
        now = timezone.now()
        if result.post is not None:
            logger.info("outbox item %s posted as %s", claim.item_id, result.post.external_id)
            done.append((claim, result, now))
            if len(done) >= RECORD_EVERY:
                statuses.update(_record_posted(done=done))
                done = []
            continue
        status = _record_failure(claim=claim, result=result, now=now)
        statuses[claim.item_id] = status
        logger.warning(
            "outbox item %s: %s (%s) -> %s",
            claim.item_id,
            result.outcome,
            result.reason or (result.error.message if result.error else ""),
            status,
        )
        if result.outcome == Outcome.RATE_LIMITED:
            # The account's other rows would be refused too: not called, not attempts.
            retry_at = result.error.retry_at if result.error else None
            until = retry_at or now + backoff_delay(attempts=1)
            same = [c for c in claims[index + 1 :] if c.account_id == claim.account_id]
            statuses.update(_release(claims=same, until=until))
            released.update(c.item_id for c in same)
    statuses.update(_record_posted(done=done))
    return statuses


def outbox_due_ids(
    *,
    now: dt.datetime | None = None,
    limit: int = SWEEP_BATCH,
    grace: dt.timedelta = SWEEP_GRACE,
    stuck: dt.timedelta | None = None,
) -> list[int]:
    """Rows to send now: pending and due (for `grace` already, and their account not
    rate limited), or sending for longer than a live worker could take."""
    return [pk for pk, _crashed in _due_rows(now=now, limit=limit, grace=grace, stuck=stuck)]


def outbox_sweep(
    *,
    now: dt.datetime | None = None,
    limit: int = SWEEP_BATCH,
    grace: dt.timedelta = SWEEP_GRACE,
    stuck: dt.timedelta | None = None,
    inline: bool = False,
) -> int:
    """Queue (or, with `inline`, send here) every outbox row that is due: new rows
    whose task was lost, backed-off rows whose time has come, rows left `sending` by a
    dead worker. Returns how many rows were due. A send drains up to BATCH_SIZE due
    rows, so one task is queued per BATCH_SIZE pending rows, and one per row left
    sending (only the task of that row reclaims it). Queuing a row twice is harmless:
    the claim lets only one through."""
    rows = _due_rows(now=now, limit=limit, grace=grace, stuck=stuck)
    if inline:
        for pk, _crashed in rows:
            outbox_item_send(outbox_item_id=pk)
        return len(rows)
    pending = [pk for pk, crashed in rows if not crashed]
    for pk in [pk for pk, crashed in rows if crashed] + pending[::BATCH_SIZE]:
        enqueue_send(pk)
    outbox_schedule_upcoming(now=now)
    return len(rows)


def outbox_schedule_upcoming(*, now: dt.datetime | None = None) -> int:
    """Queue the scheduled posts due within SCHEDULE_AHEAD for their own time (tasks
    with an ETA): rows due within the same SCHEDULE_SLICE_SECONDS share tasks at the
    slice's last due time, one task per BATCH_SIZE rows, so that a send claims them all
    the moment they are due. Queued again by the next sweep while still ahead: harmless,
    the claim lets one through. Returns how many tasks were queued."""
    rows = _upcoming_rows(now=now or timezone.now(), ahead=SCHEDULE_AHEAD)
    slices: dict[int, list[tuple[int, dt.datetime]]] = {}
    for pk, due in rows:
        slices.setdefault(int(due.timestamp() // SCHEDULE_SLICE_SECONDS), []).append((pk, due))
    queued = 0
    for members in slices.values():
        eta = max(due for _pk, due in members)
        for pk, _due in members[::BATCH_SIZE]:
            enqueue_send(pk, eta=eta)
            queued += 1
    return queued


def outbox_retry_requested(*, item: OutboxItem) -> None:
    """Note on the row's history that a person asked for it to be posted again, which
    settles earlier doubt about whether it went out (see `outbox_claim`)."""
    now = timezone.now()
    PostAttempt.objects.create(
        outbox_item=item, started_at=now, finished_at=now, outcome=Outcome.RETRY_REQUESTED
    )
