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


def _approve_all(team):
    from workflows.models import ApprovalStep, StepStatus
    from workflows.services import approval_decide

    for step in ApprovalStep.objects.filter(status=StepStatus.OPEN):
        approval_decide(step_id=step.pk, reviewer=team.director, decision="approve", via="web")


def _due_now(posts):
    from responder.campaigns.models import CampaignPost
    from responder.channels.models import OutboxItem

    due = timezone.now() - dt.timedelta(seconds=1)
    CampaignPost.objects.filter(pk__in=[p.pk for p in posts]).update(scheduled_for=due)
    OutboxItem.objects.filter(case_id__in=[p.case_id for p in posts]).update(
        not_before=due, next_attempt_at=due
    )


def _post_all_due():
    """What the workers do, inline: send every due row until nothing is due."""
    from responder.channels.posting import outbox_due_ids, outbox_item_send

    for _ in range(30):
        if not outbox_due_ids(grace=dt.timedelta(0)):
            return
        outbox_item_send(outbox_item_id=None)


def stalled_thread(team, world, simulator):
    """A thread of three posts on Mastodon whose second English post is refused."""
    from responder.channels.models import OutboxItem

    posts = compose(team, world, thread=3)
    posts = [p for p in posts if p.account.platform == "mastodon"]
    _approve_all(team)
    _due_now(posts)
    post = posts[0]
    rows = list(OutboxItem.objects.filter(case_id=post.case_id).order_by("id"))
    english = [r for r in rows if r.language == "en"]
    # The heads go out; then the platform refuses the next post it is sent, for good.
    from responder.channels.posting import outbox_item_send

    outbox_item_send(outbox_item_id=None)  # one batch: the due rows are the heads
    simulator.fault(
        status=422, path_prefix="/api/v1/statuses", method="POST", message="Text not allowed"
    )
    outbox_item_send(outbox_item_id=english[1].pk)
    return post, english


def test_a_stalled_thread_shows_why_and_the_owner_retries_it_in_order(
    client, team, world, simulator
):
    from responder.audit.models import AuditEvent
    from responder.channels.models import OutboxItem, OutboxStatus
    from tests.campaigns.conftest import sim_control

    post, english = stalled_thread(team, world, simulator)
    _post_all_due()
    english = [OutboxItem.objects.get(pk=r.pk) for r in english]
    assert [r.status for r in english] == [
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.PENDING,
    ]
    client.force_login(team.officer)
    page = client.get(f"/campaigns/{world.campaign.pk}/").content.decode()
    assert "Stalled" in page and "Text not allowed" in page
    assert "1 later post waits for it." in page
    calendar = client.get(f"/campaigns/{world.campaign.pk}/calendar/").content.decode()
    assert "Failed: the rest of the thread waits" in calendar

    response = client.post(
        f"/campaigns/{world.campaign.pk}/posts/stalled/", {"post": post.pk, "action": "retry"}
    )
    assert response.status_code == 302
    _post_all_due()
    assert set(
        OutboxItem.objects.filter(case_id=post.case_id).values_list("status", flat=True)
    ) == {OutboxStatus.SENT}
    # In order on the platform: each English post answers the one before.
    english = [OutboxItem.objects.get(pk=r.pk) for r in english]
    by_id = {p["id"]: p for p in sim_control(simulator, "/_sim/posts")}
    assert by_id[english[1].external_id]["in_reply_to_id"] == english[0].external_id
    assert by_id[english[2].external_id]["in_reply_to_id"] == english[1].external_id
    assert AuditEvent.objects.filter(action="campaign.thread_retry", actor=team.officer).exists()
    assert "Stalled" not in client.get(f"/campaigns/{world.campaign.pk}/").content.decode()


