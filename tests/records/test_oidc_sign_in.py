"""OpenID Connect sign-in against a real provider on loopback (#16).

The provider (tests/oidc_provider/server.py) runs as its own process; our side is the
Django test client, the provider's side plain HTTP (requests). The flow is the
browser's: our /accounts/oidc/authenticate/ sends the person to the provider's
/authorize with state and nonce, the person signs in on the provider's form, the
provider sends them back with a code, and our callback trades it for a signed id
token and the userinfo (with the groups) over HTTP.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from responder.accounts.models import Membership, ProviderGroupRole, Role, User
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from tests.oidc_provider.server import CLIENT_ID, CLIENT_SECRET
from workflows import submission
from workflows.models import ApprovalStep

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until it listens
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def oidc(settings, provider: str) -> str:
    discovery = requests.get(f"{provider}/.well-known/openid-configuration", timeout=10).json()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "responder.accounts.oidc.ProviderBackend",
    ]
    return provider


def at_provider(provider: str, username: str, groups: list[str]) -> None:
    """The directory admin's change at the provider."""
    body = {"password": "provider-pass-1", "groups": groups, "email": f"{username}@gc.ca"}
    assert requests.post(f"{provider}/_people/{username}", json=body, timeout=10).ok


def sign_in_through(provider: str, username: str) -> Client:
    client = Client()
    start = client.get("/accounts/oidc/authenticate/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider}/authorize?")
    session = requests.Session()
    form_page = session.get(authorize, timeout=10)
    assert form_page.status_code == 200
    fields = dict(
        (unescape(n), unescape(v))
        for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form_page.text)
    )
    back = session.post(
        f"{provider}/authorize",
        data={**fields, "username": username, "password": "provider-pass-1"},
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/accounts/oidc/callback/"
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302
    assert done["Location"] == "/", done["Location"]
    return client


def test_groups_give_roles_and_a_group_removed_at_the_provider_reroutes_a_step(team, oidc):
    ProviderGroupRole.objects.create(group="pass-sme", department=team.department, role=Role.SME)
    ProviderGroupRole.objects.create(
        group="pass-staff", department=team.department, role=Role.OFFICER
    )
    # Kim is the department's only subject-matter expert.
    Membership.objects.filter(department=team.department, role=Role.SME).delete()
    at_provider(oidc, "kim", ["pass-sme", "pass-staff", "unrelated-group"])

    client = sign_in_through(oidc, "kim")
    kim = User.objects.get(username="kim")
    assert kim.email == "kim@gc.ca"
    assert not kim.has_usable_password()
    assert set(Membership.objects.filter(user=kim).values_list("role", flat=True)) == {
        Role.SME,
        Role.OFFICER,
    }
    assert client.get("/").status_code == 200  # signed in: the inbox
    sign_in = AuditEvent.objects.filter(action="auth.sign_in", subject_id=kim.pk).get()
    assert sign_in.details["method"] == "oidc"

    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=case)
    assert list(step.reviewers.all()) == [kim]

    # At the provider, Kim leaves the experts' group; she signs in again.
    at_provider(oidc, "kim", ["pass-staff"])
    sign_in_through(oidc, "kim")

    assert list(Membership.objects.filter(user=kim).values_list("role", flat=True)) == [
        Role.OFFICER
    ]
    assert kim not in step.reviewers.all()
    assert team.admin in step.reviewers.all()  # re-routed to the department's admins
    removal = AuditEvent.objects.get(
        action="approval.reviewer_removed", subject_type="approvalstep", subject_id=step.pk
    )
    assert removal.via == "system"
    removed = AuditEvent.objects.get(action="membership.delete", details__username="kim")
    assert removed.details["role"] == Role.SME


