"""The audit-log export (#16): CSV and JSON, filtered by dates, person and action,
for a department's admins, with only their departments' events."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from responder.accounts.models import Role
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from responder.inbox.legal_hold import case_legal_hold_set
from responder.testing.factories import person

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def history(team):
    """Events of both departments: a claim and a hold here, a sign-in there."""
    ours = team.case()
    inbox.case_claim(case_id=ours.pk, actor=team.officer, via="web")
    case_legal_hold_set(case_id=ours.pk, actor=team.admin, hold=True, reason="ATIP", via="web")
    Client().post("/accounts/login/", {"username": "olivia", "password": "wrong-one"})
    Client().post("/accounts/login/", {"username": "ted", "password": PASSWORD})
    return ours


def test_an_admin_downloads_their_departments_events_as_csv(team, history):
    today = timezone.localdate().isoformat()
    response = client_for(team.admin).get(
        "/records/audit/export.csv", {"start": today, "end": today}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    actions = [r["action"] for r in rows]
    assert "case.claim" in actions
    assert "case.legal_hold_set" in actions
    assert "auth.sign_in_failed" in actions  # olivia is one of theirs
    # ted belongs to the other department: his sign-in is not theirs to read.
    assert not [r for r in rows if "ted" in r["details"]]
    hold = next(r for r in rows if r["action"] == "case.legal_hold_set")
    assert hold["action_label"] == "Legal hold set"
    assert hold["actor"] == "admin"
    assert json.loads(hold["details"]) == {"reason": "ATIP"}
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == team.admin
    assert exported.details["format"] == "csv"


def test_filters_by_person_and_action_in_json(team, history):
    client = client_for(team.admin)
    rows = json.loads(_body(client.get("/records/audit/export.json", {"person": "olivia"})))
    assert {r["action"] for r in rows} == {"case.claim", "auth.sign_in_failed", "membership.create"}
    rows = json.loads(
        _body(client.get("/records/audit/export.json", {"action": "case.legal_hold_set"}))
    )
    assert [(r["action"], r["case"]) for r in rows] == [("case.legal_hold_set", history.pk)]
    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    rows = json.loads(
        _body(client.get("/records/audit/export.json", {"start": yesterday, "end": yesterday}))
    )
    assert rows == []


def test_the_other_departments_admin_sees_only_theirs(team, history):
    other_admin = person(Role.ADMIN, team.outsider.memberships.get().department)
    rows = json.loads(_body(client_for(other_admin).get("/records/audit/export.json")))
    assert rows, "their own department's events (ted's sign-in, their roles)"
    assert all(r["case"] is None for r in rows)
    assert "auth.sign_in" in {r["action"] for r in rows}
    assert not [r for r in rows if r["action"] in ("case.claim", "auth.sign_in_failed")]


def test_officers_may_not_export(team, history):
    client = client_for(team.officer)
    assert client.get("/records/audit/").status_code == 403
    assert client.get("/records/audit/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_page_offers_the_filters_and_links_in_both_languages(team, history):
    page = client_for(team.admin).get("/records/audit/").content.decode()
    assert "Audit log export" in page
    assert 'href="/records/audit/export.csv?' in page
    assert 'label for="id_person"' in page
    team.admin.language = "fr"
    team.admin.save()
    page = client_for(team.admin).get("/records/audit/").content.decode()
    assert "Exportation du journal d’audit" in page
    bad = client_for(team.admin).get(
        "/records/audit/", {"start": "2026-05-02", "end": "2026-05-01"}
    )
    assert bad.status_code == 400
