"""Issue 13 in the browser: the case page masks a SIN, the officer reveals it for a
reason, the editor highlights a SIN in the draft; axe in English and French."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.inbox import services
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIN = "046 454 286"


def test_masked_reveal_and_highlight_in_both_languages(page, live_server, team) -> None:
    case = team.case(
        text=f"@passports my SIN is {SIN}, why is my application stuck?",
        pii_kinds=["sin"],
        visibility="direct",
    )
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    login(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/")
    row = page.locator(f'tr[data-case-id="{case.pk}"]')
    expect(row).to_contain_text("Personal information")
    expect(row).to_contain_text("Direct message")
    expect(row).not_to_contain_text(SIN)

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#citizen-text")).to_contain_text("••• ••• 286")
    expect(page.locator("#case-visibility")).to_contain_text("Direct message")
    assert_no_axe_violations(page)

    # The editor points at the SIN the officer typed.
    page.locator("#draft-text").fill(f"Thanks, your SIN {SIN} is noted.")
    expect(page.locator("mark.pii-span")).to_have_text(SIN)
    assert_no_axe_violations(page)

    page.get_by_label("Why do you need to see it?").fill("The citizen asked by phone")
    page.get_by_role("button", name="Reveal the text").click()
    expect(page.locator("#citizen-text")).to_contain_text(SIN)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#case-pii")).to_contain_text("Renseignements personnels")
    assert_no_axe_violations(page)
