"""A French page with French policy, layer and topic names (#14): the officer's case
page in French names the approval policy, its layer and the case's topic in French,
before and after submitting, and passes axe; the English page keeps the English names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from responder.inbox import services as inbox
from responder.inbox.models import Topic
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login
from workflows.models import ApprovalLayer, ApprovalPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_french_case_page_names_policy_layer_and_topic_in_french(page, live_server, team):
    ApprovalPolicy.objects.filter(name="New answer").update(name_fr="Nouvelle réponse")
    ApprovalLayer.objects.filter(name="Subject-matter expert").update(name_fr="Expert du domaine")
    topic = Topic.objects.create(
        slug="lost-stolen", name_en="Lost or stolen", name_fr="Perte ou vol"
    )
    case = team.case(text="J'ai perdu mon passeport, que faire ?", language="fr")
    case.topics.add(topic)
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk, actor=team.officer, via="web", text="Déclarez la perte en ligne."
    )
    team.officer.language = "fr"
    team.officer.save(update_fields=["language"])

    login(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    main = page.locator("main")
    expect(main).to_contain_text("Nouvelle réponse")
    expect(main).to_contain_text("Expert du domaine")
    expect(main).to_contain_text("Perte ou vol")
    for english in ("New answer", "Subject-matter expert", "Lost or stolen"):
        expect(main).not_to_contain_text(english)
    assert_no_axe_violations(page)

    page.locator("#draft-submit").click()
    expect(main).to_contain_text("En attente de : Expert du domaine")
    expect(main).not_to_contain_text("Subject-matter expert")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(main).to_contain_text("Subject-matter expert")
    expect(main).to_contain_text("Lost or stolen")
    assert_no_axe_violations(page)
