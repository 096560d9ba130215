"""The hashtag view's page (SQL, read all day) lists exactly the posts community_cases()
defines, in keyset pages that neither skip nor repeat a post, ties on the time included."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from responder.campaigns import selectors
from responder.campaigns.models import Campaign
from responder.inbox.models import OUTGOING_SOURCE
from responder.testing.factories import CaseFactory, DepartmentFactory, PlatformAccountFactory


def _campaign(team, hashtags: str, accounts: list) -> Campaign:
    campaign = Campaign.objects.create(
        name_en="Renew online",
        name_fr="Renouveler en ligne",
        hashtags=hashtags,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        owner=team.officer,
        department=team.department,
    )
    campaign.accounts.set(accounts)
    return campaign


def test_the_page_lists_what_community_cases_defines_page_after_page(team):
    mine = PlatformAccountFactory(department=team.department)
    elsewhere = PlatformAccountFactory(department=team.department)  # not the campaign's
    other_department = PlatformAccountFactory(department=DepartmentFactory(slug="other"))
    campaign = _campaign(team, " #Passport2026, passeport2026 ,", [mine, team.account])
    at = timezone.now().replace(microsecond=0)
    texts = [
        "So quick #PASSPORT2026",
        "Formulaire #passeport2026",
        "Both #passport2026 #passeport2026",
    ]
    for i in range(23):
        # Three posts share each time: the cursor must tell them apart by id.
        when = at - dt.timedelta(minutes=i // 3)
        CaseFactory(account=[mine, team.account][i % 2], text=texts[i % 3], received_at=when)
    CaseFactory(account=mine, text="No tag here", received_at=at)
    CaseFactory(account=mine, text="Mid-word a#passport2026", received_at=at)
    CaseFactory(account=elsewhere, text="Other account #passport2026", received_at=at)
    CaseFactory(account=other_department, text="Other department #passport2026", received_at=at)
    CaseFactory(account=mine, text="Ours #passport2026", source=OUTGOING_SOURCE, received_at=at)

    expected = list(
        selectors.community_cases(campaign=campaign)
        .order_by("-received_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 23

    seen, before = [], None
    while True:
        page = selectors.community_page(campaign=campaign, before=before, limit=5)
        seen.extend(post.pk for post in page.cases)
        if page.older is None:
            break
        before = page.older
    assert seen == expected
    first = selectors.community_page(campaign=campaign, limit=5).cases[0]
    assert (first.platform, first.get_platform_display()) == ("mastodon", "Mastodon")


def test_a_campaign_without_hashtags_lists_nothing(team):
    CaseFactory(account=team.account, text="Anything #passport2026")
    campaign = _campaign(team, " , ", [team.account])
    page = selectors.community_page(campaign=campaign)
    assert (page.cases, page.older) == ([], None)
