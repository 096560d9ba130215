"""A campaign on our three simulated accounts (Mastodon, Bluesky, X), and a rule that
sends its outgoing posts to the director."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from responder.accounts.models import Role
from responder.campaigns.models import Campaign
from responder.channels.models import PlatformAccount
from responder.testing.factories import PolicyFactory, layer, rule
from tests.sim import make_mastodon_account

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64


@dataclass
class CampaignWorld:
    campaign: Campaign
    accounts: list[PlatformAccount]
    policy: Any
    rule: Any


def sim_control(simulator: Any, path: str) -> Any:
    return simulator.client.get(path).raise_for_status().json()


def sim_posts(simulator: Any) -> dict[str, list[dict[str, Any]]]:
    """Our posts on each platform, as the simulator holds them."""
    return {
        "mastodon": sim_control(simulator, "/_sim/posts"),
        "bluesky": sim_control(simulator, "/_sim/bluesky/posts"),
        "x": sim_control(simulator, "/_sim/x/posts"),
    }


@pytest.fixture
def world(team: Any, simulator: Any) -> CampaignWorld:
    mastodon = make_mastodon_account(
        simulator, team.department, hashtags="passport2026,passeport2026"
    )
    bluesky = PlatformAccount.objects.create(
        platform="bluesky",
        name="Passport Office",
        handle="passports.sim.example",
        department=team.department,
        base_url=simulator.url,
        credentials={"identifier": "passports.sim.example", "password": simulator.token},
        hashtags="passport2026,passeport2026",
    )
    x = PlatformAccount.objects.create(
        platform="x",
        name="Passport Office",
        handle="passports",
        department=team.department,
        base_url=simulator.url,
        credentials={"access_token": simulator.token},
        hashtags="passport2026,passeport2026",
    )
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name_en="Renew online",
        name_fr="Renouveler en ligne",
        hashtags="passport2026, passeport2026",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        owner=team.officer,
        department=team.department,
    )
    campaign.accounts.set([mastodon, bluesky, x])
    director = PolicyFactory(name="Campaign posts: director")
    layer(director, 1, Role.APPROVER, name="Director")
    chosen = rule(
        director, 5, subject="outgoing", campaign=campaign, name="Campaign posts need the director"
    )
    return CampaignWorld(
        campaign=campaign, accounts=[mastodon, bluesky, x], policy=director, rule=chosen
    )
