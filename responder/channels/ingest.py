"""Ingest: citizens' mentions (and tracked hashtags) into the inbox, exactly once.

A poll runs in three steps:

1. Claim the account with a short lease (a conditional UPDATE): one poll per account
   at a time, even with several workers; a crashed poll's lease simply expires.
2. Fetch from the platform outside any transaction (no row lock held over HTTP).
3. In one transaction: lock the account row, check that the cursor is still the one
   we fetched from (if another poll moved it, our page is dropped: that poll covered
   it), leave out the mentions already stored (unique on account + external id; the
   lock makes "not there yet" exact), thread and classify the new ones and write
   them in bulk (ingest_write.py: one COPY on PostgreSQL), record unreadable items,
   advance the cursor. Rows and
   cursor commit together or not at all, so a worker killed at any point, a
   duplicate page or a re-poll from an older cursor neither loses nor duplicates.

The stream listener (streaming.py) stores through the same `mentions_store` without
moving the cursor; the next poll re-reads those items and ignores them.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from responder.audit.models import Via
from responder.audit.services import AuditRow, audit_copy_many
from responder.channels.after_hours import after_hours_notices_queue
from responder.channels.connectors import connector_for
from responder.channels.connectors.base import FetchResult, ItemError, Mention, TransportError
from responder.channels.ingest_write import cases_write
from responder.channels.models import IngestError, PlatformAccount
from responder.crypto import Secret
from responder.inbox.classify import case_topics_link, cases_classify
from responder.inbox.hashtags import case_hashtags_store
from responder.inbox.language import language_detect
from responder.inbox.models import Case, CaseState
from responder.inbox.pii import pii_find_for, pii_kinds
from responder.inbox.response_clock import cases_respond_by_set
from responder.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)

#: How long a poll may hold its account: longer than the slowest fetch (pages x
#: timeout), short enough that a crashed poll is soon retried.
POLL_LEASE = dt.timedelta(seconds=120)
#: Back-off ceiling after transient errors, and the wait after a permanent one (the
#: admin fixing the token resets it at once).
MAX_BACKOFF = dt.timedelta(minutes=15)
PERMANENT_ERROR_WAIT = dt.timedelta(hours=1)
BATCH_SIZE = 500


@dataclass
class PollOutcome:
    status: str  # polled | skipped | failed | inactive | missing
    new_case_ids: list[int] = field(default_factory=list)
    errors: int = 0
    message: str = ""


def hashtags_of(account: PlatformAccount) -> list[str]:
    """The account's tracked hashtags: comma or space separated, '#' optional."""
    tags = [t.strip().lstrip("#").lower() for t in re.split(r"[,\s]+", account.hashtags or "")]
    return list(dict.fromkeys(t for t in tags if t))


def _is_own_post(account: PlatformAccount, mention: Mention) -> bool:
    handle = account.handle.lstrip("@").lower()
    author = mention.author_handle.lstrip("@").lower()
    if "@" in author and "@" in handle:
        return author == handle
    # A local handle has no domain: compare the user part only.
    return author.split("@", 1)[0] == handle.split("@", 1)[0]


# --- storing ---------------------------------------------------------------------------


def mentions_store(
    *, account: PlatformAccount, mentions: list[Mention], errors: list[ItemError]
) -> list[int]:
    """Insert the cases we do not have yet; return their ids. The caller holds the
    account row lock (select_for_update) inside a transaction, which serializes all
    writers of one account, so "not there yet" is exact."""
    assert transaction.get_connection().in_atomic_block, "mentions_store needs a transaction"
    unique: dict[str, Mention] = {}
    for mention in mentions:
        if mention.external_id and not _is_own_post(account, mention):
            unique.setdefault(mention.external_id, mention)
    new_ids: list[int] = []
    if unique:
        new_ids = _cases_insert(account=account, mentions=list(unique.values()))
        # Outside business hours, the department's automatic notice (after_hours.py).
        after_hours_notices_queue(account=account, case_ids=new_ids, now=timezone.now())
    if errors:
        _errors_record(account=account, errors=errors)
    return new_ids


