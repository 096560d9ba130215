"""The campaign's pages over HTTP with the simulator: composing (alt text required),
the community's posts under the campaign's hashtags with boost / undo, and figures
that equal a recount of the simulator's state."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from responder.campaigns import selectors
from responder.campaigns.models import ActionStatus, CampaignPost, CommunityAction
from responder.campaigns.services import community_action_send, community_actions_due
from responder.channels.ingest import account_poll
from responder.inbox.models import Case, CaseState
from tests.campaigns.conftest import PNG, sim_control
from workflows.models import ApprovalStep

pytestmark = pytest.mark.django_db


def compose_data(world, **extra):
    data = {
        "accounts": [a.pk for a in world.accounts],
        "text_en": "Renew your passport online. #passport2026\n---\nIt takes about 10 days.",
        "text_fr": "Renouvelez en ligne. #passeport2026\n---\nEnviron 10 jours.",
        "scheduled_for": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "image": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        "alt_en": "A passport on a laptop.",
        "alt_fr": "Un passeport sur un portable.",
    }
    data.update(extra)
    return data


def test_composing_without_alt_text_is_refused_and_with_it_the_post_waits_for_approval(
    client, team, world
):
    client.force_login(team.officer)
    url = reverse("campaigns:compose", args=[world.campaign.pk])
    assert client.get(url).status_code == 200

    refused = client.post(url, compose_data(world, alt_fr=""))
    assert refused.status_code == 400
    assert "alt text" in refused.content.decode()
    assert not CampaignPost.objects.exists()

    done = client.post(url, compose_data(world))
    assert done.status_code == 302
    assert CampaignPost.objects.count() == 3
    page = client.get(reverse("campaigns:detail", args=[world.campaign.pk])).content.decode()
    assert page.count("In review") == 3
    calendar = client.get(reverse("campaigns:calendar", args=[world.campaign.pk]))
    assert calendar.content.decode().count("Waiting for approval") == 3

    # The director decides on the same review page as for a reply, seeing the thread.
    step = ApprovalStep.objects.filter(case__campaign_post__isnull=False).first()
    client.force_login(team.director)
    review = client.get(reverse("workflows:step", args=[step.pk]))
    assert review.status_code == 200
    assert "It takes about 10 days." in review.content.decode()
    decided = client.post(reverse("workflows:step", args=[step.pk]), {"action": "approve"})
    assert decided.status_code in (200, 302)
    step.case.refresh_from_db()
    assert step.case.state == CaseState.APPROVED
    calendar = client.get(reverse("campaigns:calendar", args=[world.campaign.pk]))
    assert calendar.content.decode().count("Scheduled") == 1


def test_someone_of_another_department_cannot_see_the_campaign(client, team, world):
    client.force_login(team.outsider)
    for name in ("detail", "compose", "calendar", "community", "figures"):
        assert client.get(reverse(f"campaigns:{name}", args=[world.campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:list")).content.decode().count("Renew online") == 0


def community_posts(simulator, world, count=30):
    simulator.client.post(
        "/_sim/community/settings", json={"campaign_tags": ["passport2026"]}
    ).raise_for_status()
    made = simulator.client.post("/_sim/community/posts", json={"count": count, "seed": 3}).json()
    for account in world.accounts:
        account_poll(account_id=account.pk)
    return made


def test_a_boost_undone_within_the_hold_never_reaches_the_platform(client, team, world, simulator):
    community_posts(simulator, world)
    client.force_login(team.officer)
    page = selectors.community_page(campaign=world.campaign)
    mastodon = [c for c in page.cases if c.platform == "mastodon"]
    undone, kept = mastodon[0], mastodon[1]
    act = "campaigns:act"
    for case in (undone, kept):
        response = client.post(
            reverse(act, args=[world.campaign.pk]), {"case": case.pk, "kind": "boost"}
        )
        assert response.status_code == 302
    held = CommunityAction.objects.get(case_id=undone.pk)
    assert held.status == ActionStatus.HELD
    response = client.post(
        reverse("campaigns:undo", args=[world.campaign.pk]), {"community_action": held.pk}
    )
    assert response.status_code == 302

    later = timezone.now() + dt.timedelta(seconds=settings.COMMUNITY_HOLD_SECONDS + 1)
    with time_machine.travel(later, tick=True):
        for action_id in community_actions_due():
            community_action_send(action_id=action_id)
        # The send task arriving late for the undone boost does nothing either.
        assert community_action_send(action_id=held.pk) == "skipped"

    boosted = [a for a in sim_control(simulator, "/_sim/mastodon/actions")["reblogged"]]
    assert boosted == [Case.objects.get(pk=kept.pk).external_id]
    held.refresh_from_db()
    assert held.status == ActionStatus.UNDONE
    # Too late to undo the other one now.
    sent = CommunityAction.objects.get(case_id=kept.pk)
    assert sent.status == ActionStatus.DONE
    response = client.post(
        reverse("campaigns:undo", args=[world.campaign.pk]), {"community_action": sent.pk}
    )
    assert "Too late" in client.get(response["Location"]).content.decode()


def test_the_campaign_s_figures_equal_a_recount_of_the_simulator(client, team, world, simulator):
    made = community_posts(simulator, world, count=45)
    client.force_login(team.officer)
    page = selectors.community_page(campaign=world.campaign, limit=200)
    for case in page.cases[:3]:
        client.post(
            reverse("campaigns:act", args=[world.campaign.pk]),
            {"case": case.pk, "kind": "favourite"},
        )
    client.post(
        reverse("campaigns:act", args=[world.campaign.pk]),
        {"case": page.cases[3].pk, "kind": "question"},
    )
    later = timezone.now() + dt.timedelta(seconds=settings.COMMUNITY_HOLD_SECONDS + 1)
    with time_machine.travel(later, tick=True):
        for action_id in community_actions_due():
            community_action_send(action_id=action_id)

    figures = selectors.campaign_figures(campaign=world.campaign)
    tagged = [p for p in made if "passport2026" in [t.lower() for t in p["tags"]]]
    assert sum(n for _day, n, _new in figures.volume) == len(tagged)
    liked = (
        len(sim_control(simulator, "/_sim/mastodon/actions")["favourited"])
        + len(sim_control(simulator, "/_sim/bluesky/likes"))
        + len(sim_control(simulator, "/_sim/x/actions")["likes"])
    )
    assert figures.favourites == liked == 3
    assert figures.questions == 1

    csv = client.get(
        reverse("campaigns:figures-csv", args=[world.campaign.pk]), {"table": "volume"}
    )
    assert csv.status_code == 200
    rows = csv.content.decode().strip().splitlines()[1:]
    assert sum(int(r.split(",")[1]) for r in rows) == len(tagged)
    assert client.get(reverse("campaigns:figures", args=[world.campaign.pk])).status_code == 200


def test_the_demo_shows_a_campaign_on_three_platforms(client, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from responder.accounts.models import User
    from responder.campaigns.models import Campaign

    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")
    call_command("seed_demo", "--no-cases", stdout=StringIO())
    call_command("seed_campaign_demo", stdout=StringIO())
    call_command("seed_campaign_demo", stdout=StringIO())  # twice: nothing more
    (campaign,) = Campaign.objects.all()
    assert sorted(campaign.accounts.values_list("platform", flat=True)) == [
        "bluesky",
        "mastodon",
        "x",
    ]
    client.force_login(campaign.owner)
    page = client.get(reverse("campaigns:list")).content.decode()
    assert "Renew your passport online" in page
    assert User.objects.filter(pk=campaign.owner_id).exists()
