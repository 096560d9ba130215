"""Posting many approved replies at once: one send claims a batch of due rows, posts
them one by one and records them together, still exactly once."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.channels.connectors import connector_for
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
from responder.channels.posting import Outcome, claims, outbox_item_send, outbox_sweep, policy, send
from responder.channels.simulator import Simulator
from responder.inbox.models import Case, CaseState
from tests.channels.outbox_helpers import approved_replies_bulk
from tests.sim import SimulatorHandle, make_mastodon_account

pytestmark = pytest.mark.django_db

POSTS = {"path_prefix": "/api/v1/statuses", "method": "POST"}


def items_of(case_ids: list[int]) -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(case_id__in=case_ids).order_by("id"))


def outcomes(item: OutboxItem) -> list[str]:
    return list(item.post_attempts.order_by("started_at", "id").values_list("outcome", flat=True))


def system_transitions(case_id: int) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(case_id=case_id, via="system")
        .order_by("created_at", "id")
        .values_list("action", "from_state", "to_state")
    )


POSTED = [
    ("case.start_posting", "approved", "posting"),
    ("case.mark_replied", "posting", "replied"),
]


def assert_outbox_trail_posted(case_id: int) -> None:
    """The reply's own audit trail is one unbroken path from pending to sent."""
    trail = list(
        AuditEvent.objects.filter(case_id=case_id, action__startswith="outbox.")
        .order_by("created_at", "id")
        .values_list("action", "details__from_status", "details__to_status")
    )
    assert trail[0][:2] == ("outbox.send", "pending")
    assert trail[-1] == ("outbox.mark_sent", "sending", "sent")
    for (_a, _f, before), (_b, after, _t) in itertools.pairwise(trail):
        assert before == after


def assert_posted_once_each(simulator: SimulatorHandle, case_ids: list[int]) -> None:
    cases = {c.external_id: c for c in Case.objects.filter(pk__in=case_ids)}
    per_question = collections.Counter(p["in_reply_to_id"] for p in simulator.posts())
    assert per_question == dict.fromkeys(cases, 1)
    for post in simulator.posts():
        case = cases[post["in_reply_to_id"]]
        assert case.state == CaseState.REPLIED
        assert (case.reply_external_id, case.reply_url) == (post["id"], post["url"])
        assert [t for t in system_transitions(case.pk) if t[0].startswith("case.")] == POSTED
        assert_outbox_trail_posted(case.pk)


def test_replies_queued_at_once_are_posted_by_one_send_each_once_with_their_audit_trail(
    team, mastodon_account, simulator, monkeypatch
):
    monkeypatch.setattr(send, "RECORD_EVERY", 4)  # several records in one batch
    case_ids = approved_replies_bulk(team, mastodon_account, simulator, 10)
    first, *others = items_of(case_ids)

    assert outbox_item_send(outbox_item_id=first.pk) == OutboxStatus.SENT

    # The one send posted every due reply; the tasks queued for the others find
    # nothing left to do.
    for item in others:
        assert outbox_item_send(outbox_item_id=item.pk) == "skipped"
    assert len(simulator.posts()) == 10
    assert_posted_once_each(simulator, case_ids)
    sent_at = []
    for item in items_of(case_ids):
        assert item.status == OutboxStatus.SENT
        assert item.attempts == 1
        assert outcomes(item) == [Outcome.SENT]
        sent_at.append(item.sent_at)
    # Each row keeps the moment its own post went out, in the order they were posted.
    assert sent_at == sorted(sent_at)
    assert len(set(sent_at)) == len(sent_at)
    # The posts were recorded four at a time: the cases of one record share its moment.
    recorded = Case.objects.filter(pk__in=case_ids).values_list("updated_at", flat=True)
    assert sorted(collections.Counter(recorded).values()) == [2, 4, 4]


def test_a_429_in_a_batch_holds_back_that_accounts_other_replies_until_the_reset(
    team, mastodon_account, simulator
):
    other_sim = Simulator(host="127.0.0.1", port=0, token="other-token").start()
    other = SimulatorHandle(other_sim)
    try:
        other_account = make_mastodon_account(
            other, team.department, handle="passports2", name="Passport Office 2"
        )
        a_first = approved_replies_bulk(team, mastodon_account, simulator, 3)
        b_cases = approved_replies_bulk(team, other_account, other, 2)
        a_later = approved_replies_bulk(team, mastodon_account, simulator, 2, start=3)
        a_items = items_of(a_first + a_later)
        # The first post of the account goes through, the second is refused with 429.
        simulator.fault(times=1, **POSTS)
        simulator.fault(status=429, retry_after_seconds=120, reset_format="epoch", **POSTS)

        assert outbox_item_send(outbox_item_id=a_items[0].pk) == OutboxStatus.SENT

        # The other account's replies went out in the same batch.
        assert len(other.posts()) == 2
        assert all(i.status == OutboxStatus.SENT for i in items_of(b_cases))
        # This account: one posted, one refused, the rest not even tried.
        account = PlatformAccount.objects.get(pk=mastodon_account.pk)
        assert account.rate_limit_reset_at > timezone.now() + dt.timedelta(seconds=100)
        sent, limited, *held = items_of(a_first + a_later)
        assert sent.status == OutboxStatus.SENT
        assert limited.status == OutboxStatus.PENDING
        assert outcomes(limited) == [Outcome.RATE_LIMITED]
        assert "429" in limited.last_error
        for item in held:
            assert item.status == OutboxStatus.PENDING
            assert item.next_attempt_at >= account.rate_limit_reset_at
            assert item.attempts == 0  # not called, so not an attempt
            assert outcomes(item) == []
        assert len(simulator.posts()) == 1

        # Nothing of this account is sent before the reset...
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
        # ...and after it, each held reply is posted once, on its first attempt.
        limited.refresh_from_db()
        with time_machine.travel(limited.next_attempt_at + dt.timedelta(seconds=1)):
            assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 4
        assert_posted_once_each(simulator, a_first + a_later)
        for item in held:
            item.refresh_from_db()
            assert (item.status, item.attempts, outcomes(item)) == ("sent", 1, [Outcome.SENT])
        limited.refresh_from_db()
        assert outcomes(limited) == [Outcome.RATE_LIMITED, Outcome.SENT]
    finally:
        other.client.close()
        other_sim.stop()


