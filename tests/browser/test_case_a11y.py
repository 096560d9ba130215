"""axe-core on the case page and the answer library, in English and French, and the
case page used with the keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.inbox import services
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _to_french(page) -> None:
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_case_and_library_pages_have_no_axe_violations_in_both_languages(
    page, live_server, team
) -> None:
    hostile = team.case(text="<script>alert(1)</script> **bold** <b>hi</b>")
    drafted = team.case(text="Combien de temps pour un passeport?", language="fr")
    services.case_claim(case_id=drafted.pk, actor=team.officer, via="web")
    services.draft_save(
        case_id=drafted.pk,
        actor=team.officer,
        via="web",
        text="Le traitement prend 10 jours ouvrables. Voir https://example.com/x.",
    )
    services.draft_save(
        case_id=drafted.pk,
        actor=team.officer,
        via="web",
        text="Le traitement prend 10 jours ouvrables. Voir canada.ca/passeports.",
    )
    login(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/cases/{hostile.pk}/")
    expect(page.locator("#citizen-text")).to_have_text(hostile.text)  # shown as text
    assert page.locator("#citizen-text b").count() == 0
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/cases/{drafted.pk}/")
    expect(page.locator("#route-preview")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/library/")
    expect(page.locator("#library-results")).to_contain_text(team.answer.title_en)
    assert_no_axe_violations(page)

    _to_french(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/cases/{drafted.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/cases/{hostile.pk}/")
    assert_no_axe_violations(page)


def test_locked_case_for_another_officer_and_keyboard_claim(page, live_server, team) -> None:
    held = team.case(text="Where is my passport?")
    services.case_claim(case_id=held.pk, actor=team.officer2, via="web")
    free = team.case(text="Do I need a photo?")
    login(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/cases/{held.pk}/")
    expect(page.get_by_text(f"Held by {team.officer2}")).to_be_visible()
    expect(page.locator("#draft-text")).to_be_disabled()
    assert_no_axe_violations(page)

    # Claim with the keyboard only: focus the button and press Enter.
    page.goto(f"{live_server.url}/cases/{free.pk}/")
    page.locator("#case-claim").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#case-state")).to_have_text("Drafting")
    expect(page.locator("#draft-text")).to_be_enabled()
    page.locator("#draft-text").focus()
    page.keyboard.type("Yes, one photo. ")
    # Mastodon counts @user@server as @user; the handle is added and counted.
    user = free.author_handle.split("@")[0]
    expect(page.locator("#draft-count [data-count]")).to_have_text(
        str(len(f"@{user} Yes, one photo."))
    )
    # The checks follow the text as it is typed (an htmx POST with the CSRF token).
    expect(page.locator("#editor-checks")).to_contain_text("characters with the handle")


def test_a_refused_action_is_shown_as_a_message(page, live_server, team) -> None:
    case = team.case(text="Is the office open on Monday?")
    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    # Someone else claims it after the page was loaded.
    services.case_claim(case_id=case.pk, actor=team.officer2, via="web")
    page.get_by_role("button", name="Claim", exact=True).click()
    alert = page.locator("#case-alert")
    expect(alert).to_contain_text("changed since you loaded it")
    expect(alert).to_be_focused()


def test_library_search_in_place_and_other_language(page, live_server, team) -> None:
    case = team.case(text="Do I need a photo?")
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("Search the library").fill("business days")
    results = page.locator("#library-results")
    expect(results).to_contain_text("Search results")
    expect(results).to_contain_text(team.answer.title_en)
    page.get_by_role("link", name="Show in French").click()
    expect(page.locator("#library-results")).to_contain_text(team.answer.title_fr)
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.locator(f"#library-results [data-use-answer='{team.answer.pk}']").click()
    expect(page.locator("#draft-text")).to_have_value(team.answer.text_fr)
    expect(page.locator("#draft-language")).to_have_value("fr")
    expect(page.locator("#draft-text")).to_be_focused()
