"""Posting approved replies through the outbox, against the simulator over real HTTP."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.channels import services as channel_services
from responder.channels.connectors import connector_for
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
from responder.channels.posting import Outcome, claims, outbox_item_send, outbox_sweep, policy
from responder.inbox.models import Case, CaseState
from tests.channels.outbox_helpers import approved_reply

pytestmark = pytest.mark.django_db


def outcomes(item: OutboxItem) -> list[str]:
    return list(item.post_attempts.order_by("started_at", "id").values_list("outcome", flat=True))


def test_an_approved_reply_is_posted_once_and_the_case_records_it(
    team, mastodon_account, simulator
):
    item = approved_reply(team, mastodon_account, simulator)
    case = item.case

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert outbox_item_send(outbox_item_id=item.pk) == "skipped"  # a second run: nothing

    (post,) = simulator.posts()
    assert post["in_reply_to_id"] == case.external_id
    assert post["text"].startswith(f"@{case.author_handle} ")
    assert post["idempotency_key"] == str(item.idempotency_key)
    case.refresh_from_db()
    item.refresh_from_db()
    assert case.state == CaseState.REPLIED
    assert (case.reply_external_id, case.reply_url) == (post["id"], post["url"])
    assert case.first_response_at is not None
    assert (item.status, item.external_id, item.external_url) == ("sent", post["id"], post["url"])
    assert outcomes(item) == [Outcome.SENT]
    events = AuditEvent.objects.filter(case=case, via="system")
    assert list(events.values_list("action", "from_state", "to_state")) == [
        ("case.start_posting", "approved", "posting"),
        ("case.mark_replied", "posting", "replied"),
    ]


def test_429_backs_off_until_the_reset_for_every_reply_of_the_account(
    team, mastodon_account, simulator
):
    item = approved_reply(team, mastodon_account, simulator, n=1)
    other = approved_reply(team, mastodon_account, simulator, n=2)
    simulator.fault(
        status=429,
        times=1,
        path_prefix="/api/v1/statuses",
        method="POST",
        retry_after_seconds=120,
        reset_format="epoch",
    )

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.PENDING
    item.refresh_from_db()
    account = PlatformAccount.objects.get(pk=mastodon_account.pk)
    assert account.rate_limit_reset_at > timezone.now() + dt.timedelta(seconds=100)
    assert item.next_attempt_at >= account.rate_limit_reset_at
    assert "429" in item.last_error
    assert item.case.state == CaseState.POSTING  # still on its way, with the reason shown

    # Before the reset nothing is sent, neither this reply nor another of the account.
    assert outbox_item_send(outbox_item_id=item.pk) == "skipped"
    assert outbox_item_send(outbox_item_id=other.pk) == "skipped"
    other.refresh_from_db()
    assert other.status == OutboxStatus.PENDING
    assert other.next_attempt_at >= account.rate_limit_reset_at
    assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
    assert simulator.posts() == []

    with time_machine.travel(item.next_attempt_at + dt.timedelta(seconds=1)):
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 2

    assert len(simulator.posts()) == 2
    item.refresh_from_db()
    assert outcomes(item) == [Outcome.RATE_LIMITED, Outcome.SENT]
    assert Case.objects.get(pk=item.case_id).state == CaseState.REPLIED


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"drop": True}])
def test_server_errors_and_dropped_connections_are_retried_and_post_once(
    team, mastodon_account, simulator, fault
):
    item = approved_reply(team, mastodon_account, simulator)
    simulator.fault(path_prefix="/api/v1/statuses", method="POST", times=1, **fault)

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.PENDING
    item.refresh_from_db()
    assert item.last_error
    assert item.next_attempt_at > timezone.now()

    with time_machine.travel(item.next_attempt_at + dt.timedelta(seconds=1)):
        assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT

    assert len(simulator.posts()) == 1
    item.refresh_from_db()
    assert outcomes(item) == [Outcome.ERROR, Outcome.SENT]
    assert item.attempts == 2


def test_a_permanent_refusal_fails_the_case_with_the_platforms_message_and_a_retry_posts_once(
    team, mastodon_account, simulator
):
    item = approved_reply(team, mastodon_account, simulator)
    simulator.fault(
        status=422,
        path_prefix="/api/v1/statuses",
        method="POST",
        message="Validation failed: Text character limit of 500 characters exceeded",
    )

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.FAILED

    case = Case.objects.get(pk=item.case_id)
    item.refresh_from_db()
    assert case.state == CaseState.POST_FAILED
    assert "character limit of 500" in item.last_error
    failed = AuditEvent.objects.get(case=case, action="case.fail_post")
    assert "character limit of 500" in failed.details["error"]
    assert simulator.posts() == []

    # The officer fixes the cause and retries: posted once, with the same key.
    channel_services.case_retry_post(case_id=case.pk, actor=team.officer, via="web")
    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert outbox_item_send(outbox_item_id=item.pk) == "skipped"

    (post,) = simulator.posts()
    assert post["idempotency_key"] == str(item.idempotency_key)
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLIED
    item.refresh_from_db()
    assert outcomes(item) == [Outcome.FAILED, Outcome.RETRY_REQUESTED, Outcome.SENT]


def test_a_lost_account_token_is_permanent(team, mastodon_account, simulator):
    item = approved_reply(team, mastodon_account, simulator)
    PlatformAccount.objects.filter(pk=mastodon_account.pk).update(credentials={})
    mastodon_account.refresh_from_db()
    mastodon_account.credentials = {"access_token": "revoked"}
    mastodon_account.save()

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.FAILED
    item.refresh_from_db()
    assert "401" in item.last_error
    assert Case.objects.get(pk=item.case_id).state == CaseState.POST_FAILED


def crash_after_claim(item: OutboxItem, *, reached_platform: bool) -> None:
    """A worker claims the row and dies during the HTTP call (before or after the
    platform created the post), leaving it `sending`."""
    (claim,) = claims._claim(outbox_item_id=item.pk, now=timezone.now())
    if reached_platform:
        connector_for(item.account).post_reply(
            text=claim.text,
            in_reply_to_id=claim.in_reply_to_id,
            visibility=claim.visibility,
            idempotency_key=claim.idempotency_key,
        )


@pytest.mark.parametrize("reached_platform", [True, False])
def test_a_row_left_sending_by_a_dead_worker_is_reconciled_without_a_second_post(
    team, mastodon_account, simulator, reached_platform
):
    item = approved_reply(team, mastodon_account, simulator)
    crash_after_claim(item, reached_platform=reached_platform)
    item.refresh_from_db()
    assert item.status == OutboxStatus.SENDING

    # While the worker could still be alive the row is left alone.
    assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
    later = timezone.now() + policy.stuck_after() + dt.timedelta(seconds=1)
    with time_machine.travel(later):
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 1

    assert len(simulator.posts()) == 1
    item.refresh_from_db()
    case = Case.objects.get(pk=item.case_id)
    assert case.state == CaseState.REPLIED
    assert case.reply_external_id == simulator.posts()[0]["id"]
    expected = Outcome.FOUND if reached_platform else Outcome.SENT
    assert outcomes(item) == [Outcome.INTERRUPTED, expected]


def test_a_crash_older_than_the_key_lifetime_waits_for_a_person(team, mastodon_account, simulator):
    item = approved_reply(team, mastodon_account, simulator)
    crash_after_claim(item, reached_platform=False)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.NEEDS_ATTENTION

    assert simulator.posts() == []
    item.refresh_from_db()
    case = Case.objects.get(pk=item.case_id)
    assert case.state == CaseState.POST_FAILED
    assert "cannot tell whether this reply was posted" in item.last_error
    assert AuditEvent.objects.get(case=case, action="case.fail_post").details["outbox_status"] == (
        "needs_attention"
    )

    # The officer looked: not there. Their retry posts it, once.
    channel_services.case_retry_post(case_id=case.pk, actor=team.officer, via="web")
    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert len(simulator.posts()) == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLIED


def test_a_reply_found_on_the_platform_long_after_a_crash_is_recorded(
    team, mastodon_account, simulator
):
    item = approved_reply(team, mastodon_account, simulator)
    crash_after_claim(item, reached_platform=True)

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT

    assert len(simulator.posts()) == 1
    assert Case.objects.get(pk=item.case_id).state == CaseState.REPLIED


def test_backoff_grows_with_jitter_and_is_capped():
    import random

    rng = random.Random(7)
    first = [policy.backoff_delay(attempts=1, rng=rng).total_seconds() for _ in range(50)]
    assert all(1.0 <= d <= 2.0 for d in first)
    assert len({round(d, 3) for d in first}) > 1
    assert 8.0 <= policy.backoff_delay(attempts=4, rng=rng).total_seconds() <= 16.0
    capped = policy.backoff_delay(attempts=40, rng=rng).total_seconds()
    assert policy.BACKOFF_CAP_SECONDS / 2 <= capped <= policy.BACKOFF_CAP_SECONDS


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_reply_at_once_post_it_once(team, mastodon_account, simulator):
    from django.db import connection

    item = approved_reply(team, mastodon_account, simulator)
    # Slow the platform so the second sender arrives while the first is mid-call.
    simulator.fault(delay_ms=300, path_prefix="/api/v1/statuses", method="POST")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(outbox_item_send(outbox_item_id=item.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["sent", "skipped"]
    assert len(simulator.posts()) == 1
    assert PostAttempt.objects.filter(outbox_item=item).count() == 1
    assert Case.objects.get(pk=item.case_id).state == CaseState.REPLIED


def test_a_reply_is_posted_at_once_after_a_poll_that_left_budget(team, mastodon_account, simulator):
    """A poll records the platform's rate-limit window; with calls to spare, that window
    must not hold back the replies (it did once: the demo's replies waited 5 minutes)."""
    from responder.channels.ingest import account_poll

    simulator.post_mention(text="Are passport offices open on Saturday?")
    account_poll(account_id=mastodon_account.pk)
    mastodon_account.refresh_from_db()
    assert mastodon_account.rate_limit_remaining and mastodon_account.rate_limit_remaining > 0
    item = approved_reply(team, mastodon_account, simulator, n=7)

    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT
    assert len(simulator.posts()) == 1
