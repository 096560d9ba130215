"""The inbox page and the API list read the same cases for the same filters: an
officer who moves from the browser to a script (or back) never sees two answers."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from responder.inbox import services as inbox
from responder.testing.factories import CaseFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "inbox-api-tests",
        }
    }
    cache.clear()


def test_inbox_page_and_api_list_agree_on_every_filter(team, api_as) -> None:
    bluesky = PlatformAccountFactory(platform="bluesky", department=team.department)
    joan = team.case(text="Where is my passport?", author_handle="joan@mastodon.example")
    jo_text = team.case(text="Jo asked about 100% of the fee", author_handle="kim@x.example")
    french = team.case(text="Horaires à Gatineau?", language="fr", author_name="Joanne")
    other = team.case(text="Merci", language="other")
    sky = CaseFactory(
        account=bluesky,
        department=team.department,
        platform="bluesky",
        text="Renewal in Gatineau?",
        author_handle="ana.bsky",
    )
    closed = team.case(text="spam spam", author_handle="joanna@mastodon.example")
    inbox.case_claim(case_id=joan.pk, actor=team.officer, via="web")
    inbox.case_claim(case_id=sky.pk, actor=team.officer2, via="web")
    inbox.case_close(case_id=closed.pk, actor=team.officer, via="web", reason="spam")
    all_ids = {c.pk for c in (joan, jo_text, french, other, sky, closed)}

    page_client = Client()
    page_client.force_login(team.officer)
    api = api_as(team.officer)

    def on_page(query: str) -> set[int]:
        body = page_client.get("/?" + query).content.decode()
        return {int(x) for x in re.findall(r'data-case-id="(\d+)"', body)}

    def in_api(query: str) -> set[int]:
        response = api.get("/api/v1/cases/?" + query)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    expected = {
        "": all_ids,
        "state=drafting": {joan.pk, sky.pk},
        "state=closed": {closed.pk},
        "platform=bluesky": {sky.pk},
        f"account={bluesky.pk}": {sky.pk},
        "language=fr": {french.pk},
        "language=other": {other.pk},
        f"owner={team.officer2.pk}": {sky.pk},
        "mine=true": {joan.pk},
        "unassigned=true": {jo_text.pk, french.pk, other.pk},
        "q=gatineau": {french.pk, sky.pk},
        "q=100%25": {jo_text.pk},  # a literal "%", not a wildcard
        "q=jo": {joan.pk, jo_text.pk, closed.pk},  # text "Jo ...", handles joan@, joanna@
        "q=@jo": {joan.pk, closed.pk},  # handles only
        "q=@ana": {sky.pk},
        "q=nothing-like-this": set(),
    }
    for query, ids in expected.items():
        page_query = query.replace("=true", "=on")
        assert on_page(page_query) == ids, f"page: {query}"
        assert in_api(query) == ids, f"API: {query}"
