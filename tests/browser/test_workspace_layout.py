"""The inbox as a workspace (#14), measured in headless Chromium: where the first case
row starts at 1280×800 and on a 390 px phone, no sideways scroll of the list from 320
to 1920 px, and the split view (the list and a reading pane) at 1200 px and wider,
with the mouse and the keyboard; axe-core clean in English and French."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from responder.inbox import services
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LONG_HANDLE = "a_very_long_handle_with_no_place_to_break_at_all@mastodon.example.social"

# Where the first row starts (from the top of the page), whether the list's own box
# scrolls sideways, and whether the page does.
MEASURE = """() => {
  const row = document.querySelector('#inbox-table tbody tr[data-case-id]');
  const list = document.getElementById('inbox-table').parentElement;
  const doc = document.documentElement;
  return {
    firstRow: Math.round(row.getBoundingClientRect().top + window.scrollY),
    listSideways: list.scrollWidth > list.clientWidth + 1,
    listWidths: [list.scrollWidth, list.clientWidth],
    pageSideways: doc.scrollWidth > doc.clientWidth,
  };
}"""


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    # A private cache: the inbox caches its menus, and ids repeat between test runs.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "workspace-tests",
        }
    }
    cache.clear()


def _busy_inbox(team) -> list:
    """A working day's inbox: long handles, long words, owners, a French question."""
    cases = [
        team.case(text=f"Question {n}: how long does a passport renewal take this month?")
        for n in range(12)
    ]
    cases.append(
        team.case(
            text="Supercalifragilisticexpialidocious" * 4 + " is my passport ready?",
            author_handle=LONG_HANDLE,
        )
    )
    cases.append(team.case(text="Où est mon passeport? Je pars vendredi.", language="fr"))
    services.case_claim(case_id=cases[0].pk, actor=team.officer, via="web")
    return cases


def _switch_to_french(page) -> None:
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def _measure(page) -> dict:
    page.wait_for_load_state("load")
    expect(page.locator("#inbox-table tbody tr[data-case-id]").first).to_be_visible()
    return page.evaluate(MEASURE)


@pytest.mark.parametrize("page", [DESKTOP], indirect=True)
def test_the_first_case_row_starts_within_300_pixels_at_1280_by_800(
    page, live_server, team
) -> None:
    _busy_inbox(team)
    login(page, live_server.url, "olivia")
    for language in ("en", "fr"):
        if language == "fr":
            _switch_to_french(page)
        figures = _measure(page)
        assert figures["firstRow"] <= 300, (language, figures)
        assert not figures["listSideways"], (language, figures)
        assert not figures["pageSideways"], (language, figures)
        assert_no_axe_violations(page)


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_phone_shows_the_list_first(page, live_server, team) -> None:
    """At 390×844 the first row starts 465 px down in English and 486 px in French
    (before #14: 2,493 px): the header and its navigation, the title and the filter
    bar come first; the views, counts and saved views come after the list."""
    _busy_inbox(team)
    login(page, live_server.url, "olivia")
    for language in ("en", "fr"):
        if language == "fr":
            _switch_to_french(page)
        figures = _measure(page)
        # Well within the first screen (844 px); the margin is for a signed-in name
        # long enough to wrap the header once more.
        assert figures["firstRow"] <= 600, (language, figures)
        assert not figures["listSideways"], (language, figures)
        assert not figures["pageSideways"], (language, figures)
        # The sidebar's views come after the list.
        below = page.evaluate(
            "() => document.querySelector('.inbox-side').getBoundingClientRect().top"
            " > document.getElementById('inbox-table').getBoundingClientRect().bottom"
        )
        assert below, language
        assert_no_axe_violations(page)


@pytest.mark.parametrize(
    "page",
    [{"width": 320, "height": 640}, PHONE, DESKTOP, {"width": 1920, "height": 1080}],
    indirect=True,
)
def test_the_list_never_scrolls_sideways(page, live_server, team) -> None:
    cases = _busy_inbox(team)
    login(page, live_server.url, "olivia")
    figures = _measure(page)
    assert not figures["listSideways"], figures
    assert not figures["pageSideways"], figures
    # The long handle wraps or is cut short, and is still there in full.
    long_one = page.locator(f'tr[data-case-id="{cases[-2].pk}"] .case-link')
    expect(long_one).to_be_visible()
    assert LONG_HANDLE in (long_one.get_attribute("title") or long_one.inner_text())
    # Every row's actions are inside the list's box (before #14, "Claim" read "Clai").
    inside = page.evaluate(
        """() => {
          const box = document.getElementById('inbox-table').parentElement.getBoundingClientRect();
          return [...document.querySelectorAll('#inbox-table [data-claim]')]
            .every(b => b.getBoundingClientRect().right <= box.right + 1);
        }"""
    )
    assert inside


