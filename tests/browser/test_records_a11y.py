"""axe-core on the records pages of issue #16: the case page's legal hold panel (set
through the page) and the audit-log export page, in English and French."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.audit.models import AuditEvent
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_legal_hold_and_audit_export_have_no_axe_violations_in_both_languages(
    page, live_server, team
) -> None:
    case = team.case()
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("Why set a hold").fill("Access request A-2026-7")
    page.get_by_role("button", name="Set a legal hold").click()
    expect(page.locator("#legal-hold-status")).to_contain_text("Under legal hold")
    expect(page.locator("#legal-hold-reason")).to_have_text("Access request A-2026-7")
    assert AuditEvent.objects.filter(case=case, action="case.legal_hold_set").exists()
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/records/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log export")
    page.get_by_label("Action").select_option("case.legal_hold_set")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#audit-count")).to_contain_text("1 event")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exportation du journal d’audit")
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#legal-hold-status")).to_contain_text(
        "Sous conservation à des fins juridiques"
    )
    assert_no_axe_violations(page)
