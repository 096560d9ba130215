"""The inbox in headless Chromium: sign in, see cases, filter, keyboard shortcuts,
and no axe-core violations on the login and inbox pages in English and French."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from responder.inbox.models import Case, CaseState
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    # A private cache: the inbox caches its menus, and ids repeat between test runs.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "inbox-tests",
        }
    }
    cache.clear()


def _switch_to_french(page) -> None:
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_login_and_inbox_pages_have_no_axe_violations_in_both_languages(
    page, live_server, team
) -> None:
    team.case(text="How long does a passport renewal take?")
    team.case(text="Combien de temps pour un passeport?", language="fr")
    page.goto(f"{live_server.url}/accounts/login/")
    assert_no_axe_violations(page)
    _switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)

    login(page, live_server.url, "olivia")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("#inbox-table tbody tr[data-case-id]")).to_have_count(2)
    # The state badges arrive just after the page (htmx, under the page's CSP).
    expect(page.locator("#count-new")).to_have_text("2")
    expect(page.locator("#count-closed")).to_have_text("0")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    assert_no_axe_violations(page)


def test_officer_filters_and_works_the_inbox_from_the_keyboard(page, live_server, team) -> None:
    older = team.case(text="Is the office open on Saturday?")
    newest = team.case(text="Où est mon passeport? <script>alert(1)</script>", language="fr")
    login(page, live_server.url, "olivia")
    rows = page.locator("#inbox-table tbody tr[data-case-id]")
    expect(rows).to_have_count(2)
    # Citizen markup is shown as text.
    expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()

    # Filter by language with the form (behind "More filters" in the compact bar, #14).
    page.get_by_text("More filters", exact=True).click()
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"language=fr"))
    expect(rows).to_have_count(1)
    expect(page.locator("#more-filters summary")).to_have_text("More filters (1 on)")
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(2)

    # j selects the first (newest) case, c claims it: one keystroke, no mouse.
    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile("is-active"))
    expect(page.locator(f'tr[data-case-id="{newest.pk}"] .case-link')).to_be_focused()
    page.keyboard.press("c")
    expect(page.get_by_text(f"You hold case #{newest.pk} now.")).to_be_visible()
    newest.refresh_from_db()
    assert newest.state == CaseState.DRAFTING and newest.owner == team.officer

    # j, j moves to the second case; x asks for a reason and closes it.
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f'tr[data-case-id="{older.pk}"]')).to_have_class(re.compile("is-active"))
    page.keyboard.press("x")
    dialog = page.locator("#close-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Reason").select_option("no_answer_needed")
    dialog.get_by_role("button", name="Close case").click()
    expect(page.get_by_text("Closed 1 case.")).to_be_visible()
    assert Case.objects.get(pk=older.pk).state == CaseState.CLOSED

    # ? shows the shortcuts; o opens the selected case's page.
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/cases/{newest.pk}/$"))


def test_new_cases_arrive_as_a_count_not_as_moving_rows(page, live_server, team) -> None:
    team.case(text="First question")
    login(page, live_server.url, "olivia")
    rows = page.locator("#inbox-table tbody tr[data-case-id]")
    expect(rows).to_have_count(1)
    team.case(text="A brand new question")
    # Trigger the poll now instead of waiting ten seconds.
    page.evaluate(
        "htmx.ajax('GET', document.getElementById('live-poll').getAttribute('hx-get'),"
        " {target: '#live-poll', swap: 'outerHTML'})"
    )
    notice = page.locator("#live-region")
    expect(notice).to_contain_text("1 new case", timeout=10_000)
    expect(rows).to_have_count(1)  # nothing moved under the cursor
    notice.get_by_role("link", name="Show").click()
    expect(rows).to_have_count(2)