def test_a_batch_that_runs_out_of_time_gives_its_other_replies_back_uncounted(
    team, mastodon_account, simulator, monkeypatch
):
    # No time at all: after the first post the batch stops, long before the sweep
    # could take its rows for abandoned.
    monkeypatch.setattr(send, "BATCH_TIME_SHARE", 0)
    case_ids = approved_replies_bulk(team, mastodon_account, simulator, 4)
    first, *rest = items_of(case_ids)

    assert outbox_item_send(outbox_item_id=first.pk) == OutboxStatus.SENT

    assert len(simulator.posts()) == 1
    for item in items_of(case_ids)[1:]:
        assert (item.status, item.attempts, outcomes(item)) == ("pending", 0, [])
        assert item.next_attempt_at <= timezone.now()  # due again at once
    # The next send picks them up, and so on until all are out, each once.
    for item in rest:
        assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert_posted_once_each(simulator, case_ids)
    assert all(outcomes(i) == [Outcome.SENT] for i in items_of(case_ids))


def test_a_worker_killed_after_a_batch_claim_leaves_rows_the_sweep_reconciles(
    team, mastodon_account, simulator
):
    case_ids = approved_replies_bulk(team, mastodon_account, simulator, 5)
    first = items_of(case_ids)[0]
    # A worker claims the batch, posts two replies, and dies before recording them.
    batch = claims.outbox_claim(outbox_item_id=first.pk, now=timezone.now())
    assert len(batch) == 5
    connector = connector_for(first.account)
    for claim in batch[:2]:
        connector.post_reply(
            text=claim.text,
            in_reply_to_id=claim.in_reply_to_id,
            visibility=claim.visibility,
            idempotency_key=claim.idempotency_key,
        )
    assert all(i.status == OutboxStatus.SENDING for i in items_of(case_ids))

    # While the worker could still be alive its rows are left alone.
    assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
    with time_machine.travel(timezone.now() + policy.stuck_after() + dt.timedelta(seconds=1)):
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 5

    # The platform was asked first: the two posts were found, the others posted once.
    assert len(simulator.posts()) == 5
    assert_posted_once_each(simulator, case_ids)
    found = {c.item_id for c in batch[:2]}
    for item in items_of(case_ids):
        expected = Outcome.FOUND if item.pk in found else Outcome.SENT
        assert outcomes(item) == [Outcome.INTERRUPTED, expected]


@pytest.mark.django_db(transaction=True)
def test_two_sends_draining_at_once_never_post_a_reply_twice(
    team, mastodon_account, simulator, monkeypatch
):
    monkeypatch.setattr(claims, "BATCH_SIZE", 4)
    case_ids = approved_replies_bulk(team, mastodon_account, simulator, 24)
    ids = [i.pk for i in items_of(case_ids)]
    # Slow answers, so that both senders are mid-batch at the same time.
    simulator.fault(delay_ms=15, times=100, **POSTS)
    barrier = threading.Barrier(2)
    claimed: collections.Counter[str] = collections.Counter()
    claim = claims.outbox_claim

    def counted_claim(**kwargs: Any) -> list[Any]:
        batch = claim(**kwargs)
        claimed[threading.current_thread().name] += len(batch)
        return batch

    monkeypatch.setattr(send, "outbox_claim", counted_claim)

    def drain(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            # Each sender runs the tasks of its half of the rows, as two workers would.
            for pk in ids[worker::2]:
                outbox_item_send(outbox_item_id=pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Both did part of the work (`+` drops a sender that claimed nothing); together
    # they posted each reply once.
    assert len(+claimed) == 2
    assert sum(claimed.values()) == 24
    assert len(simulator.posts()) == 24
    assert_posted_once_each(simulator, case_ids)
    assert PostAttempt.objects.filter(outbox_item_id__in=ids).count() == 24
    assert set(OutboxItem.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