def _thread_targets(
    *, account: PlatformAccount, new: list[Mention]
) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]], dict[str, int]]:
    """Earlier cases this batch may thread to: the post replied to, our reply that was
    replied to, or the same conversation (by external id, by our reply's id, and the
    latest case of each conversation)."""
    targets = {m.in_reply_to_external_id for m in new if m.in_reply_to_external_id}
    conversations = {m.conversation_id for m in new if m.conversation_id}
    by_external: dict[str, tuple[int, str]] = {}
    by_reply: dict[str, tuple[int, str]] = {}
    conversation_latest: dict[str, int] = {}
    if targets or conversations:
        rows = (
            Case.objects.filter(account=account)
            .filter(
                Q(external_id__in=targets)
                | Q(reply_external_id__in=targets)
                | Q(conversation_id__in=conversations)
            )
            .order_by("received_at", "id")
            .values_list("id", "external_id", "reply_external_id", "conversation_id")
        )
        for pk, external_id, reply_id, conversation in rows:
            by_external[external_id] = (pk, conversation or external_id)
            if reply_id:
                by_reply[reply_id] = (pk, conversation or external_id)
            if conversation:
                conversation_latest[conversation] = pk
    return by_external, by_reply, conversation_latest


def _cases_insert(*, account: PlatformAccount, mentions: list[Mention]) -> list[int]:
    existing = set(
        Case.objects.filter(
            account=account, external_id__in=[m.external_id for m in mentions]
        ).values_list("external_id", flat=True)
    )
    new = [m for m in mentions if m.external_id not in existing]
    if not new:
        return []
    new.sort(key=lambda m: (m.created_at, len(m.external_id), m.external_id))
    cases, batch_parent = _cases_build(account=account, new=new)
    # Topics, automatic risk and priority from the department's incoming rules and
    # library, in this transaction (responder/inbox/classify.py).
    topic_ids = cases_classify(department_id=account.department_id, cases=cases)
    # The first-response deadline, from the priority just set (response_clock.py).
    cases_respond_by_set(department=account.department, cases=cases)
    ids = cases_write(account=account, cases=cases, batch_parent=batch_parent)
    case_topics_link(
        pairs=[(ids[c.external_id], t) for c, t in zip(cases, topic_ids, strict=True) if t]
    )
    _ingested_audit(account=account, cases=cases, ids=ids)
    case_hashtags_store(cases=[(ids[c.external_id], c.text) for c in cases])
    return [ids[c.external_id] for c in cases]


def _cases_build(
    *, account: PlatformAccount, new: list[Mention]
) -> tuple[list[Case], dict[str, str]]:
    """The new cases (unsaved), threaded to earlier cases; and, for a followup of a
    post of this same batch, its parent's external id (the parent has no id yet)."""
    by_external, by_reply, conversation_latest = _thread_targets(account=account, new=new)
    batch_conversation: dict[str, str] = {}
    batch_parent: dict[str, str] = {}
    cases: list[Case] = []
    department = account.department  # its allow-list and file-number patterns
    for m in new:
        parent_id: int | None = None
        source = m.source
        conversation = m.conversation_id
        target = m.in_reply_to_external_id
        if target and target in by_reply:
            parent_id, parent_conversation = by_reply[target]
            conversation = conversation or parent_conversation
            source = "reply"  # the citizen answered our reply
        elif target and target in by_external:
            parent_id, parent_conversation = by_external[target]
            conversation = conversation or parent_conversation
        elif target and target in batch_conversation:
            batch_parent[m.external_id] = target
            conversation = conversation or batch_conversation[target]
        elif conversation and conversation in conversation_latest:
            parent_id = conversation_latest[conversation]
        # A root post's conversation is its own id, so followups can find it.
        conversation = conversation or m.external_id
        batch_conversation[m.external_id] = conversation
        cases.append(
            Case(
                department_id=account.department_id,
                account=account,
                platform=account.platform,
                external_id=m.external_id,
                author_handle=m.author_handle[:200],
                author_name=m.author_name[:200],
                author_external_id=m.author_external_id[:200],
                text=m.text,
                pii_kinds=pii_kinds(pii_find_for(m.text, department=department)),
                language=language_detect(m.text, hint=m.language_hint),
                url=m.url[:500],
                visibility=m.visibility[:16],
                conversation_id=conversation[:200],
                in_reply_to_external_id=target[:200],
                parent_id=parent_id,
                source=source,
                received_at=m.created_at,
            )
        )
    return cases, batch_parent


