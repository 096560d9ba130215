"""The notification bell (#14): the unread count in the header, the list, opening one
marks it read and shows its case, the e-mail preferences; axe in English and French."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.inbox import services as inbox
from responder.inbox.notifications import email_kinds
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bell_counts_opens_the_case_and_keeps_preferences(page, live_server, team):
    case = team.case(text="Where is my passport?")
    inbox.case_assign(case_id=case.pk, actor=team.admin, assignee=team.officer, via="web")
    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/")
    bell = page.locator("#bell")
    expect(bell).to_contain_text("1 unread")
    assert_no_axe_violations(page)

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.locator("#notifications [data-notification]")
    expect(item).to_contain_text("A case was assigned to you")
    assert_no_axe_violations(page)
    item.click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#bell")).to_contain_text("0 unread")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#bell")).to_contain_text("0 non lue")
    assert_no_axe_violations(page)
    page.locator("#bell").click()
    expect(page.locator("#notifications")).to_contain_text("Un dossier vous a été attribué")
    assert_no_axe_violations(page)

    page.get_by_role(
        "link", name="Choisir les notifications qui arrivent aussi par courriel"
    ).click()
    page.get_by_label("Votre réponse a été publiée").check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_label("Votre réponse a été publiée")).to_be_checked()
    assert "posted" in email_kinds(user_id=team.officer.pk)
