"""POST /api/v1/cases/{id}/risk/: raise freely, lower only with a reason."""

from __future__ import annotations

import pytest

from responder.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_risk_through_the_api(team, api_as):
    officer = api_as(team.officer)
    case = team.case()
    url = f"/api/v1/cases/{case.pk}/risk/"

    raised = officer.post(url, {"risk": "sensitive"}, format="json")
    assert raised.status_code == 200, raised.content
    assert raised.json()["risk"] == "sensitive"

    refused = officer.post(url, {"risk": "low"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "reason_required")
    assert officer.get(f"/api/v1/cases/{case.pk}/").json()["risk"] == "sensitive"

    lowered = officer.post(url, {"risk": "low", "reason": "Spam, not a real case."}, format="json")
    assert lowered.status_code == 200
    assert lowered.json()["risk"] == "low"
    reasons = [
        e.details.get("reason")
        for e in AuditEvent.objects.filter(case=case, action="case.risk").order_by("id")
    ]
    assert reasons == [None, "Spam, not a real case."]


def test_another_departments_officer_gets_404(team, api_as):
    case = team.case()
    response = api_as(team.outsider).post(
        f"/api/v1/cases/{case.pk}/risk/", {"risk": "sensitive"}, format="json"
    )
    assert response.status_code == 404
