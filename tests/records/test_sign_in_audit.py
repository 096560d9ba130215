"""Sign-ins, failed sign-ins, sign-outs and role changes are in the audit log (#16)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from responder.accounts.changes import people_changed_by
from responder.accounts.models import Membership, Role
from responder.audit.models import AuditEvent
from responder.testing.factories import UserFactory
from tests.workflows.test_revocation import _FormFields

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_a_password_sign_in_and_sign_out_are_recorded(team):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "olivia", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    client.post("/accounts/logout/")
    events = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))
    assert [e.action for e in events] == ["auth.sign_in", "auth.sign_out"]
    sign_in, sign_out = events
    assert (sign_in.subject_type, sign_in.subject_id) == ("user", team.officer.pk)
    assert sign_in.details["method"] == "password"
    assert sign_in.details["address"] == "203.0.113.7"
    assert sign_in.details["department_ids"] == [team.department.pk]
    assert sign_out.subject_id == team.officer.pk


def test_a_failed_sign_in_is_recorded_without_the_password(team):
    Client().post(
        "/accounts/login/",
        {"username": "olivia", "password": "Tr0ub4dor&3-secret"},
        REMOTE_ADDR="198.51.100.4",
    )
    Client().post("/api/v1/auth/token/", {"username": "nobody", "password": "hunter2-secret"})
    failures = list(AuditEvent.objects.filter(action="auth.sign_in_failed").order_by("id"))
    assert [(e.details["username"], e.via) for e in failures] == [
        ("olivia", "web"),
        ("nobody", "api"),
    ]
    assert failures[0].details["address"] == "198.51.100.4"
    assert failures[0].details["department_ids"] == [team.department.pk]
    assert failures[1].details["department_ids"] == []
    everything = json.dumps([e.details for e in AuditEvent.objects.all()])
    assert "Tr0ub4dor" not in everything
    assert "hunter2" not in everything


def test_roles_given_changed_and_removed_are_recorded(team):
    with people_changed_by(actor=team.admin, via="web"):
        membership = Membership.objects.create(
            user=team.officer2, department=team.department, role=Role.SME
        )
        membership.role = Role.APPROVER
        membership.save()
    membership_id = membership.pk
    membership.delete()  # the shell: the system
    events = list(
        AuditEvent.objects.filter(
            action__startswith="membership.", subject_type="membership", subject_id=membership_id
        ).order_by("id")
    )
    assert [(e.action, e.actor, e.via) for e in events] == [
        ("membership.create", team.admin, "web"),
        ("membership.update", team.admin, "web"),
        ("membership.delete", None, "system"),
    ]
    assert events[1].details["from"] == {"role": "sme", "department_id": team.department.pk}
    assert events[1].details["role"] == "approver"
    assert all(e.details["username"] == "omar" for e in events)
    assert all(e.details["department_ids"] == [team.department.pk] for e in events)


def test_a_role_removed_in_the_admin_is_recorded_in_the_admins_name(team):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    url = f"/admin/accounts/user/{team.sme.pk}/change/"
    parser = _FormFields("user_form")
    parser.feed(client.get(url).content.decode())
    data = parser.data
    membership = Membership.objects.get(user=team.sme, role=Role.SME)
    (row,) = [k for k, v in data.items() if k.endswith("-id") and v == [str(membership.pk)]]
    data[row.removesuffix("-id") + "-DELETE"] = ["on"]
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action="membership.delete")
    assert (event.actor, event.via, event.details["username"]) == (root, "admin", "sam")
