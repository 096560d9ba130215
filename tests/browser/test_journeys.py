"""The officer's two journeys in headless Chromium, as a new user would try them:

1. a question answered from the library: zero approval layers, posted to the
   platform simulator by a real Celery worker;
2. a question answered in new words: it waits for the subject-matter expert.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from responder.inbox.models import Case, CaseState
from responder.testing.factories import CaseFactory
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def posting_worker() -> Iterator[object]:
    """A real Celery worker (in this process, a thread) on this room's broker."""
    from celery.contrib.testing.worker import start_worker

    from responder.celery import app

    app.loader.import_default_modules()
    app.control.purge()  # nothing left over from an earlier run on this broker
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until predicate() returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s")
        time.sleep(interval)


def open_case_from_inbox(page, live_server, case: Case) -> None:
    login(page, live_server.url, "olivia")
    expect(page).to_have_url(f"{live_server.url}/")
    # At this width (1280 px) the case reads in the pane beside the list first (#14).
    page.locator(f'#inbox-table a[href="/cases/{case.pk}/"]').first.click()
    page.locator("#reading-pane").get_by_role("link", name="Open the case to reply").click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#citizen-text")).to_have_text(case.text)


def htmx_settled(page) -> None:
    """Wait until htmx has swapped and wired up the new part of the page."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def claim(page) -> None:
    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.locator("#case-state")).to_have_text("Drafting")
    expect(page.locator("#draft-text")).to_be_enabled()
    htmx_settled(page)


def test_answer_from_the_library_is_posted_without_approval(
    page, live_server, team, simulator, mastodon_account, posting_worker
) -> None:
    mention = simulator.post_mention("How long does a passport renewal take?", lang="en")
    case = CaseFactory(
        account=mastodon_account,
        department=team.department,
        external_id=mention["status_id"],
        author_handle=mention["acct"],
        text="How long does a passport renewal take?",
    )
    open_case_from_inbox(page, live_server, case)
    claim(page)

    # The library suggests the answer for this question; use it unchanged.
    suggestion = page.locator(f"#library-results [data-use-answer='{team.answer.pk}']")
    expect(suggestion).to_be_visible()
    suggestion.click()
    # The first checks in a fresh process load the language model (a few seconds).
    expect(page.locator("#draft-text")).to_have_value(team.answer.text_en, timeout=20_000)
    htmx_settled(page)
    # Mastodon counts @user@server as @user (and a link as 23); this text has no link.
    handle_and_text = len(f"@{case.author_handle.split('@')[0]} {team.answer.text_en}")
    expect(page.locator("#draft-count [data-count]")).to_have_text(str(handle_and_text))
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#route-preview")).to_contain_text("No approval needed")

    page.get_by_role("button", name="Submit reply").click()
    expect(page.locator("#case-state")).to_have_text(re.compile("Approved|Posting|Replied"))

    # The worker posts it to the platform, in reply to the citizen, with the handle.
    posts = wait_for(
        lambda: [p for p in simulator.posts() if p["in_reply_to_id"] == mention["status_id"]]
    )
    assert len(posts) == 1
    assert posts[0]["text"] == f"@{case.author_handle} {team.answer.text_en}"
    wait_for(lambda: Case.objects.get(pk=case.pk).state == CaseState.REPLIED)

    page.reload()
    expect(page.locator("#case-state")).to_have_text("Replied")
    expect(page.get_by_text("The reply is posted.")).to_be_visible()
    expect(page.locator("#history-heading")).to_be_visible()


def test_answer_in_new_words_waits_for_the_sme(page, live_server, team) -> None:
    case = team.case(text="Can I travel with a passport that expires next month?")
    open_case_from_inbox(page, live_server, case)
    claim(page)

    page.locator("#draft-text").fill(
        "Some countries ask for six months of validity. Check travel.gc.ca before you go."
    )
    page.get_by_role("button", name="Save draft").click()
    preview = page.locator("#route-preview")
    expect(preview).to_contain_text("1 approval layer")
    expect(preview).to_contain_text("Subject-matter expert")
    expect(preview).to_contain_text(str(team.sme))

    page.get_by_role("button", name="Submit reply").click()
    expect(page.locator("#case-state")).to_have_text("In review")
    expect(page.get_by_text("Waiting for: Subject-matter expert")).to_be_visible()
    expect(page.locator("#case-body")).to_contain_text(str(team.sme))
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert case.approval_steps.get(status="open").reviewers.filter(pk=team.sme.pk).exists()
