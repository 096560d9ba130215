"""The officer's day in headless Chromium (issue #14): the first-response badges and
filters, sorting, and the "Changes requested" badge and banner, with no axe-core
violations in English and French."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login
from tests.inbox.test_changes_requested import WORDS, sent_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "officer-day-tests",
        }
    }
    cache.clear()


def _switch_to_french(page) -> None:
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def _row(page, case):
    return page.locator(f'#inbox-table tbody tr[data-case-id="{case.pk}"]')


def test_deadline_badges_filters_and_sorting_in_both_languages(page, live_server, team) -> None:
    now = timezone.now()
    late = team.case(text="Where is my passport?", respond_by=now - dt.timedelta(minutes=20))
    soon = team.case(text="Office hours?", respond_by=now + dt.timedelta(minutes=10))
    calm = team.case(text="Thanks!", respond_by=now + dt.timedelta(hours=5), priority="low")
    urgent = team.case(
        text="I fly home Friday and my passport was stolen",
        respond_by=now + dt.timedelta(hours=3),
        priority="urgent",
    )
    login(page, live_server.url, "olivia")
    expect(_row(page, late).locator(".badge--overdue")).to_have_text("Overdue")
    expect(_row(page, soon).locator(".badge--due-soon")).to_have_text("Due soon")
    expect(_row(page, urgent).locator(".badge--priority-urgent")).to_have_text("Urgent")
    expect(_row(page, calm).locator(".badge--overdue, .badge--due-soon")).to_have_count(0)
    # The sidebar counts arrive just after the page.
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(page.locator("#count-due_soon")).to_have_text("1")
    assert_no_axe_violations(page)

    # "Due soon" in the sidebar shows that case alone.
    page.get_by_role("link", name="Due soon").click()
    rows = page.locator("#inbox-table tbody tr[data-case-id]")
    expect(rows).to_have_count(1)
    expect(_row(page, soon)).to_be_visible()

    # "New" is sorted by deadline, soonest first; the menu sorts by priority instead.
    page.goto(f"{live_server.url}/?state=new")
    expect(page.locator("caption")).to_contain_text("Cases, soonest deadline first")
    ids = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.caseId))")
    assert ids == [late.pk, soon.pk, urgent.pk, calm.pk]
    page.get_by_label("Sort by").select_option("priority")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("caption")).to_contain_text("Cases, most urgent first")
    ids = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.caseId))")
    assert ids[0] == urgent.pk and ids[-1] == calm.pk
    assert_no_axe_violations(page)

    _switch_to_french(page)
    expect(page.locator("caption")).to_contain_text("Cas, les plus urgents d’abord")
    expect(_row(page, soon).locator(".badge--due-soon")).to_have_text("Échéance proche")
    expect(_row(page, late).locator(".badge--overdue")).to_have_text("En retard")
    assert_no_axe_violations(page)


def test_changes_requested_badge_and_banner_in_both_languages(page, live_server, team) -> None:
    case = sent_back(team)
    login(page, live_server.url, "olivia")
    badge = _row(page, case).locator(".badge--changes_requested")
    expect(badge).to_have_text("Changes requested")
    page.get_by_role("link", name="Changes requested").click()
    expect(page.locator("#inbox-table tbody tr[data-case-id]")).to_have_count(1)
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    banner = page.locator("#changes-requested")
    expect(banner).to_contain_text(WORDS)  # the reviewer's words, as text
    expect(page.locator("#draft-submit")).to_be_disabled()
    # The banner sits above the editor.
    banner_box = banner.bounding_box()
    editor_box = page.locator("#draft-text").bounding_box()
    assert banner_box["y"] < editor_box["y"]
    assert_no_axe_violations(page)

    # Submit unchanged, with a reason, sends it back into review.
    page.get_by_text("Submit unchanged", exact=True).first.click()
    page.get_by_label("Why the reply goes back unchanged").fill("The fee is on the linked page")
    page.locator("#draft-submit-unchanged").click()
    expect(page.locator("#case-state")).to_have_text("In review")

    page.goto(f"{live_server.url}/")
    _switch_to_french(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)


def test_the_banner_in_french(page, live_server, team) -> None:
    case = sent_back(team)
    login(page, live_server.url, "olivia")
    _switch_to_french(page)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#changes-requested")).to_contain_text("Modifications demandées")
    expect(page.locator("#changes-requested")).to_contain_text(WORDS)
    expect(page.locator("#draft-submit")).to_be_disabled()
    assert_no_axe_violations(page)