def test_a_role_given_by_hand_outside_the_mapping_stays(team, oidc):
    ProviderGroupRole.objects.create(
        group="pass-staff", department=team.department, role=Role.OFFICER
    )
    at_provider(oidc, "omar", [])
    # omar (team.officer2) holds an officer role given by hand; the mapping manages
    # officers of this department, so with no group he loses it...
    sign_in_through(oidc, "omar")
    assert not Membership.objects.filter(user=team.officer2).exists()
    # ...but an approver role, which no mapping line gives, is left alone.
    Membership.objects.create(user=team.officer2, department=team.department, role=Role.APPROVER)
    sign_in_through(oidc, "omar")
    assert list(Membership.objects.filter(user=team.officer2).values_list("role", flat=True)) == [
        Role.APPROVER
    ]


def test_a_site_admin_cannot_sign_in_through_the_provider(team, oidc):
    User.objects.create_user("root", password="local-pass-123", is_superuser=True)
    at_provider(oidc, "root", ["pass-staff"])
    client = Client()
    start = client.get("/accounts/oidc/authenticate/")
    session = requests.Session()
    page = session.get(start["Location"], timeout=10)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    back = session.post(
        f"{oidc}/authorize",
        data={
            **{k: unescape(v) for k, v in fields.items()},
            "username": "root",
            "password": "provider-pass-1",
        },
        allow_redirects=False,
        timeout=10,
    )
    callback = urlsplit(back.headers["Location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_oidc_addresses_answer_404_while_it_is_off(team):
    assert Client().get("/accounts/oidc/authenticate/").status_code == 404
    assert Client().get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_the_admin_previews_what_a_person_would_get(team):
    ProviderGroupRole.objects.create(group="pass-sme", department=team.department, role=Role.SME)
    ProviderGroupRole.objects.create(
        group="pass-staff", department=team.department, role=Role.OFFICER
    )
    client = Client()
    client.force_login(team.admin)
    listing = client.get("/admin/accounts/providergrouprole/")
    assert "Preview: what would a person get?" in listing.content.decode()
    page = client.get(
        "/admin/accounts/providergrouprole/preview/",
        {"groups": "pass-sme\nother", "username": "omar"},
    ).content.decode()
    assert "would get" in page
    assert "Subject-matter expert · Passport Office" in page
    # omar is an officer by hand; the mapping manages officers: he would lose it.
    removed = page.split('id="preview-removed"')[1].split("</ul>")[0]
    assert "Communication officer · Passport Office" in removed
    assert Membership.objects.filter(user=team.officer2, role=Role.OFFICER).exists()
    assert Client().get("/admin/accounts/providergrouprole/preview/").status_code == 302
    officer = Client()
    officer.force_login(team.officer)
    assert officer.get("/admin/accounts/providergrouprole/preview/").status_code in (302, 403)


def test_local_passwords_off_leaves_only_the_break_glass_accounts(team, oidc, settings):
    settings.LOCAL_PASSWORDS = False
    settings.OIDC_PROVIDER_NAME = "Passport Canada ID"
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Passport Canada ID" in page
    assert "Emergency sign-in for site administrators" in page
    refused = Client().post(
        "/accounts/login/", {"username": "olivia", "password": "correct-horse-battery"}
    )
    assert refused.status_code == 200
    assert "Sign in through your department" in refused.content.decode()
    User.objects.create_user("root", password="local-pass-123", is_superuser=True)
    allowed = Client().post("/accounts/login/", {"username": "root", "password": "local-pass-123"})
    assert allowed.status_code == 302
    token = Client().post(
        "/api/v1/auth/token/", {"username": "olivia", "password": "correct-horse-battery"}
    )
    assert token.status_code == 400
    assert "identity provider" in token.json()["non_field_errors"][0]
    root_token = Client().post(
        "/api/v1/auth/token/", {"username": "root", "password": "local-pass-123"}
    )
    assert root_token.status_code == 200


def test_the_sign_in_page_with_passwords_only(team):
    page = Client().get("/accounts/login/").content.decode()
    assert "sign-in-provider" not in page
    assert "Emergency sign-in" not in page
