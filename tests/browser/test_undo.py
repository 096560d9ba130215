"""Undo (#14) in Chromium: after "Send this answer" the case page says "Sending in N s"
with an Undo button; within the hold Undo takes the reply back to the draft (never
posted); after the hold Undo is refused and the reply goes out. Axe in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from responder.channels.models import OutboxItem, OutboxStatus
from responder.inbox.models import Case, CaseState
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _hold_ends(item: OutboxItem) -> None:
    """The hold runs out (its due time passes), without waiting for it."""
    past = timezone.now() - dt.timedelta(seconds=1)
    OutboxItem.objects.filter(pk=item.pk).update(not_before=past, next_attempt_at=past)


def test_undo_within_the_hold_and_refusal_after_it(page, live_server, team):
    team.department.undo_hold_seconds = 120
    team.department.save(update_fields=["undo_hold_seconds"])
    case = team.case(text="How long does a passport renewal take?")
    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator(f"[data-send-answer='{team.answer.pk}']").click()
    page.get_by_role("button", name="Send", exact=True).click()

    # Held: the case page says when it goes, and offers Undo.
    expect(page.locator("#undo-countdown")).to_contain_text("Sending in")
    expect(page.locator("#case-state")).to_have_text("Approved")
    assert_no_axe_violations(page)
    page.locator("#undo-send").click()

    expect(page.locator("#case-state")).to_have_text("Drafting")
    expect(page.locator("#undo-offer")).to_have_count(0)
    first = OutboxItem.objects.get(case=case)
    assert first.status == OutboxStatus.UNDONE
    assert Case.objects.get(pk=case.pk).drafts.last().text == team.answer.text_en  # kept

    # In French, submitted again: held again, then the hold runs out before Undo.
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#draft-submit").click()
    expect(page.locator("#undo-countdown")).to_contain_text("Envoi dans")
    assert_no_axe_violations(page)
    second = OutboxItem.objects.exclude(pk=first.pk).get(case=case)
    _hold_ends(second)
    page.get_by_role("button", name="Annuler", exact=True).click()

    expect(page.locator("#case-alert")).to_contain_text("Trop tard pour annuler")
    assert_no_axe_violations(page)
    second.refresh_from_db()
    assert second.status == OutboxStatus.PENDING  # nothing changed: it goes out
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
