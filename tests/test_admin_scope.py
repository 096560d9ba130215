"""Issue #11 item 1 in the Django admin: a department admin administers only their
department there too (departments, people and roles, accounts, library, topics,
policies and rules, holidays), never grants site admin or superuser, and never sees
the site-only pages; a site admin sees everything."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from responder.accounts.models import Department, Membership, Role, User
from responder.audit.models import AuditEvent
from responder.channels.models import PlatformAccount
from responder.inbox.models import LibraryAnswer
from responder.testing.factories import (
    LibraryAnswerFactory,
    PlatformAccountFactory,
    UserFactory,
    person,
)
from tests.conftest import Team
from workflows.models import ApprovalPolicy, RoutingRule

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)
SCOPED = {
    ("accounts", "department"),
    ("accounts", "holiday"),
    ("accounts", "providergrouprole"),
    ("accounts", "user"),
    ("channels", "platformaccount"),
    ("channels", "ingesterror"),
    ("channels", "afterhoursnotice"),
    ("inbox", "libraryanswer"),
    ("inbox", "topic"),
    ("inbox", "responsetarget"),
    ("workflows", "approvalpolicy"),
    ("workflows", "routingrule"),
}


def _url(app_label: str, model_name: str, page: str, *args: object) -> str:
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


@pytest.fixture
def taxes(team: Team) -> Department:
    return Department.objects.get(slug="taxes")


@pytest.fixture
def b_admin(taxes: Department) -> User:
    return person(Role.ADMIN, taxes, username="bruno")  # not is_staff: the role is enough


@pytest.fixture
def b_client(b_admin: User) -> Client:
    client = Client()
    client.force_login(b_admin)
    return client


def test_a_department_admin_opens_the_admin_and_sees_the_scoped_pages(b_client, team):
    index = b_client.get("/admin/")
    assert index.status_code == 200
    for app_label, model_name in REGISTERED:
        status = b_client.get(_url(app_label, model_name, "changelist")).status_code
        if (app_label, model_name) in SCOPED:
            assert status == 200, (app_label, model_name)
        elif app_label in ("accounts", "channels", "inbox", "workflows", "audit"):
            assert status == 403, (app_label, model_name)  # cases, steps, audit: site only


def test_header_link_follows_the_role(b_client, team):
    assert 'href="/admin/"' in b_client.get("/review/mine/").content.decode()
    officer = Client()
    officer.force_login(team.officer)
    assert 'href="/admin/"' not in officer.get("/review/mine/").content.decode()


def test_departments_and_people_are_scoped(b_client, team, taxes, b_admin):
    departments = b_client.get(_url("accounts", "department", "changelist")).content.decode()
    assert "Taxes" in departments and "Passport Office" not in departments
    assert (
        b_client.get(_url("accounts", "department", "change", team.department.pk)).status_code
        == 302
    )
    assert b_client.get(_url("accounts", "department", "add")).status_code == 403

    people = b_client.get(_url("accounts", "user", "changelist")).content.decode()
    assert "bruno" in people and team.outsider.username in people
    for outsider in (team.officer, team.admin):
        assert _url("accounts", "user", "change", outsider.pk) not in people
    assert b_client.get(_url("accounts", "user", "change", team.officer.pk)).status_code == 302


def _user_post(user: User, memberships: list[dict[str, object]], **extra: object) -> dict:
    existing = list(Membership.objects.filter(user=user))
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": len(memberships),
        "memberships-INITIAL_FORMS": len([m for m in memberships if m.get("id")]),
        "memberships-MIN_NUM_FORMS": 0,
        "memberships-MAX_NUM_FORMS": 1000,
        **extra,
    }
    assert len(existing) >= 0
    for i, row in enumerate(memberships):
        for key, value in row.items():
            data[f"memberships-{i}-{key}"] = value
        data[f"memberships-{i}-user"] = user.pk
    return data


def test_roles_only_in_their_department_and_never_site_admin(b_client, team, taxes):
    ted = team.outsider  # an officer of Taxes
    ted_role = Membership.objects.get(user=ted)
    url = _url("accounts", "user", "change", ted.pk)
    page = b_client.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="site_admin"' not in page

    # A role in Passport Office: refused, nothing saved.
    refused = b_client.post(
        url,
        _user_post(
            ted,
            [
                {"id": ted_role.pk, "department": taxes.pk, "role": Role.OFFICER},
                {"department": team.department.pk, "role": Role.ADMIN},
            ],
        ),
    )
    assert refused.status_code == 200  # the form again, with the error
    assert not Membership.objects.filter(user=ted, department=team.department).exists()

    # SME in Taxes, and a forged superuser / site admin / staff flag: the role only.
    saved = b_client.post(
        url,
        _user_post(
            ted,
            [
                {"id": ted_role.pk, "department": taxes.pk, "role": Role.OFFICER},
                {"department": taxes.pk, "role": Role.SME},
            ],
            is_superuser="on",
            site_admin="on",
            is_staff="on",
        ),
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    ted.refresh_from_db()
    assert (ted.is_superuser, ted.site_admin, ted.is_staff) == (False, False, False)
    assert set(ted.memberships.values_list("role", flat=True)) == {Role.OFFICER, Role.SME}


def test_people_of_other_departments_are_not_changed(b_client, team, taxes):
    # An SME of both departments: Bruno sees her (she works in Taxes) but may not
    # change her: her Passport Office account is not his.
    both = person(Role.SME, taxes, username="bea")
    Membership.objects.create(user=both, department=team.department, role=Role.SME)
    url = _url("accounts", "user", "change", both.pk)
    assert b_client.get(url).status_code == 200
    assert (
        b_client.post(
            f"/admin/accounts/user/{both.pk}/password/",
            {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
        ).status_code
        == 403
    )
    both.refresh_from_db()
    assert both.check_password("correct-horse-battery")
    site_admin = UserFactory(username="root", site_admin=True)
    Membership.objects.create(user=site_admin, department=taxes, role=Role.ADMIN)
    assert (
        b_client.post(
            f"/admin/accounts/user/{site_admin.pk}/password/",
            {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
        ).status_code
        == 403
    )


def test_accounts_library_topics_policies_rules_are_scoped(b_client, team, taxes, b_admin):
    tax_account = PlatformAccountFactory(department=taxes, handle="taxes")
    accounts = b_client.get(_url("channels", "platformaccount", "changelist")).content.decode()
    assert "@taxes" in accounts or "taxes" in accounts
    assert team.account.handle not in accounts
    assert (
        b_client.get(_url("channels", "platformaccount", "change", team.account.pk)).status_code
        == 302
    )
    assert (
        b_client.get(_url("channels", "platformaccount", "change", tax_account.pk)).status_code
        == 200
    )

    LibraryAnswerFactory(department=team.department, title_en="Passport fees")
    answers = b_client.get(_url("inbox", "libraryanswer", "changelist")).content.decode()
    assert "Passport fees" not in answers

    site_wide = ApprovalPolicy.objects.get(name="New answer")
    assert (
        b_client.get(_url("workflows", "approvalpolicy", "change", site_wide.pk)).status_code == 200
    )
    forged = b_client.post(
        _url("workflows", "approvalpolicy", "change", site_wide.pk),
        {"name": "Mine", "is_active": "on", "layers-TOTAL_FORMS": 0, "layers-INITIAL_FORMS": 0},
    )
    assert forged.status_code == 403
    site_wide.refresh_from_db()
    assert site_wide.name == "New answer"

    # A rule through the admin: only his policies and his department to choose from.
    mine = ApprovalPolicy.objects.create(name="Taxes policy", department=taxes)
    add = b_client.get(_url("workflows", "routingrule", "add")).content.decode()
    assert f'value="{mine.pk}"' in add and f'value="{site_wide.pk}"' not in add
    assert (
        f'value="{team.department.pk}"'
        not in add.split('name="department"')[1].split("</select>")[0]
    )
    before = RoutingRule.objects.count()
    for policy, department in ((site_wide.pk, ""), (mine.pk, team.department.pk)):
        response = b_client.post(
            _url("workflows", "routingrule", "add"),
            {
                "name": "Grab",
                "policy": policy,
                "priority": 1,
                "department": department,
                "is_active": "on",
            },
        )
        assert response.status_code == 200  # the form again: not a valid choice
    assert RoutingRule.objects.count() == before


def test_library_approval_action_asks_authz_and_goes_through_the_service(b_client, team, taxes):
    shared = team.answer  # no department: a site admin's
    before = shared.approved_by_id
    tax_answer = LibraryAnswerFactory(department=taxes, title_en="Tax refunds", approved_by=None)
    response = b_client.post(
        _url("inbox", "libraryanswer", "changelist"),
        {"action": "approve_answers", "_selected_action": [shared.pk, tax_answer.pk]},
    )
    assert response.status_code == 302
    shared.refresh_from_db()
    tax_answer.refresh_from_db()
    assert shared.approved_by_id == before
    assert tax_answer.approved_by is not None and tax_answer.approved_by.username == "bruno"
    assert list(
        AuditEvent.objects.filter(action="library.approve").values_list("via", flat=True)
    ) == ["admin"]
    assert LibraryAnswer.objects.filter(approved_by__username="bruno").count() == 1


def test_site_admin_sees_everything(team):
    root = UserFactory(username="root", site_admin=True)  # neither superuser nor staff
    client = Client()
    client.force_login(root)
    for app_label, model_name in REGISTERED:
        if app_label not in ("accounts", "channels", "inbox", "workflows", "audit"):
            continue
        assert client.get(_url(app_label, model_name, "changelist")).status_code == 200
    page = client.get(_url("accounts", "user", "change", team.officer.pk)).content.decode()
    assert 'name="site_admin"' in page
    assert (
        client.get(_url("accounts", "department", "change", team.department.pk)).status_code == 200
    )
    assert PlatformAccount.objects.count() == 1


def test_an_officer_and_a_removed_admin_cannot_open_the_admin(team, b_admin):
    client = Client()
    client.force_login(team.officer)
    assert client.get("/admin/").status_code == 302
    Membership.objects.filter(user=b_admin).delete()
    client.force_login(b_admin)
    assert client.get("/admin/").status_code == 302
