"""Names typed by admins (policies, layers, rules) in the reader's language (#14).

The issue's example: a French e-mail said "Palier d'approbation : 1. Subject-matter
expert". The layer's French name must reach French readers, the English one English
readers, and a layer with no French name falls back to English.
"""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import pytest

from responder.inbox import services as inbox
from tests.workflows.mailsink import parts, smtp  # noqa: F401
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep
from workflows.tasks import step_opened_notify


def _french_names() -> None:
    ApprovalLayer.objects.filter(name="Subject-matter expert").update(name_fr="Expert du domaine")
    ApprovalPolicy.objects.filter(name="New answer").update(name_fr="Nouvelle réponse")


def _submit(team, case):
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return ApprovalStep.objects.get(case=case)


def test_a_french_review_email_names_the_layer_in_french(team, smtp):
    _french_names()
    team.sme.language = "fr"
    team.sme.save()
    step = _submit(team, team.case(text="Combien de temps pour un renouvellement ?"))

    step_opened_notify(step.pk)

    (french,) = smtp.wait_for(team.sme.email)
    text, html = parts(french)
    assert "Palier d’approbation : 1. Expert du domaine" in text
    assert "Subject-matter expert" not in text and "Subject-matter expert" not in html
    (english,) = smtp.wait_for(team.sme2.email)
    text, _html = parts(english)
    assert "Approval layer: 1. Subject-matter expert" in text


def test_a_layer_without_a_french_name_shows_the_english_one_in_french(team, smtp):
    team.sme.language = "fr"
    team.sme.save()
    step = _submit(team, team.case(text="Combien de temps ?"))

    step_opened_notify(step.pk)

    (french,) = smtp.wait_for(team.sme.email)
    text, _html = parts(french)
    assert "1. Subject-matter expert" in text


@pytest.mark.parametrize(("language", "expected"), [("fr", "Expert du domaine"), ("en", "Subject-matter expert")])
def test_the_case_page_shows_the_waiting_layer_in_the_readers_language(
    team, client, language, expected
):
    _french_names()
    case = team.case(text="Combien de temps ?")
    _submit(team, case)
    team.officer.language = language
    team.officer.save()
    client.force_login(team.officer)

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert expected in page
    assert ("Subject-matter expert" in page) == (language == "en")
