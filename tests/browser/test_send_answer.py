"""A library answer in two clicks (#14): "Send this answer" on a suggestion, then
"Send" on a confirmation that shows the exact text as posted and its route."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from responder.channels.models import OutboxItem
from responder.inbox.models import Case, CaseState
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_this_answer_claims_drafts_and_submits_in_two_clicks(page, live_server, team):
    case = team.case(text="How long does a passport renewal take?")
    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    page.locator(f"[data-send-answer='{team.answer.pk}']").click()  # click 1
    posted = f"@{case.author_handle} {team.answer.text_en}"
    expect(page.locator("[data-posted-text]")).to_have_text(posted)
    expect(page.locator("[data-route='none']")).to_contain_text("No approval needed")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send", exact=True).click()  # click 2
    expect(page.locator("#case-state")).not_to_have_text("New")
    case.refresh_from_db()
    assert case.owner == team.officer and case.state != CaseState.NEW
    assert OutboxItem.objects.get(case=case).text == posted


def test_confirmation_in_french_says_when_approval_is_needed(page, live_server, team):
    """An answer past its review date is no longer pre-approved: the confirmation
    says so (route_for's layers) and the answer goes into review."""
    team.answer.review_date = dt.date(2000, 1, 1)
    team.answer.save()
    case = team.case(text="Combien de temps pour un renouvellement?", language="fr")
    login(page, live_server.url, "olivia")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{live_server.url}/cases/{case.pk}/send-answer/?answer={team.answer.pk}&lang=fr")
    expect(page.locator("[data-posted-text]")).to_contain_text(team.answer.text_fr)
    expect(page.locator("[data-route='approval']")).to_be_visible()
    assert_no_axe_violations(page)
    page.locator("[data-confirm-send]").click()
    expect(page.locator("#case-state")).to_be_visible()
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_REVIEW
