"""Posting outbox replies to platforms, exactly once.

One send is three short steps, so that no transaction is open while we wait for a
platform and no platform call is made from inside one:

1. **claim** (one transaction): lock the due outbox row, skipping a row another
   worker holds; mark it sending, count the attempt, record a PostAttempt, and move
   the case approved -> posting. Commit. From here a crash leaves a row `sending`.
2. **talk** (no transaction): post with the row's idempotency key, or first ask the
   platform whether an earlier attempt whose outcome we never learnt got through.
3. **record** (one transaction): the platform's id and URL on the row and the case
   (replied); or the error: back off and try later (transient), fail the case with
   the platform's message (permanent), or flag it for a person (undecidable).

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
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.channels.connectors.base import Connector, PostResult, TransportError
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
from responder.inbox.models import CaseState
from responder.inbox.transitions import case_lock, case_transition

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


def _claim(*, outbox_item_id: int, now: dt.datetime) -> _Claim | None:
    with transaction.atomic():
        item = (
            OutboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(pk=outbox_item_id)
            .first()
        )
        if item is None:
            return None  # gone, or another worker holds it right now
        reclaimed = False
        if item.status == OutboxStatus.PENDING:
            if item.next_attempt_at > now:
                return None  # backed off: the sweep brings it back when due
        elif item.status == OutboxStatus.SENDING:
            started = item.sending_started_at
            if started is not None and started > now - stuck_after():
                return None  # another worker is posting it
            reclaimed = True
            PostAttempt.objects.filter(outbox_item=item, finished_at__isnull=True).update(
                finished_at=now,
                outcome=Outcome.INTERRUPTED,
                error="The worker stopped before the platform answered.",
            )
        else:
            return None  # sent, failed or waiting for a person

        account = item.account
        if account.rate_limit_reset_at is not None and account.rate_limit_reset_at > now:
            # The account is rate limited: wait for its reset without spending a call.
            item.status = OutboxStatus.PENDING
            item.next_attempt_at = account.rate_limit_reset_at
            item.sending_started_at = None
            item.save(update_fields=["status", "next_attempt_at", "sending_started_at"])
            return None

        case = case_lock(case_id=item.case_id)
        if case.state == CaseState.APPROVED:
            case_transition(
                case=case,
                name="start_posting",
                actor=None,
                via=SYSTEM,
                details={"outbox_item": item.pk},
            )
        elif case.state != CaseState.POSTING:
            # Only an approved reply of a case that is posting may go out.
            item.status = OutboxStatus.NEEDS_ATTENTION
            item.last_error = _(
                "Not posted: the case is %(state)s, not waiting for this reply."
            ) % {"state": case.get_state_display().lower()}
            item.sending_started_at = None
            item.save(update_fields=["status", "last_error", "sending_started_at"])
            return None

        history = (
            list(
                item.post_attempts.order_by("started_at", "id").values_list("started_at", "outcome")
            )
            if item.attempts or item.status != OutboxStatus.PENDING
            else []
        )
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

        item.status = OutboxStatus.SENDING
        item.sending_started_at = now
        item.attempts += 1
        item.save(update_fields=["status", "sending_started_at", "attempts"])
        attempt = PostAttempt.objects.create(outbox_item=item, started_at=now)
        return _Claim(
            account=account,
            item_id=item.pk,
            attempt_id=attempt.pk,
            case_id=item.case_id,
            account_id=account.pk,
            text=item.text,
            in_reply_to_id=item.in_reply_to_external_id,
            visibility=item.visibility,
            idempotency_key=str(item.idempotency_key),
            attempts=attempts,
            ambiguous_since=ambiguous_since,
            reclaimed=reclaimed,
        )


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


def _record_posted(*, claim: _Claim, result: _Result, now: dt.datetime) -> str:
    post = result.post
    assert post is not None
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update().get(pk=claim.item_id)
        _finish_attempt(attempt_id=claim.attempt_id, now=now, outcome=result.outcome)
        if item.status == OutboxStatus.SENT:
            return OutboxStatus.SENT  # another worker recorded the same post first
        item.status = OutboxStatus.SENT
        item.external_id = post.external_id
        item.external_url = post.url
        item.sent_at = now
        item.sending_started_at = None
        item.last_error = ""
        item.save(
            update_fields=[
                "status",
                "external_id",
                "external_url",
                "sent_at",
                "sending_started_at",
                "last_error",
            ]
        )
        case = case_lock(case_id=claim.case_id)
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
        if case.state == CaseState.POSTING:
            case_transition(
                case=case,
                name="mark_replied",
                actor=None,
                via=SYSTEM,
                details=details,
                external_id=post.external_id,
                url=post.url,
            )
    return OutboxStatus.SENT


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


def outbox_item_send(*, outbox_item_id: int) -> str:
    """Post one outbox reply if it is due, exactly once. Safe to call twice at once
    and after a crash. Returns the row's status afterwards ("skipped" when the row was
    not ours to send now: not due, held by another worker, or already done)."""
    claim = _claim(outbox_item_id=outbox_item_id, now=timezone.now())
    if claim is None:
        return "skipped"
    account = claim.account
    session_before: Any = account.session_state  # connectors copy it, never mutate it
    connector: Connector | None = None
    try:
        connector = _cached_connector(account)
        result = _talk(claim=claim, connector=connector, now=timezone.now())
    except Exception as exc:
        # A bug or an unexpected library error: it may have struck after the post went
        # out, so it counts as an attempt of unknown outcome and is retried carefully.
        logger.exception("posting outbox item %s failed unexpectedly", claim.item_id)
        result = _Result(
            Outcome.ERROR, error=TransportError(f"{exc.__class__.__name__}: {exc}", permanent=False)
        )
        _forget_connector(account.pk)
        connector = None
    now = timezone.now()
    if connector is not None:
        _save_session(account=account, before=session_before, connector=connector)
    if result.post is not None:
        status = _record_posted(claim=claim, result=result, now=now)
        logger.info("outbox item %s posted as %s", claim.item_id, result.post.external_id)
        return status
    status = _record_failure(claim=claim, result=result, now=now)
    logger.warning(
        "outbox item %s: %s (%s) -> %s",
        claim.item_id,
        result.outcome,
        result.reason or (result.error.message if result.error else ""),
        status,
    )
    return status


def outbox_due_ids(
    *,
    now: dt.datetime | None = None,
    limit: int = SWEEP_BATCH,
    grace: dt.timedelta = SWEEP_GRACE,
    stuck: dt.timedelta | None = None,
) -> list[int]:
    """Rows to send now: pending and due (for `grace` already, and their account not
    rate limited), or sending for longer than a live worker could take."""
    now = now or timezone.now()
    stuck = stuck_after() if stuck is None else stuck
    due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now - grace) & (
        Q(account__rate_limit_reset_at__isnull=True) | Q(account__rate_limit_reset_at__lte=now)
    )
    crashed = Q(status=OutboxStatus.SENDING, sending_started_at__lt=now - stuck)
    return list(
        OutboxItem.objects.filter(due | crashed)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


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
    dead worker. Queuing a row twice is harmless: the claim lets only one through."""
    ids = outbox_due_ids(now=now, limit=limit, grace=grace, stuck=stuck)
    for pk in ids:
        if inline:
            outbox_item_send(outbox_item_id=pk)
        else:
            enqueue_send(pk)
    return len(ids)


def outbox_retry_requested(*, item: OutboxItem) -> None:
    """Note on the row's history that a person asked for it to be posted again, which
    settles earlier doubt about whether it went out (see `_claim`)."""
    now = timezone.now()
    PostAttempt.objects.create(
        outbox_item=item, started_at=now, finished_at=now, outcome=Outcome.RETRY_REQUESTED
    )