def test_the_rest_of_a_stalled_thread_can_be_cancelled(client, team, world, simulator):
    from responder.audit.models import AuditEvent
    from responder.channels.models import OutboxItem, OutboxStatus

    post, english = stalled_thread(team, world, simulator)
    _post_all_due()
    sent_before = len(simulator.client.get("/_sim/posts").json())
    client.force_login(team.officer)
    client.post(
        f"/campaigns/{world.campaign.pk}/posts/stalled/", {"post": post.pk, "action": "cancel"}
    )
    _post_all_due()
    english = [OutboxItem.objects.get(pk=r.pk) for r in english]
    assert [r.status for r in english] == [
        OutboxStatus.SENT,
        OutboxStatus.CANCELLED,
        OutboxStatus.CANCELLED,
    ]
    assert len(simulator.client.get("/_sim/posts").json()) == sent_before
    page = client.get(f"/campaigns/{world.campaign.pk}/").content.decode()
    assert "2 posts cancelled." in page
    assert AuditEvent.objects.filter(action="campaign.thread_cancel", actor=team.officer).exists()
    assert AuditEvent.objects.filter(action="outbox.cancel").count() == 2


def test_quotes_and_impressions_are_in_the_figures_where_a_platform_gives_them(
    client, team, world, simulator
):
    from responder.channels.engagement import engagement_refresh
    from responder.channels.models import OutboxItem

    posts = compose(team, world)
    _approve_all(team)
    _due_now(posts)
    _post_all_due()
    sent = {
        row.account.platform: row
        for row in OutboxItem.objects.select_related("account").filter(language="en")
    }
    simulator.client.post(
        "/_sim/x/engage", json={"id": sent["x"].external_id, "quotes": 3, "impressions": 1234}
    ).raise_for_status()
    simulator.client.post(
        "/_sim/bluesky/engage", json={"uri": sent["bluesky"].external_id, "quotes": 5}
    ).raise_for_status()
    engagement_refresh()
    client.force_login(team.officer)
    url = f"/campaigns/{world.campaign.pk}/figures/"
    page = client.get(url).content.decode()
    assert '<th scope="col">Quotes</th>' in page and '<th scope="col">Impressions</th>' in page
    csv_text = client.get(url.replace("figures/", "figures.csv") + "?table=posts").content.decode()
    x_line = next(line for line in csv_text.splitlines() if "Tip 0.0" in line and "X" in line)
    assert x_line.endswith(",3,1234"), x_line
    bluesky_line = next(
        line for line in csv_text.splitlines() if "Tip 0.0" in line and "Bluesky" in line
    )
    assert bluesky_line.endswith(",5,"), bluesky_line  # Bluesky gives no impressions
    mastodon_line = next(
        line for line in csv_text.splitlines() if "Tip 0.0" in line and "Mastodon" in line
    )
    assert mastodon_line.endswith(",,"), mastodon_line  # Mastodon gives neither
    team.officer.language = "fr"
    team.officer.save()
    page = client.get(url).content.decode()
    assert '<th scope="col">Citations</th>' in page and '<th scope="col">Impressions</th>' in page


def test_the_campaign_page_shows_opportunities(client, team, world):
    from responder.campaigns.models import ActionKind

    mastodon = world.accounts[0]

    def community(text, **kw):
        return CaseFactory(
            account=mastodon, department=team.department, source="hashtag", text=text, **kw
        )

    popular = community("Renewed in 10 minutes! #passport2026")
    boosted = community("Smooth process #passport2026")
    for n in range(3):
        community(f"Same here ({n}) #passport2026", parent=popular)
    community("Agreed #passport2026", parent=boosted)
    question = community("Does it work for a child's passport? #passport2026")
    for case, kind in ((boosted, ActionKind.BOOST), (question, ActionKind.QUESTION)):
        campaigns.community_act(
            campaign_id=world.campaign.pk,
            case_id=case.pk,
            actor=team.officer,
            via="web",
            kind=kind,
        )
    client.force_login(team.officer)
    page = client.get(f"/campaigns/{world.campaign.pk}/").content.decode()
    section = page.split("Most engaged community posts not acknowledged yet")[1].split("<h2")[0]
    assert "Renewed in 10 minutes!" in section and "3 replies" in section
    assert "Smooth process" not in section  # boosted: acknowledged
    unanswered = page.split("Questions not answered yet")[1].split("<h3")[0]
    assert "child&#x27;s passport" in unanswered or "child's passport" in unanswered