def _ingested_audit(*, account: PlatformAccount, cases: list[Case], ids: dict[str, int]) -> None:
    """One "case.ingested" audit event per new case (the same fields audit_record
    writes), in bulk: as many audit rows as cases (audit_copy_many)."""
    now = timezone.now()
    audit_copy_many(
        rows=[
            AuditRow(
                created_at=now,
                via=Via.SYSTEM.value,
                action="case.ingested",
                case_id=ids[c.external_id],
                from_state="",
                to_state=CaseState.NEW.value,
                subject_type="platformaccount",
                subject_id=account.pk,
                details={"source": c.source, "platform": c.platform, "language": c.language},
            )
            for c in cases
        ],
        batch_size=BATCH_SIZE,
    )


def _errors_record(*, account: PlatformAccount, errors: list[ItemError]) -> None:
    # A re-read page (a cursor reset, a dropped page) must not record the same error twice.
    known = set(
        IngestError.objects.filter(
            account=account, external_id__in=[e.external_id for e in errors if e.external_id]
        ).values_list("external_id", "error")
    )
    rows = []
    for item in errors:
        if item.external_id and (item.external_id, item.error) in known:
            continue
        known.add((item.external_id, item.error))
        rows.append(
            IngestError(
                account=account,
                external_id=item.external_id[:200],
                error=item.error,
                payload=item.payload,
            )
        )
    IngestError.objects.bulk_create(rows, batch_size=BATCH_SIZE)


# --- polling ---------------------------------------------------------------------------


def _lease_claim(*, account_id: int, now: dt.datetime) -> bool:
    return bool(
        PlatformAccount.objects.filter(pk=account_id, is_active=True)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=now + POLL_LEASE)
    )


def _backoff(*, interval: int, failures: int) -> dt.timedelta:
    base = max(interval, 5) * (2 ** min(failures, 10))
    seconds = min(base, MAX_BACKOFF.total_seconds())
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.0))


def account_poll(*, account_id: int) -> PollOutcome:
    """Poll one account's mentions and hashtags once. Safe to run twice at once:
    the second finds the lease held and returns "skipped"."""
    now = timezone.now()
    if not _lease_claim(account_id=account_id, now=now):
        exists = PlatformAccount.objects.filter(pk=account_id).values_list("is_active", flat=True)
        if not exists:
            return PollOutcome(status="missing")
        return PollOutcome(status="skipped" if exists[0] else "inactive")
    account = PlatformAccount.objects.get(pk=account_id)
    fetched: dict[str, FetchResult] = {}  # "" = mentions, else the hashtag
    from_cursor = {"": account.cursor}
    from_cursor.update(
        {tag: (account.hashtag_cursors or {}).get(tag, "") for tag in hashtags_of(account)}
    )
    failure: TransportError | None = None
    connector = None
    try:
        connector = connector_for(account)
        fetched[""] = connector.fetch_mentions(cursor=account.cursor)
        for tag in hashtags_of(account):
            try:
                fetched[tag] = connector.fetch_hashtag(tag=tag, cursor=from_cursor[tag])
            except NotImplementedError:
                break
    except TransportError as exc:
        failure = exc
    except Exception as exc:  # a connector bug must not leave the lease held
        logger.exception("poll of account %s failed", account_id)
        failure = TransportError(f"{type(exc).__name__}: {exc}", permanent=False)
    finally:
        close = getattr(connector, "close", None)
        if callable(close):
            close()
    # A connector that keeps a session (Bluesky) hands it back to be saved.
    session_state = getattr(connector, "session_state", None)
    return _poll_commit(
        account_id=account_id,
        from_cursor=from_cursor,
        fetched=fetched,
        failure=failure,
        session_state=session_state,
    )


def _poll_commit(
    *,
    account_id: int,
    from_cursor: dict[str, str],
    fetched: dict[str, FetchResult],
    failure: TransportError | None,
    session_state: dict[str, Any] | None = None,
) -> PollOutcome:
    now = timezone.now()
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account_id)
        new_ids, error_count = _fetched_store(
            account=account, from_cursor=from_cursor, fetched=fetched
        )
        account.poll_lease_until = None
        update_fields = [
            "cursor",
            "hashtag_cursors",
            "rate_limit_remaining",
            "rate_limit_reset_at",
            "poll_lease_until",
            "last_polled_at",
            "next_poll_at",
            "last_error",
            "poll_failures",
        ]
        if session_state is not None and session_state != dict(
            cast(dict[str, Any], account.session_state) or {}
        ):
            account.session_state = Secret(session_state)  # type: ignore[assignment]
            update_fields.append("session_state")
        _poll_schedule(account=account, now=now, failure=failure)
        account.save(update_fields=update_fields)
    return PollOutcome(
        status="polled" if failure is None else "failed",
        new_case_ids=new_ids,
        errors=error_count,
        message=failure.message if failure else "",
    )


