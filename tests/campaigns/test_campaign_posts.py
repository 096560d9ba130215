"""Campaign posts go through the same checks, routing and approval steps as replies,
and leave through the outbox exactly once per account, never before their time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from responder.campaigns import services as campaigns
from responder.campaigns.models import CampaignPost
from responder.channels.models import OutboxItem, OutboxStatus
from responder.channels.posting import outbox_item_send, outbox_sweep
from responder.errors import ValidationError
from responder.inbox.checks import OutgoingTextRefused
from responder.inbox.models import CaseState
from tests.campaigns.conftest import PNG, sim_posts
from workflows.models import ApprovalStep, StepStatus
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


def send_everything_due() -> None:
    """What the workers do: the sweep queues due rows, each send posts a batch."""
    for _round in range(10):
        due = list(
            OutboxItem.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True)
        )
        if not due:
            return
        for pk in due:
            outbox_item_send(outbox_item_id=pk)
        outbox_sweep()


def compose_thread(team, world, *, when, alt_en="A passport on a laptop.", alt_fr="Un passeport."):
    return campaigns.campaign_post_compose(
        campaign_id=world.campaign.pk,
        actor=team.officer,
        via="web",
        account_ids=[a.pk for a in world.accounts],
        texts_en=["Renew your passport online. #passport2026", "It takes about 10 days."],
        texts_fr=["Renouvelez votre passeport en ligne. #passeport2026", "Environ 10 jours."],
        scheduled_for=when,
        images=[campaigns.ImageUpload(data=PNG, mime="image/png", alt_en=alt_en, alt_fr=alt_fr)],
    )


def test_a_bilingual_thread_with_an_image_approved_by_the_rule_s_policy_posts_once_at_its_time(
    team, world, simulator
):
    when = timezone.now() + dt.timedelta(hours=2)
    posts = compose_thread(team, world, when=when)
    assert len(posts) == 3

    # The rule chose the director's policy for each account's post.
    for post in posts:
        post.case.refresh_from_db()
        assert post.case.state == CaseState.IN_REVIEW
        (step,) = ApprovalStep.objects.filter(case=post.case)
        assert (step.policy_name, step.name, step.status) == (
            "Campaign posts: director",
            "Director",
            StepStatus.OPEN,
        )
        approval_decide(step_id=step.pk, reviewer=team.director, decision="approve", via="web")

    # Approved, but not yet its time: nothing leaves, even when asked directly.
    rows = OutboxItem.objects.filter(case__campaign_post__in=posts)
    assert rows.count() == 3 * 4  # two threads of two posts per account
    assert set(rows.values_list("not_before", flat=True)) == {when}
    for row in rows:
        assert outbox_item_send(outbox_item_id=row.pk) == "skipped"
    outbox_sweep()
    assert sim_posts(simulator) == {"mastodon": [], "bluesky": [], "x": []}

    with time_machine.travel(when + dt.timedelta(seconds=1), tick=True):
        send_everything_due()
        send_everything_due()  # a second pass (a restarted worker) posts nothing again

    posted = sim_posts(simulator)
    assert [len(posted[p]) for p in ("mastodon", "bluesky", "x")] == [4, 4, 4]
    for row in OutboxItem.objects.filter(case__campaign_post__in=posts):
        assert row.status == OutboxStatus.SENT
        assert row.sent_at >= when
    # Threads: the second post of each language answers the first.
    for platform, parent_key, id_key in (
        ("mastodon", "in_reply_to_id", "id"),
        ("x", "in_reply_to_id", "id"),
        ("bluesky", "reply_parent", "uri"),
    ):
        items = posted[platform]
        by_id = {p[id_key]: p for p in items}
        heads = [p for p in items if not p.get(parent_key)]
        assert len(heads) == 2, platform
        for p in items:
            if p.get(parent_key):
                assert p[parent_key] in by_id
    mastodon_head = next(
        p for p in posted["mastodon"] if not p["in_reply_to_id"] and "online" in p["text"]
    )
    assert "A passport on a laptop." in str(mastodon_head)
    bluesky_fr = next(
        p for p in posted["bluesky"] if not p.get("reply_parent") and "ligne" in p["text"]
    )
    assert bluesky_fr["images"][0]["alt"] == "Un passeport."
    for post in posts:
        post.case.refresh_from_db()
        assert post.case.state == CaseState.REPLIED


def test_an_image_without_alt_text_is_refused_and_nothing_is_created(team, world):
    with pytest.raises(ValidationError, match="alt text"):
        compose_thread(team, world, when=None, alt_fr=" ")
    assert CampaignPost.objects.count() == 0


def test_a_post_too_long_for_x_is_refused_by_the_same_checks_as_a_reply(team, world):
    with pytest.raises(OutgoingTextRefused, match="280"):
        campaigns.campaign_post_compose(
            campaign_id=world.campaign.pk,
            actor=team.officer,
            via="web",
            account_ids=[a.pk for a in world.accounts],
            texts_en=["Renew online. " * 21],
            texts_fr=["En ligne."],
        )
    assert CampaignPost.objects.count() == 0
