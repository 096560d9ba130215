"""The officer's risk: raised freely, lowered only with a reason, audited; routing
uses the highest of the officer's and the automatic risk; the case page shows why
the case arrived classified as it did."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from responder.audit.models import AuditEvent
from responder.errors import ConflictError
from responder.inbox import services
from responder.inbox.case_risk import case_risk_set
from responder.inbox.models import Risk
from tests.inbox.classification_helpers import demo_setup, ingest
from workflows.routing import policy_resolve

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_raising_the_risk_needs_no_reason_and_changes_the_route(team):
    case = team.case()
    case = case_risk_set(case_id=case.pk, actor=team.officer, risk=Risk.SENSITIVE, via="web")
    assert case.risk == Risk.SENSITIVE
    assert policy_resolve(case=case, draft=None).policy.name == "Sensitive answer"
    event = AuditEvent.objects.get(case=case, action="case.risk")
    assert event.details["risk"] == {"from": "normal", "to": "sensitive"}


def test_lowering_without_a_reason_is_refused_and_changes_nothing(team):
    case = team.case(risk=Risk.SENSITIVE)
    with pytest.raises(ConflictError, match="Say why"):
        case_risk_set(case_id=case.pk, actor=team.officer, risk=Risk.NORMAL, via="web")
    with pytest.raises(ConflictError, match="Say why"):
        services.case_tag(case_id=case.pk, actor=team.officer, via="web", risk=Risk.LOW)
    case.refresh_from_db()
    assert case.risk == Risk.SENSITIVE
    assert not AuditEvent.objects.filter(case=case, action__in=["case.risk", "case.tag"]).exists()


def test_lowering_an_automatic_risk_with_a_reason_is_audited_and_reroutes(team):
    demo_setup(team)
    [case] = ingest(team.account, [("My passport was stolen in Paris", "en")])
    assert case.auto_risk == Risk.SENSITIVE
    # Still a sensitive topic: untag it, then lower the automatic risk.
    services.case_tag(case_id=case.pk, actor=team.officer, via="web", topic_ids=[])
    with pytest.raises(ConflictError, match="Say why"):
        case_risk_set(case_id=case.pk, actor=team.officer, risk=Risk.NORMAL, via="web")
    case = case_risk_set(
        case_id=case.pk,
        actor=team.officer,
        risk=Risk.NORMAL,
        reason="A joke post: the author is quoting a film.",
        via="web",
    )
    assert (case.risk, case.auto_risk) == (Risk.NORMAL, Risk.NORMAL)
    assert policy_resolve(case=case, draft=None).policy.name == "New answer"
    event = AuditEvent.objects.get(case=case, action="case.risk")
    assert event.actor == team.officer
    assert event.details["reason"] == "A joke post: the author is quoting a film."
    assert event.details["auto_risk"] == {"from": "sensitive", "to": "normal"}


def test_routing_takes_the_highest_of_manual_and_automatic_risk(team):
    case = team.case(risk=Risk.LOW, auto_risk=Risk.SENSITIVE)
    assert policy_resolve(case=case, draft=None).policy.name == "Sensitive answer"


def test_the_risk_control_on_the_case_page(team):
    case = team.case(risk=Risk.SENSITIVE)
    client = client_for(team.officer)
    refused = client.post(reverse("cases:risk", args=[case.pk]), {"risk": "normal"})
    assert refused.status_code == 409
    assert "Say why you are lowering the risk." in refused.content.decode()
    done = client.post(
        reverse("cases:risk", args=[case.pk]), {"risk": "normal", "reason": "Not sensitive."}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.risk == Risk.NORMAL


def test_the_case_page_says_why_the_case_was_classified_in_both_languages(team):
    demo_setup(team)
    [case] = ingest(team.account, [("My passport was stolen in Paris", "en")])
    client = client_for(team.officer)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Topic “Lost or stolen passport” set by rule “Lost or stolen passport”." in html
    assert "Risk raised to Sensitive by rule “Lost or stolen passport”." in html
    assert "Priority set to Urgent by rule “Lost or stolen passport”." in html

    [fees] = ingest(team.account, [("What are the passport fees for an adult?", "en")])
    fees.classification = [{"kind": "library", "score": 0.62, "topic": "fees"}]
    fees.save(update_fields=["classification"])
    client.cookies["django_language"] = "fr"
    html = client.get(
        reverse("cases:detail", args=[fees.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Sujet « Frais » choisi par correspondance avec la bibliothèque 0,62." in html


def test_a_risk_change_from_a_stale_page_is_refused(team):
    from responder.errors import ConflictError

    case = team.case()
    seen = case.version
    case_risk_set(case_id=case.pk, actor=team.officer2, risk=Risk.SENSITIVE, via="web")
    with pytest.raises(ConflictError):
        case_risk_set(
            case_id=case.pk,
            actor=team.officer,
            risk=Risk.LOW,
            reason="Nothing sensitive here.",
            via="web",
            expected_version=seen,
        )
    case.refresh_from_db()
    assert case.risk == Risk.SENSITIVE
    assert AuditEvent.objects.filter(case=case, action="case.risk").count() == 1
