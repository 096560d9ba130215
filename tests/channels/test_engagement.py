"""Favourites, boosts and replies of our posted replies, read from the simulator."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from responder.channels.engagement import engagement_refresh
from responder.channels.models import OutboxItem, PlatformAccount, ReplyEngagement
from responder.channels.posting import outbox_item_send
from responder.testing.outbox import approved_reply

pytestmark = pytest.mark.django_db


def posted(team, account, simulator, n: int) -> OutboxItem:
    item = approved_reply(team, account, simulator, n=n)
    assert outbox_item_send(outbox_item_id=item.pk) == "sent"
    item.refresh_from_db()
    return item


def figures(item: OutboxItem) -> tuple[int, int, int]:
    e = ReplyEngagement.objects.get(outbox_item=item)
    return (e.favourites, e.boosts, e.replies)


def test_engagement_of_recent_replies_is_read_and_kept_up_to_date(
    team, mastodon_account, simulator
):
    first = posted(team, mastodon_account, simulator, 1)
    second = posted(team, mastodon_account, simulator, 2)
    simulator.engage(first.external_id, favourites=4, reblogs=2, replies=1)

    result = engagement_refresh(batch_size=1)

    assert result.updated == 2
    assert figures(first) == (4, 2, 1)
    assert figures(second) == (0, 0, 0)

    simulator.engage(second.external_id, favourites=9)
    engagement_refresh()
    assert figures(second) == (9, 0, 0)
    assert ReplyEngagement.objects.count() == 2


def test_old_replies_are_left_alone_and_one_failing_account_does_not_stop_the_rest(
    team, mastodon_account, simulator
):
    from tests.sim import make_mastodon_account

    old = posted(team, mastodon_account, simulator, 1)
    OutboxItem.objects.filter(pk=old.pk).update(sent_at=timezone.now() - dt.timedelta(days=30))
    recent = posted(team, mastodon_account, simulator, 2)
    broken = make_mastodon_account(
        simulator, team.department, handle="broken", credentials={"access_token": "revoked"}
    )
    # A reply posted by an account whose token was revoked since.
    stray = posted(team, mastodon_account, simulator, 3)
    OutboxItem.objects.filter(pk=stray.pk).update(account=broken)

    result = engagement_refresh(days=7)

    assert set(ReplyEngagement.objects.values_list("outbox_item_id", flat=True)) == {recent.pk}
    assert broken.pk in result.errors and "401" in result.errors[broken.pk]


def test_a_rate_limited_account_waits_for_its_reset(team, mastodon_account, simulator):
    item = posted(team, mastodon_account, simulator, 1)
    simulator.fault(
        status=429, path_prefix="/api/v1/statuses", method="GET", retry_after_seconds=60
    )

    result = engagement_refresh()

    assert mastodon_account.pk in result.errors
    account = PlatformAccount.objects.get(pk=mastodon_account.pk)
    assert account.rate_limit_reset_at > timezone.now()
    assert engagement_refresh().updated == 0  # skipped until the reset
    with time_machine.travel(account.rate_limit_reset_at + dt.timedelta(seconds=1)):
        assert engagement_refresh().updated == 1
    assert figures(item) == (0, 0, 0)
