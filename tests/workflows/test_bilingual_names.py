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
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep, RoutingRule
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


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Expert du domaine"), ("en", "Subject-matter expert")]
)
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


@pytest.fixture
def site_admin(team):
    team.admin.site_admin = True
    team.admin.save(update_fields=["site_admin"])
    return team.admin


def test_the_policy_editor_takes_both_names_and_french_readers_see_the_french_ones(
    client, team, site_admin
):
    policy = ApprovalPolicy.objects.get(name="Sensitive answer")
    layers = list(policy.layers.order_by("position"))
    client.force_login(site_admin)
    data = {
        "name": "Sensitive answer",
        "name_fr": "Réponse délicate",
        "description": "",
        "is_active": "1",
        "version": policy.version,
        "layer-count": 2,
        "action": "save",
    }
    for i, (layer, french) in enumerate(zip(layers, ["Expert du domaine", ""], strict=True)):
        data.update(
            {
                f"layer-{i}-id": layer.pk,
                f"layer-{i}-order": i + 1,
                f"layer-{i}-name": layer.name,
                f"layer-{i}-name_fr": french,
                f"layer-{i}-reviewer_role": layer.reviewer_role,
                f"layer-{i}-approvals_required": 1,
                f"layer-{i}-sla_minutes": layer.sla_minutes,
            }
        )

    response = client.post(f"/settings/policies/{policy.pk}/", data)

    assert response.status_code == 302, response.content.decode()
    policy.refresh_from_db()
    assert policy.name_fr == "Réponse délicate"
    assert [layer.name_fr for layer in policy.layers.order_by("position")] == [
        "Expert du domaine",
        "",
    ]
    site_admin.language = "fr"
    site_admin.save()
    page = client.get("/settings/policies/").content.decode()
    assert "Réponse délicate" in page and "Expert du domaine" in page
    # The director layer has no French name: shown in English, and marked so.
    assert "Director" in page and "sans nom français" in page
    edit = client.get(f"/settings/policies/{policy.pk}/").content.decode()
    assert "Nom français" in edit  # the history says the French name changed


def test_the_rules_editor_keeps_a_rules_french_name(client, team, site_admin):
    rules = list(RoutingRule.objects.order_by("priority"))
    data: dict[str, object] = {"rule-count": len(rules)}
    for i, r in enumerate(rules):
        data.update(
            {
                f"rule-{i}-id": r.pk,
                f"rule-{i}-name": r.name,
                f"rule-{i}-name_fr": "Tout le reste" if r.name == "Everything else" else "",
                f"rule-{i}-policy": r.policy_id,
                f"rule-{i}-priority": r.priority,
                f"rule-{i}-risk": r.risk,
                f"rule-{i}-library_unchanged": {True: "yes", False: "no"}.get(
                    r.library_unchanged, ""
                ),
                f"rule-{i}-is_active": "1",
            }
        )
    client.force_login(site_admin)
    response = client.post("/settings/policies/rules/", data)
    assert response.status_code == 302, response.content.decode()
    assert RoutingRule.objects.get(name="Everything else").name_fr == "Tout le reste"


def test_the_api_gives_both_names(team, client):
    from rest_framework.test import APIClient

    _french_names()
    case = team.case(text="How long?")
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="api")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="api", text="Ten days.")
    api = APIClient()
    api.force_authenticate(team.officer)

    route = api.get(f"/api/v1/cases/{case.pk}/route/").json()

    assert (route["policy"]["name"], route["policy"]["name_fr"]) == (
        "New answer",
        "Nouvelle réponse",
    )
    assert [(layer["name"], layer["name_fr"]) for layer in route["layers"]] == [
        ("Subject-matter expert", "Expert du domaine")
    ]
    assert (route["rule"], route["rule_fr"]) == ("Everything else", "")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="api")
    step = ApprovalStep.objects.get(case=case)
    assert (step.name_fr, step.policy_name_fr) == ("Expert du domaine", "Nouvelle réponse")


def test_analytics_tables_name_layers_in_french_and_keep_codes_in_csv(team):
    from django.utils import translation

    from responder.analytics import exports
    from responder.analytics.templatetags.analytics_ui import cell

    _french_names()
    layer = {"policy": "New answer", "position": 1, "layer": "Subject-matter expert"}
    row = {**layer, "met": 3, "breached": 1, "breached_share": 0.25}
    volumes = [{"key": "mastodon", "received": 2, "answered": 1, "closed": 0}]
    with translation.override("fr"):
        _header, (sla_row,) = exports.sla_layers_table([row])
        header, (volume_row,) = exports.volumes_table("platform", volumes)
        assert str(header[0]) == "plateforme"
    assert sla_row[:3] == ["Nouvelle réponse", 1, "Expert du domaine"]
    assert volume_row[0] == "mastodon" and cell(volume_row[0]) == "Mastodon"
    with translation.override("en"):
        _header, (sla_row,) = exports.sla_layers_table([row])
    assert sla_row[:3] == ["New answer", 1, "Subject-matter expert"]


def test_a_french_case_page_names_the_incoming_rule_in_french(team, client):
    from responder.inbox.incoming_rules import RuleInput, incoming_rule_save
    from tests.inbox.classification_helpers import ingest

    incoming_rule_save(
        actor=team.admin,
        department_id=team.department.pk,
        data=RuleInput(
            name="Stolen passport", name_fr="Passeport volé", keywords_en="stolen", priority="high"
        ),
    )
    (case,) = ingest(team.account, [("My passport was stolen", "en")])
    team.officer.language = "fr"
    team.officer.save()
    client.force_login(team.officer)

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert "Passeport volé" in page and "Stolen passport" not in page


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("fr", "Expert du domaine", "Subject-matter expert"),
        ("en", "Subject-matter expert", "Expert du domaine"),
    ],
)
def test_the_inbox_names_the_waiting_layer_in_the_readers_language(
    team, client, language, expected, absent
):
    _french_names()
    _submit(team, team.case(text="Combien de temps ?"))
    team.officer.language = language
    team.officer.save()
    client.force_login(team.officer)

    page = client.get("/?state=in_review").content.decode()

    assert expected in page and absent not in page
