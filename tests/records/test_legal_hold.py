"""Legal hold (issue #16): a department admin sets and lifts it with a reason, on the
case page and through the API; it is audited and shown; retention skips a held case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responder.analytics.retention import retention_apply
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from responder.inbox.models import Case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_sets_a_hold_on_the_case_page_and_sees_it(team):
    case = team.case()
    client = client_for(team.admin)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Set a legal hold" in page
    response = client.post(
        reverse("cases:legal_hold", args=[case.pk]),
        {"hold": "1", "reason": "Access-to-information request A-2026-114"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Under legal hold" in page
    assert "Access-to-information request A-2026-114" in page
    assert "Lift the legal hold" in page
    case.refresh_from_db()
    assert case.legal_hold
    event = AuditEvent.objects.get(case=case, action="case.legal_hold_set")
    assert event.actor == team.admin
    assert event.details == {"reason": "Access-to-information request A-2026-114"}


def test_an_officer_sees_the_hold_but_cannot_change_it(team):
    case = team.case(legal_hold=True)
    client = client_for(team.officer)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Under legal hold" in page
    assert "Lift the legal hold" not in page
    refused = client.post(
        reverse("cases:legal_hold", args=[case.pk]), {"hold": "0", "reason": "Done with it"}
    )
    assert refused.status_code == 403
    case.refresh_from_db()
    assert case.legal_hold
    assert not AuditEvent.objects.filter(action__startswith="case.legal_hold").exists()


def test_a_hold_needs_a_reason(team):
    case = team.case()
    response = client_for(team.admin).post(
        reverse("cases:legal_hold", args=[case.pk]), {"hold": "1", "reason": "   "}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert not case.legal_hold


def test_the_page_in_french(team):
    case = team.case(legal_hold=True)
    team.admin.language = "fr"
    team.admin.save()
    page = client_for(team.admin).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Conservation à des fins juridiques" in page
    assert "Lever la conservation à des fins juridiques" in page


def test_the_api_sets_and_lifts_the_hold(team, api_as):
    case = team.case()
    client = api_as(team.admin)
    url = f"/api/v1/cases/{case.pk}/legal-hold/"
    response = client.post(url, {"hold": True, "reason": "Litigation hold L-7"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["legal_hold"] is True
    again = client.post(url, {"hold": True, "reason": "Twice"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "unchanged"
    lifted = client.post(url, {"hold": False, "reason": "Case settled"}, format="json")
    assert lifted.json()["legal_hold"] is False
    actions = list(
        AuditEvent.objects.filter(case=case, action__startswith="case.legal_hold")
        .order_by("id")
        .values_list("action", "via", "details")
    )
    assert actions == [
        ("case.legal_hold_set", "api", {"reason": "Litigation hold L-7"}),
        ("case.legal_hold_lifted", "api", {"reason": "Case settled"}),
    ]


def test_the_api_refuses_officers_and_other_departments(team, api_as):
    case = team.case()
    url = f"/api/v1/cases/{case.pk}/legal-hold/"
    body = {"hold": True, "reason": "Because"}
    assert api_as(team.officer).post(url, body, format="json").status_code == 403
    assert api_as(team.outsider).post(url, body, format="json").status_code == 404
    assert api_as(team.admin).post(url, {"hold": True}, format="json").status_code == 400
    case.refresh_from_db()
    assert not case.legal_hold


def test_retention_skips_a_case_held_through_the_service(team):
    from responder.inbox.legal_hold import case_legal_hold_set

    team.department.retention_days = 30
    team.department.save()
    case = team.case()
    inbox.case_close(case_id=case.pk, actor=team.officer, via="web", reason="spam")
    case_legal_hold_set(case_id=case.pk, actor=team.admin, hold=True, reason="Inquiry", via="web")
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - dt.timedelta(days=90))
    assert retention_apply() == 0
    case.refresh_from_db()
    assert case.personal_data_removed_at is None
    assert case.text != "[removed]"
