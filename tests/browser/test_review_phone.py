"""An SME opens the emailed link on a phone, edits the draft and approves it."""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.inbox import services as inbox
from responder.inbox.models import CaseState, Draft
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login
from tests.workflows.mailsink import (  # noqa: F401
    fresh_rate_limit,
    link_in,
    smtp,
)
from workflows import submission
from workflows.models import ApprovalStep, StepDecision
from workflows.tasks import step_opened_notify

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fresh_rate_limit")]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_sme_edits_and_approves_on_a_phone(team, smtp, live_server, settings, page):
    settings.SITE_URL = live_server.url
    case = team.case(text="Can I renew my <passport> by mail?")
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk, actor=team.officer, via="web", text="Yes, you can renew by mail."
    )
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=case)
    step_opened_notify(step.pk)
    link = link_in(smtp.wait_for(team.sme.email)[0])

    page.goto(link)
    expect(page.get_by_role("heading", name="Review a reply")).to_be_visible()
    expect(page.locator(".review-question")).to_have_text("Can I renew my <passport> by mail?")
    # The review itself fits the phone's screen (no sideways scrolling to read it).
    assert page.evaluate("document.querySelector('main').scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page)

    page.get_by_text("Edit, then approve").click()
    editor = page.get_by_label("Your version of the reply")
    expect(editor).to_have_value("Yes, you can renew by mail.")
    editor.fill("Yes, you can renew by mail if your passport is valid.")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Approve my edited version").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("The officer will see what you changed.")).to_be_visible()
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    latest = Draft.objects.filter(case=case).order_by("-version").first()
    assert latest.text == "Yes, you can renew by mail if your passport is valid."
    decision = StepDecision.objects.get(step=step)
    assert (decision.decision, decision.via, decision.edited_draft) == (
        "edit_approve",
        "email",
        latest,
    )

    # The link is spent: opening it again says so.
    response = page.goto(link)
    assert response.status == 410
    expect(page.get_by_role("heading", name="You already answered this request")).to_be_visible()

    # The officer's case page shows the edited reply.
    login(page, live_server.url, team.officer.username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("body")).to_contain_text("if your passport is valid")
