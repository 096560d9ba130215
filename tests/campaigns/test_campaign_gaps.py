"""Gaps found in review of the campaigns (#15), each reproduced first: outgoing posts
kept out of the officers' inbox, a stalled thread shown and retried or cancelled,
quotes and impressions in the figures, and the opportunities on the campaign page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from responder.campaigns import services as campaigns
from responder.testing.factories import CaseFactory

pytestmark = pytest.mark.django_db


def compose(team, world, *, n=0, scheduled_for=None, thread=1):
    return campaigns.campaign_post_compose(
        campaign_id=world.campaign.pk,
        actor=team.officer,
        via="web",
        account_ids=[a.pk for a in world.accounts],
        texts_en=[f"Tip {n}.{k}: renew online. #passport2026" for k in range(thread)],
        texts_fr=[f"Astuce {n}.{k} : en ligne. #passeport2026" for k in range(thread)],
        scheduled_for=scheduled_for or timezone.now() + dt.timedelta(hours=1),
    )


def listed_case_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-case-id="(\d+)"', html)}


def test_outgoing_campaign_posts_are_not_in_the_officers_inbox(client, team, world):
    question = CaseFactory(account=world.accounts[0], department=team.department)
    posts = compose(team, world)
    client.force_login(team.officer)
    for url in ("/", "/?state=in_review", "/?state=drafting&sort=newest"):
        shown = listed_case_ids(client.get(url).content.decode())
        assert not shown & {p.case_id for p in posts}, url
    assert question.pk in listed_case_ids(client.get("/").content.decode())
    # Nor counted in the badges: the three posts wait in review, the question is new.
    counts = client.get("/inbox/counts/").content.decode()
    assert re.search(r'id="count-in_review"[^>]*>0<', counts), counts
