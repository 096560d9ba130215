"""The Django admin: every page opens for an admin, none for an officer, and a case's
state can only change through the services (the admin actions call them)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from responder.audit.models import AuditEvent
from responder.channels.models import PlatformAccount
from responder.inbox.models import Case, CaseState
from tests.conftest import Team

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


def _url(app_label: str, model_name: str, page: str, *args: object) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


def _superuser(team: Team) -> Client:
    team.admin.is_staff = True
    team.admin.is_superuser = True
    team.admin.save()
    client = Client()
    client.force_login(team.admin)
    return client


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_admin_list_and_add_page_opens_for_an_admin(
    team: Team, app_label: str, model_name: str
) -> None:
    client = _superuser(team)
    team.case()  # at least one row in the case, draft and audit lists

    assert client.get(_url(app_label, model_name, "changelist")).status_code == 200
    model_admin = admin.site._registry[
        next(m for m in admin.site._registry if m._meta.model_name == model_name)
    ]
    request = client.get("/").wsgi_request
    request.user = team.admin
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert client.get(_url(app_label, model_name, "add")).status_code == expected


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_an_officer_cannot_open_the_admin(team: Team, app_label: str, model_name: str) -> None:
    client = Client()
    client.force_login(team.officer)

    for page in ("changelist", "add"):
        response = client.get(_url(app_label, model_name, page))
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert reverse("admin:login") in response["Location"]


def test_case_state_is_shown_but_cannot_be_edited(team: Team) -> None:
    client = _superuser(team)
    case = team.case()

    page = client.get(_url("inbox", "case", "change", case.pk))
    assert page.status_code == 200
    assert str(CaseState.NEW.label) in page.content.decode()
    assert 'name="state"' not in page.content.decode()
    assert client.get(_url("inbox", "case", "add")).status_code == 403

    forged = client.post(
        _url("inbox", "case", "change", case.pk), {"state": CaseState.CLOSED, "version": 9}
    )
    assert forged.status_code == 403
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.NEW, 1)


def test_admin_actions_change_state_through_the_services(team: Team) -> None:
    client = _superuser(team)
    case = team.case()

    response = client.post(
        _url("inbox", "case", "changelist"),
        {"action": "claim", "_selected_action": [case.pk]},
        follow=True,
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    assert case.owner == team.admin
    event = AuditEvent.objects.get(case=case, action="case.claim")
    assert (event.actor, event.via, event.from_state, event.to_state) == (
        team.admin,
        "admin",
        "new",
        "drafting",
    )


def test_an_action_the_state_machine_refuses_is_reported_not_applied(team: Team) -> None:
    client = _superuser(team)
    case = team.case()

    response = client.post(
        _url("inbox", "case", "changelist"),
        {"action": "reopen", "_selected_action": [case.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "cannot be reopened" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.NEW


def test_the_audit_log_cannot_be_edited_or_deleted_in_the_admin(team: Team) -> None:
    client = _superuser(team)
    case = team.case()
    client.post(
        _url("inbox", "case", "changelist"), {"action": "claim", "_selected_action": [case.pk]}
    )
    event = AuditEvent.objects.get(case=case)

    assert client.get(_url("audit", "auditevent", "change", event.pk)).status_code == 200
    assert (
        client.post(
            _url("audit", "auditevent", "change", event.pk), {"action": "changed"}
        ).status_code
        == 403
    )
    assert (
        client.post(_url("audit", "auditevent", "delete", event.pk), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.get(pk=event.pk).action == "case.claim"


def test_the_admin_never_shows_a_platform_token(team: Team) -> None:
    client = _superuser(team)
    account = PlatformAccount.objects.get(pk=team.account.pk)  # type: ignore[attr-defined]
    account.credentials = {"access_token": "very-secret-token-123"}
    account.save()

    pages = [client.get(_url("channels", "platformaccount", "changelist"))]
    if PlatformAccount in admin.site._registry:
        pages.append(client.get(_url("channels", "platformaccount", "change", account.pk)))

    for page in pages:
        assert "very-secret-token-123" not in page.content.decode()


def test_a_policy_edit_in_the_admin_over_a_later_change_is_refused(team: Team) -> None:
    """The admin keeps the policy editor's version lock: a form opened at version n
    cannot save over an edit made since."""
    from workflows.models import ApprovalPolicy
    from workflows.policy_services import policy_update

    client = _superuser(team)
    policy = ApprovalPolicy.objects.create(name="Department policy", department=team.department)
    url = _url("workflows", "approvalpolicy", "change", policy.pk)
    page = client.get(url)
    assert page.status_code == 200
    seen = policy.version
    assert f'name="seen_version" value="{seen}"' in page.content.decode()
    policy_update(
        actor=team.admin,
        policy_id=policy.pk,
        name="Changed meanwhile",
        description=policy.description,
        is_active=policy.is_active,
        expected_version=seen,
    )
    form = {
        "name": "My stale edit",
        "description": "",
        "is_active": "on",
        "department": policy.department_id,
        "seen_version": seen,
        "layers-TOTAL_FORMS": "0",
        "layers-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Someone changed this policy since you opened it" in response.content.decode()
    policy.refresh_from_db()
    assert policy.name == "Changed meanwhile"
    assert policy.version == seen + 1
