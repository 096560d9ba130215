"""Posting outbox replies to platforms, exactly once.

One send is three short steps, so that no transaction is open while we wait for a
platform and no platform call is made from inside one. A send works on a batch: the
row its task names (when it is ours to send now) and other due rows, up to
BATCH_SIZE, so that replies approved together cost a few queries each, not a dozen.

1. **claim** (one transaction): lock the rows, skipping rows another worker holds;
   mark them sending, count the attempts, record a PostAttempt each, and move their
   cases approved -> posting (one audit event each). Commit. From here a crash leaves
   the rows `sending`.
2. **talk** (no transaction), row by row: post with the row's idempotency key, or
   first ask the platform whether an earlier attempt whose outcome we never learnt
   got through. After a 429 the account's remaining rows are given back, uncalled and
   uncounted, until the platform's reset; so are all remaining rows once the batch has
   used its share of `stuck_after`, so the sweep never takes a row still to be posted.
3. **record** (one transaction every RECORD_EVERY posts, and at the end): the
   platform's id and URL on the rows and the cases (replied); errors are recorded as
   they come: back off and try later (transient), fail the case with the platform's
   message (permanent), or flag it for a person (undecidable).

A row found still `sending` long after its claim (the worker died mid-call) is
reconciled by the sweep: we ask the platform whether our reply exists before posting
again, and post again only where the platform's idempotency protects us (Mastodon
keeps an Idempotency-Key about an hour; a Bluesky record key forever) or where the
check is authoritative (X, our own recent tweets). Otherwise the row goes to "needs
attention" and its case to post_failed, with the reason in `last_error`: an officer
checks the platform and, with `case_retry_post`, confirms that it should be posted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.channels.connectors.base import Connector, PostResult, TransportError
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
from responder.inbox.models import CaseState
from responder.inbox.transitions import (
    case_lock,
    case_transition,
    case_transition_many,
    cases_lock,
    rows_update,
)

logger = logging.getLogger(__name__)

SYSTEM = "system"
# Mastodon keeps an Idempotency-Key for about an hour; leave a margin.
DEFAULT_KEY_LIFETIME = dt.timedelta(minutes=50)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
# Transient failures in a row before a person is asked to look (about 4 hours).
MAX_ATTEMPTS = 30
# Backed-off retries due within this long are queued with a countdown; later ones are
# left to the sweep (long countdowns are redelivered by Redis' visibility timeout).
SHORT_COUNTDOWN_SECONDS = 30.0
SWEEP_BATCH = 500
# A pending row is queued after commit; the sweep only picks it up once it has been
# due for this long, so it rarely queues a second task for a row already queued.
SWEEP_GRACE = dt.timedelta(seconds=5)
# Rows one send claims at once (its own and other due ones), and posts recorded
# together (a crash loses at most this many records; the sweep reconciles them).
BATCH_SIZE = 50
RECORD_EVERY = 25
# Share of `stuck_after` a batch may spend calling the platform before it gives the
# rest of its rows back.
BATCH_TIME_SHARE = 0.25


class Outcome:
    """`PostAttempt.outcome` values."""

    SENT = "sent"  # posted now
    FOUND = "found"  # an earlier attempt had posted it; the platform told us
    RATE_LIMITED = "rate_limited"  # 429: surely not posted
    ERROR = "error"  # transient error: may or may not have been posted
    FAILED = "failed"  # permanent error
    INTERRUPTED = "interrupted"  # the worker died mid-attempt (found by the sweep)
    NEEDS_ATTENTION = "needs_attention"
    RETRY_REQUESTED = "retry_requested"  # an officer asked to post again


# Outcomes after which the reply may exist on the platform without our knowing.
AMBIGUOUS = {Outcome.ERROR, Outcome.INTERRUPTED}


def stuck_after() -> dt.timedelta:
    """How long a row may stay `sending` before the sweep treats its worker as dead.
    Longer than any connector's HTTP timeout."""
    return dt.timedelta(seconds=float(getattr(settings, "OUTBOX_STUCK_AFTER_SECONDS", 120)))