def _fetched_store(
    *, account: PlatformAccount, from_cursor: dict[str, str], fetched: dict[str, FetchResult]
) -> tuple[list[int], int]:
    """Store each fetched page whose cursor nobody moved since we fetched, and move the
    cursors and the rate-limit figures on the (locked, unsaved) account. Returns the
    new case ids and the number of unreadable items."""
    new_ids: list[int] = []
    error_count = 0
    cursors = dict(account.hashtag_cursors or {})
    rate_limit = None
    for key, result in fetched.items():
        current = account.cursor if key == "" else cursors.get(key, "")
        if current != from_cursor[key]:
            # Another poll (or an admin) moved the cursor since we fetched:
            # that poll stored this range; ours is dropped, nothing is lost.
            continue
        new_ids += mentions_store(account=account, mentions=result.mentions, errors=result.errors)
        error_count += len(result.errors)
        if key == "":
            account.cursor = result.cursor
        else:
            cursors[key] = result.cursor
        rate_limit = result.rate_limit or rate_limit
    account.hashtag_cursors = cursors
    if rate_limit is not None:
        account.rate_limit_remaining = rate_limit.remaining
        # rate_limit_reset_at means "no calls until" (posting and engagement wait
        # for it), so it is set only once the window's budget is spent.
        account.rate_limit_reset_at = rate_limit.reset_at if rate_limit.remaining == 0 else None
    return new_ids, error_count


def _poll_schedule(
    *, account: PlatformAccount, now: dt.datetime, failure: TransportError | None
) -> None:
    """When the account is polled next, and its error state, after this poll."""
    if failure is None:
        account.last_polled_at = now
        account.next_poll_at = now + dt.timedelta(seconds=account.poll_interval_seconds)
        account.last_error = ""
        account.poll_failures = 0
        return
    account.poll_failures += 1
    account.last_error = failure.message[:2000]
    if failure.permanent:
        wait = max(PERMANENT_ERROR_WAIT, dt.timedelta(seconds=account.poll_interval_seconds))
    else:
        wait = _backoff(interval=account.poll_interval_seconds, failures=account.poll_failures)
    next_at = now + wait
    if failure.retry_at is not None and failure.retry_at > next_at:
        next_at = failure.retry_at
    account.next_poll_at = next_at
    if failure.status == 429:
        account.rate_limit_remaining = 0
        account.rate_limit_reset_at = failure.retry_at
    logger.warning(
        "poll of account %s failed (%s): %s",
        account.pk,
        "permanent" if failure.permanent else "will retry",
        failure.message,
    )


def polls_dispatch(*, now: dt.datetime | None = None) -> list[int]:
    """Claim every active account whose poll is due and queue one poll for each after
    commit. Claiming moves next_poll_at a full interval ahead in the same
    transaction, so two dispatches at once (or in a row) never queue one twice; the
    poll sets the real next time when it ends, and a lost task is simply dispatched
    again an interval later."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            PlatformAccount.objects.select_for_update(skip_locked=True)
            .filter(is_active=True)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .values_list("id", "poll_interval_seconds")
        )
        for account_id, interval in due:
            PlatformAccount.objects.filter(pk=account_id).update(
                next_poll_at=now + dt.timedelta(seconds=max(interval, 1))
            )
        ids = [account_id for account_id, _ in due]
        if ids:
            for account_id in ids:
                enqueue_on_commit("responder.channels.tasks.account_poll", account_id)
    return ids


def account_poll_soon(*, account_id: int) -> None:
    """Make the account due now (a dropped stream, a fixed token)."""
    PlatformAccount.objects.filter(pk=account_id).update(next_poll_at=timezone.now())


def stream_mentions_store(
    *, account_id: int, mentions: list[Mention], errors: list[ItemError]
) -> list[int]:
    """Store mentions that arrived on the stream. The cursor stays where polling left
    it, so a gap before or after the stream is always re-read by the next poll."""
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account_id)
        return mentions_store(account=account, mentions=mentions, errors=errors)