@pytest.mark.parametrize("page", [DESKTOP], indirect=True)
def test_the_split_view_reads_a_case_beside_the_list(page, live_server, team) -> None:
    cases = _busy_inbox(team)
    parent = team.case(text="My passport expired last week.")
    followup = team.case(
        text="Can I travel Friday? <script>alert(1)</script>", parent=parent, language="en"
    )
    login(page, live_server.url, "olivia")
    pane = page.locator("#reading-pane")
    expect(pane.get_by_role("heading", name="Reading pane")).to_be_visible()
    rows = page.locator("#inbox-table tbody tr[data-case-id]")
    count = rows.count()

    # A click reads the case in the pane; the list stays (same rows, same page).
    page.locator(f"#case-{followup.pk}").click()
    expect(
        pane.get_by_role("heading", name=re.compile(rf"Case {followup.pk}: question"))
    ).to_be_focused()
    expect(page).to_have_url(re.compile(rf"[?&]open={followup.pk}"))
    expect(rows).to_have_count(count)
    # Its thread (the earlier post), its text as text, its state and a way to draft.
    expect(pane).to_contain_text("My passport expired last week.")
    expect(pane.locator("#pane-text")).to_have_text(
        "Can I travel Friday? <script>alert(1)</script>"
    )
    expect(pane.locator("#pane-state")).to_have_text("New")
    expect(pane.locator("#pane-deadline")).to_be_visible()
    expect(pane.get_by_role("link", name="Open the case to reply")).to_have_attribute(
        "href", f"/cases/{followup.pk}/"
    )
    expect(page.locator("#kbd-status")).to_have_text(f"Case #{followup.pk} is in the reading pane.")
    expect(page.locator(f"#case-{followup.pk}")).to_have_attribute("aria-current", "true")

    # From the keyboard: back to the list, j to the next case, Enter reads it in the pane.
    pane.get_by_role("link", name="Back to the list").click()
    expect(page.locator(f"#case-{followup.pk}")).to_be_focused()
    page.keyboard.press("j")
    focused = page.evaluate("() => document.activeElement.closest('tr').dataset.caseId")
    assert focused != str(followup.pk)
    page.keyboard.press("Enter")
    expect(pane.locator("h2#pane-heading")).to_be_focused()
    expect(pane.locator("h2#pane-heading")).to_contain_text(f"Case {focused}:")
    expect(page).to_have_url(re.compile(rf"[?&]open={focused}"))
    page.keyboard.press("Escape")  # back to the list, on the same case
    expect(page.locator(f"#case-{focused}")).to_be_focused()
    assert_no_axe_violations(page)

    # Reloaded (or without JavaScript), the address shows the same pane beside the list.
    page.reload()
    expect(pane.locator("h2#pane-heading")).to_contain_text(f"Case {focused}:")
    expect(rows).to_have_count(count)
    _switch_to_french(page)
    expect(pane.locator("h2#pane-heading")).to_contain_text(f"Cas {focused}")
    expect(pane.get_by_role("link", name="Ouvrir le cas pour répondre")).to_be_visible()
    assert_no_axe_violations(page)

    # "Open the case to reply" leads to the case page to draft.
    pane.get_by_role("link", name="Ouvrir le cas pour répondre").click()
    expect(page).to_have_url(re.compile(rf"/cases/{focused}/$"))
    assert cases


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_below_1200_pixels_a_case_link_opens_the_case_page(page, live_server, team) -> None:
    case = team.case(text="Is the office open on Saturday?")
    login(page, live_server.url, "olivia")
    expect(page.locator("#reading-pane")).to_be_hidden()  # the list only
    page.locator(f"#case-{case.pk}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))


@pytest.mark.parametrize("page", [DESKTOP], indirect=True)
def test_bulk_actions_appear_once_a_case_is_ticked(page, live_server, team) -> None:
    first = team.case(text="Spam spam spam")
    second = team.case(text="More spam")
    login(page, live_server.url, "olivia")
    bar = page.locator("#bulk-bar")
    expect(bar).to_be_hidden()  # nothing ticked: the list starts higher
    page.locator(f"#pick-{first.pk}").check()
    expect(bar).to_be_visible()
    expect(page.locator("#kbd-status")).to_have_text(
        "Close or assign the ticked cases with the bar above the list."
    )
    page.locator(f"#pick-{first.pk}").uncheck()
    expect(bar).to_be_hidden()
    page.locator("#pick-all").check()
    expect(bar).to_be_visible()
    bar.get_by_label("Reason for closing").select_option("spam")
    bar.get_by_role("button", name="Close ticked").click()
    expect(page.get_by_text("Closed 2 cases.")).to_be_visible()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == "closed"
