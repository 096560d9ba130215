from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from responder.audit.models import AuditEvent
from responder.inbox import services as inbox

pytestmark = pytest.mark.django_db


def test_every_event_says_who_how_and_from_which_state(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="api")
    event = AuditEvent.objects.get(case=case)
    assert (event.actor, event.via, event.from_state, event.to_state) == (
        team.officer,
        "api",
        "new",
        "drafting",
    )
    assert event.created_at is not None


def test_audit_log_refuses_edits_and_deletes(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    event = AuditEvent.objects.get(case=case)
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(case=case).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(case=case).delete()


def test_database_refuses_raw_updates_of_the_audit_log(team):
    """Even SQL that bypasses the ORM cannot rewrite history on PostgreSQL."""
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET action = 'forged'")
    assert AuditEvent.objects.get(case=case).action == "case.claim"
