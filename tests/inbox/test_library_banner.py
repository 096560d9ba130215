"""Issue 11 item 7: after a library answer is edited, the banner above the editor and
the approval box below it say the same thing, because both come from the one routing
decision (workflows.routing.route_for)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from responder.inbox import services

pytestmark = pytest.mark.django_db

UNCHANGED = "Unchanged, it needs no further approval while it is pre-approved."


def banner(html: str) -> str:
    match = re.search(r'id="library-banner">(.*?)</span>', html, re.S)
    assert match, "no library banner on the page"
    return match.group(1)


def approval_box(html: str) -> str:
    match = re.search(r'id="route-preview">(.*?)</div>', html, re.S)
    assert match, "no approval box on the page"
    return match.group(1)


@pytest.fixture
def officer_page(team):
    case = team.case()
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    client = Client()
    client.force_login(team.officer)
    return case, client


def test_an_edited_library_answer_is_not_called_unchanged(team, officer_page):
    case, client = officer_page
    picked = client.get(reverse("cases:use_answer", args=[case.pk]), {"answer": team.answer.pk})
    assert UNCHANGED in picked.content.decode()

    client.post(
        reverse("cases:draft_save", args=[case.pk]),
        {
            "text": team.answer.text_en + " We hope this helps.",
            "language": "en",
            "library_answer_id": team.answer.pk,
        },
    )
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert UNCHANGED not in html
    assert "Changed from the library answer: the reply needs 1 approval layer." in banner(html)
    assert "This reply needs 1 approval layer before it is posted" in approval_box(html)


def test_an_unchanged_answer_needs_no_approval_in_both_places(team, officer_page):
    case, client = officer_page
    client.post(
        reverse("cases:draft_save", args=[case.pk]),
        {"text": team.answer.text_en, "language": "en", "library_answer_id": team.answer.pk},
    )
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert UNCHANGED in banner(html)
    assert "No approval needed" in approval_box(html)


def test_an_answer_past_its_review_date_is_not_called_unchanged(team, officer_page):
    import datetime as dt

    from django.utils import timezone

    case, client = officer_page
    client.post(
        reverse("cases:draft_save", args=[case.pk]),
        {"text": team.answer.text_en, "language": "en", "library_answer_id": team.answer.pk},
    )
    team.answer.review_date = timezone.localdate() - dt.timedelta(days=1)
    team.answer.save()
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert UNCHANGED not in html
    assert "not pre-approved now: the reply needs 1 approval layer." in banner(html)
    assert "This reply needs 1 approval layer before it is posted" in approval_box(html)
