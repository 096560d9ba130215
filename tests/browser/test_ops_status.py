"""axe-core on the system status page and on an officer's page with the degraded
banner, in English and French."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from responder.ops.models import Heartbeat, HeartbeatKind
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_status_page_and_banner_have_no_axe_violations_in_both_languages(
    page, live_server, team
) -> None:
    account = team.account
    account.poll_failures = 4
    account.last_error = "127.0.0.1 answered 503: <b>Simulated</b> failure"
    account.rate_limit_reset_at = timezone.now() + dt.timedelta(minutes=30)
    account.last_polled_at = timezone.now() - dt.timedelta(minutes=3)
    account.save()
    Heartbeat.objects.create(
        name="posting", kind=HeartbeatKind.QUEUE, holder="posting@host", at=timezone.now()
    )
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/ops/status/")
    expect(page.get_by_role("heading", level=1)).to_have_text("System status")
    expect(page.locator("table").first).to_contain_text("Rate limit: no calls to the platform")
    assert page.locator("td b").count() == 0  # the platform's words are shown as text
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("État du système")
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/")
    banner = page.locator(".ops-banner")
    expect(banner).to_contain_text("suspendues jusqu’à")
    assert_no_axe_violations(page)