def backoff_delay(*, attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential back-off with "equal jitter", capped: half fixed, half random."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    rnd = (rng or random).random()
    return dt.timedelta(seconds=ceiling / 2 + rnd * ceiling / 2)


def connector_for_account(account: PlatformAccount) -> Connector:
    from responder.channels.connectors import connector_for

    return connector_for(account)


# Connectors kept per worker thread and account: building one sets up an HTTP client
# (TLS context, connection pool), which costs more than a post. A connector is reused
# only while the account's URL, credentials and saved session are what it was built
# from, so a session another worker refreshed (Bluesky rotates refresh tokens) or a
# new token from the admin form is picked up at once.
_connectors = threading.local()


def _fingerprint(account: PlatformAccount) -> str:
    raw = json.dumps(
        [
            account.platform,
            account.base_url,
            account.credentials_env,
            account.credentials or {},
            account.session_state or {},
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _cached_connector(account: PlatformAccount) -> Connector:
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.setdefault("by_account", {})
    key = _fingerprint(account)
    hit = cache.get(account.pk)
    if hit is not None and hit[0] == key:
        return hit[1]
    if hit is not None:
        _close(hit[1])
    connector = connector_for_account(account)
    cache[account.pk] = (key, connector)
    return connector


def _forget_connector(account_id: int) -> None:
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.get("by_account", {})
    hit = cache.pop(account_id, None)
    if hit is not None:
        _close(hit[1])


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


@dataclass(frozen=True)
class _Result:
    outcome: str
    post: PostResult | None = None
    error: TransportError | None = None
    reason: str = ""


# --- step 1: claim ----------------------------------------------------------------------


def _due(*, now: dt.datetime, grace: dt.timedelta = dt.timedelta(0)) -> Q:
    """Pending rows due (for `grace` already) whose account is not rate limited."""
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now - grace) & (
        Q(account__rate_limit_reset_at__isnull=True) | Q(account__rate_limit_reset_at__lte=now)
    )


def _claim(
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
        accounts: dict[int, PlatformAccount] = {}
        taken: list[OutboxItem] = []
        reclaimed: set[int] = set()
        for item in rows:
            account = accounts.setdefault(item.account_id, item.account)
            if item.pk == outbox_item_id:
                # Matched by id: it may be anything. The others matched `_due`.
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
                reset_at = account.rate_limit_reset_at
                if reset_at is not None and reset_at > now:
                    # Rate limited: wait for the reset without spending a call.
                    item.status = OutboxStatus.PENDING
                    item.next_attempt_at = reset_at
                    item.sending_started_at = None
                    item.save(update_fields=["status", "next_attempt_at", "sending_started_at"])
                    continue
            taken.append(item)
        if not taken:
            return []

        cases = cases_lock(case_ids=[item.case_id for item in taken])
        starting: dict[int, int] = {}  # case id -> outbox row id
        claimed: list[OutboxItem] = []
        for item in taken:
            case = cases[item.case_id]
            if case.state == CaseState.APPROVED and case.pk not in starting:
                starting[case.pk] = item.pk
            elif case.state != CaseState.POSTING and case.pk not in starting:
                # Only an approved reply of a case that is posting may go out.
                item.status = OutboxStatus.NEEDS_ATTENTION
                item.last_error = _(
                    "Not posted: the case is %(state)s, not waiting for this reply."
                ) % {"state": case.get_state_display().lower()}
                item.sending_started_at = None
                item.save(update_fields=["status", "last_error", "sending_started_at"])
                continue
            claimed.append(item)
        case_transition_many(
            cases=[cases[case_id] for case_id in starting],
            name="start_posting",
            actor=None,
            via=SYSTEM,
            details=[{"outbox_item": item_id} for item_id in starting.values()],
        )
        if not claimed:
            return []

        histories = _histories(
            item_ids=[i.pk for i in claimed if i.attempts or i.status != OutboxStatus.PENDING]
        )
        OutboxItem.objects.filter(pk__in=[item.pk for item in claimed]).update(
            status=OutboxStatus.SENDING, sending_started_at=now, attempts=F("attempts") + 1
        )
        attempts = PostAttempt.objects.bulk_create(
            [PostAttempt(outbox_item_id=item.pk, started_at=now) for item in claimed]
        )
        claims = []
        for item, attempt in zip(claimed, attempts, strict=True):
            ambiguous_since, count = _history_summary(histories.get(item.pk, []))
            claims.append(
                _Claim(
                    account=accounts[item.account_id],
                    item_id=item.pk,
                    attempt_id=attempt.pk,
                    case_id=item.case_id,
                    account_id=item.account_id,
                    text=item.text,
                    in_reply_to_id=item.in_reply_to_external_id,
                    visibility=item.visibility,
                    idempotency_key=str(item.idempotency_key),
                    attempts=count,
                    ambiguous_since=ambiguous_since,
                    reclaimed=item.pk in reclaimed,
                )
            )
        return claims


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


# --- step 2: talk to the platform -----------------------------------------------------


def _talk(*, claim: _Claim, connector: Connector, now: dt.datetime) -> _Result:
    lifetime = getattr(connector, "idempotency_key_lifetime", DEFAULT_KEY_LIFETIME)
    reliable_check = bool(getattr(connector, "reply_check_is_reliable", False))
    since = claim.ambiguous_since
    key_protects = since is None or lifetime is None or now - since < lifetime
    try:
        if since is not None and (claim.reclaimed or not key_protects):
            found = connector.find_reply(
                in_reply_to_id=claim.in_reply_to_id,
                idempotency_key=claim.idempotency_key,
                text=claim.text,
            )
            if found is not None:
                return _Result(Outcome.FOUND, post=found)
            if not key_protects and not reliable_check:
                return _Result(
                    Outcome.NEEDS_ATTENTION,
                    reason=_(
                        "We cannot tell whether this reply was posted: an earlier attempt "
                        "was interrupted more than %(minutes)s minutes ago and the platform "
                        "does not show it. Check the conversation on the platform; retry "
                        "only if the reply is not there."
                    )
                    % {"minutes": int((lifetime or DEFAULT_KEY_LIFETIME).total_seconds() // 60)},
                )
        post = connector.post_reply(
            text=claim.text,
            in_reply_to_id=claim.in_reply_to_id,
            visibility=claim.visibility,
            idempotency_key=claim.idempotency_key,
        )
    except TransportError as exc:
        if exc.permanent:
            return _Result(Outcome.FAILED, error=exc)
        outcome = Outcome.RATE_LIMITED if exc.status == 429 else Outcome.ERROR
        return _Result(outcome, error=exc)
    return _Result(Outcome.SENT, post=post)


# --- step 3: record -------------------------------------------------------------------


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


def _record_posted(*, done: list[tuple[_Claim, _Result, dt.datetime]]) -> dict[int, str]:
    """Record posts in one transaction: the platform's id and URL on each row (`sent_at`
    is when its own call returned), its attempt closed, its case replied."""
    if not done:
        return {}
    by_item = {claim.item_id: (claim, result, at) for claim, result, at in done}
    with transaction.atomic():
        items = list(
            OutboxItem.objects.select_for_update()
            .only("id", "status", "attempts", "case_id")
            .filter(pk__in=by_item)
            .order_by("pk")
        )
        # An attempt the sweep already closed as interrupted (we lost the row to
        # another worker) keeps that outcome.
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
        sent = []
        for item in items:
            if item.status == OutboxStatus.SENT:
                continue  # another worker recorded the same post first
            _ours, result, at = by_item[item.pk]
            assert result.post is not None
            item.status = OutboxStatus.SENT
            item.external_id = result.post.external_id
            item.external_url = result.post.url
            item.sent_at = at
            item.sending_started_at = None
            item.last_error = ""
            sent.append(item)
        rows_update(
            sent,
            [
                "status",
                "external_id",
                "external_url",
                "sent_at",
                "sending_started_at",
                "last_error",
            ],
        )
        cases = cases_lock(case_ids=[item.case_id for item in sent])
        replied: dict[int, tuple[dict[str, Any], PostResult]] = {}
        for item in sent:
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
        OutboxItem.objects.filter(pk__in=item_ids).update(
            status=OutboxStatus.PENDING,
            next_attempt_at=until,
            sending_started_at=None,
            attempts=F("attempts") - 1,
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
            item.status = OutboxStatus.PENDING
            item.next_attempt_at = next_at
            item.sending_started_at = None
            item.last_error = message
            item.save(
                update_fields=["status", "next_attempt_at", "sending_started_at", "last_error"]
            )
            delay = (next_at - now).total_seconds()
            if delay <= SHORT_COUNTDOWN_SECONDS:
                transaction.on_commit(lambda: enqueue_send(item.pk, countdown=delay))
            return OutboxStatus.PENDING

        if transient:
            status_value = OutboxStatus.NEEDS_ATTENTION
            message = _("Gave up after %(count)s attempts. Last error: %(error)s") % {
                "count": claim.attempts,
                "error": message,
            }
        elif result.outcome == Outcome.NEEDS_ATTENTION:
            status_value = OutboxStatus.NEEDS_ATTENTION
        else:
            status_value = OutboxStatus.FAILED
        item.status = status_value
        item.sending_started_at = None
        item.last_error = message
        item.save(update_fields=["status", "sending_started_at", "last_error"])
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


def _save_session(*, account: PlatformAccount, before: Any, connector: Connector) -> None:
    after = getattr(connector, "session_state", None)
    if after is None or after == before:
        return
    account.session_state = after
    account.save(update_fields=["session_state"])
    # The connector now matches the saved session: keep it under the new fingerprint.
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.setdefault("by_account", {})
    cache[account.pk] = (_fingerprint(account), connector)


def _close(connector: Any) -> None:
    close = getattr(connector, "close", None)
    if callable(close):
        close()


def enqueue_send(outbox_item_id: int, *, countdown: float = 0) -> None:
    """Queue the send task; call it after commit (the row must be visible)."""
    from responder.channels.tasks import outbox_send

    if countdown > 0:
        outbox_send.apply_async(args=(outbox_item_id,), countdown=countdown)
    else:
        outbox_send.delay(outbox_item_id)


# --- the services ---------------------------------------------------------------------


def outbox_item_send(*, outbox_item_id: int | None) -> str:
    """Post one outbox reply if it is due, exactly once, and with it other due replies
    (a batch, see `_claim`). Safe to call twice at once and after a crash. Returns the
    row's status afterwards ("skipped" when the row was not ours to send now: not due,
    held by another worker, or already done)."""
    claims = _claim(outbox_item_id=outbox_item_id, now=timezone.now())
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


def _talk_safely(*, claim: _Claim, connectors: dict[int, Connector]) -> _Result:
    account = claim.account
    session_before: Any = account.session_state  # connectors copy it, never mutate it
    connector = connectors.get(account.pk)
    try:
        if connector is None:
            connector = connectors[account.pk] = _cached_connector(account)
        result = _talk(claim=claim, connector=connector, now=timezone.now())
    except Exception as exc:
        # A bug or an unexpected library error: it may have struck after the post went
        # out, so it counts as an attempt of unknown outcome and is retried carefully.
        logger.exception("posting outbox item %s failed unexpectedly", claim.item_id)
        _forget_connector(account.pk)
        connectors.pop(account.pk, None)
        return _Result(
            Outcome.ERROR, error=TransportError(f"{exc.__class__.__name__}: {exc}", permanent=False)
        )
    _save_session(account=account, before=session_before, connector=connector)
    return result


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
    return len(rows)


def outbox_retry_requested(*, item: OutboxItem) -> None:
    """Note on the row's history that a person asked for it to be posted again, which
    settles earlier doubt about whether it went out (see `_claim`)."""
    now = timezone.now()
    PostAttempt.objects.create(
        outbox_item=item, started_at=now, finished_at=now, outcome=Outcome.RETRY_REQUESTED
    )
