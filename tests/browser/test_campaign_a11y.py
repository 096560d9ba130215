"""axe-core on the campaign pages (campaign page, compose, calendar, community posts,
figures) in English and French, and composing in the browser: an image without alt
text is refused with the reason shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from responder.campaigns import services as campaigns
from responder.testing.factories import CaseFactory
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login
from tests.campaigns.conftest import PNG
from tests.campaigns.conftest import world as world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_pages_have_no_axe_violations_in_both_languages(
    page,
    live_server,
    team,
    world,
    tmp_path,
) -> None:
    campaign = world.campaign
    campaigns.campaign_post_compose(
        campaign_id=campaign.pk,
        actor=team.officer,
        via="web",
        account_ids=[a.pk for a in world.accounts],
        texts_en=["Renew your passport online. #passport2026"],
        texts_fr=["Renouvelez votre passeport en ligne. #passeport2026"],
        scheduled_for=timezone.now() + dt.timedelta(days=1),
    )
    for n, account in enumerate(world.accounts):
        CaseFactory(
            account=account,
            department=team.department,
            source="hashtag",
            author_handle=f"voice{n}",
            text=f"<b>Loved</b> the new form #passport2026 ({n})",
        )
    login(page, live_server.url, "olivia")
    base = f"{live_server.url}/campaigns/{campaign.pk}"

    def audit_all() -> None:
        for path in ("/", "/compose/", "/calendar/", "/community/", "/figures/"):
            page.goto(base + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_no_axe_violations(page)
        page.goto(f"{live_server.url}/campaigns/")
        assert_no_axe_violations(page)

    audit_all()
    page.goto(base + "/community/")
    expect(page.get_by_text("<b>Loved</b> the new form #passport2026 (0)")).to_be_visible()

    # Composing with an image but no alt text: refused, the reason shown, axe-clean.
    image = tmp_path / "photo.png"
    image.write_bytes(PNG)
    page.goto(base + "/compose/")
    for account in world.accounts:
        page.get_by_label(str(account)).check()
    page.get_by_label("English", exact=True).fill("Renew online. #passport2026")
    page.get_by_label("French", exact=True).fill("En ligne. #passeport2026")
    page.get_by_label("Image").set_input_files(str(image))
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("alert").first).to_contain_text("alt text")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    audit_all()
