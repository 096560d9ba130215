"""A platform account cannot be turned against the server it runs on (issue #16):
no token from an arbitrary environment variable, no private or loopback server, and
"Test connection" says how it went, never what the server answered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from responder.accounts.models import User
from responder.channels.models import PlatformAccount
from tests.channels.test_account_admin import form_data
from tests.sim import make_mastodon_account

SECRET_BODY = "internal-page-nobody-should-see"


class Recorder:
    """A stranger's server on loopback: records the Authorization headers it gets and
    answers what the test says."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        self.status = 200
        self.body = json.dumps({"id": "1", "acct": "passports"})
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.authorizations.append(self.headers.get("Authorization", ""))
                payload = recorder.body.encode()
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def stranger() -> Iterator[Recorder]:
    recorder = Recorder()
    thread = threading.Thread(target=recorder.server.serve_forever, daemon=True)
    thread.start()
    yield recorder
    recorder.server.shutdown()
    recorder.server.server_close()


@pytest.fixture
def admin_client_(client, db):
    user = User.objects.create_superuser("root", "root@example.gc.ca", "pw-for-tests")
    client.force_login(user)
    return client


def _change(admin_client_, account, **overrides):
    url = reverse("admin:channels_platformaccount_change", args=[account.pk])
    return admin_client_.post(url, form_data(account, **overrides))


def _test_connection(admin_client_, account) -> str:
    url = reverse("admin:channels_platformaccount_test_connection", args=[account.pk])
    return admin_client_.post(url, follow=True).content.decode()


def test_the_token_variable_must_be_a_token_variable(admin_client_, simulator, team):
    account = make_mastodon_account(simulator, team.department)
    response = _change(admin_client_, account, credentials_env="SECRET_KEY")
    assert response.status_code == 200  # the form again, with the error
    assert "RESPONDER_TOKEN_" in response.content.decode()
    account.refresh_from_db()
    assert account.credentials_env == ""

    saved = _change(admin_client_, account, credentials_env="RESPONDER_TOKEN_PASSPORTS")
    assert saved.status_code == 302
    account.refresh_from_db()
    assert account.credentials_env == "RESPONDER_TOKEN_PASSPORTS"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/",
        "http://192.168.1.1/",
        "http://localhost:6379/",
        "http://[::1]:5432/",
        "http://127.0.0.2:8000/",
    ],
)
def test_the_server_cannot_be_private_or_loopback(admin_client_, simulator, team, url):
    account = make_mastodon_account(simulator, team.department)
    response = _change(admin_client_, account, base_url=url)
    assert response.status_code == 200
    assert "private, loopback or link-local" in response.content.decode()
    account.refresh_from_db()
    assert account.base_url == simulator.url  # the simulator's host is allow-listed


def test_production_wants_https(admin_client_, simulator, team, settings):
    account = make_mastodon_account(simulator, team.department)
    settings.PRODUCTION = True
    settings.PLATFORM_HOST_ALLOWLIST = []
    response = _change(admin_client_, account, base_url="http://93.184.215.14/")
    assert "must start with https://" in response.content.decode()
    assert _change(admin_client_, account, base_url="https://93.184.215.14/").status_code == 302


def test_a_secret_variable_is_never_sent(admin_client_, team, stranger, monkeypatch):
    monkeypatch.setenv("RESPONDER_SECRET_FOR_TEST", "the-crown-jewels")
    account = PlatformAccount.objects.create(
        platform="mastodon",
        name="Rogue",
        handle="passports",
        department=team.department,
        base_url=stranger.url,
        credentials={},
        credentials_env="RESPONDER_SECRET_FOR_TEST",  # saved before the rule existed
    )
    page = _test_connection(admin_client_, account)
    assert "not tested" in page and "RESPONDER_TOKEN_" in page
    assert not any("the-crown-jewels" in a for a in stranger.authorizations)


def test_the_connection_test_reports_a_status_never_the_answer(
    admin_client_, team, stranger, monkeypatch
):
    monkeypatch.setenv("RESPONDER_TOKEN_STRANGER", "token-1")
    account = PlatformAccount.objects.create(
        platform="mastodon",
        name="Probe",
        handle="passports",
        department=team.department,
        base_url=stranger.url,
        credentials_env="RESPONDER_TOKEN_STRANGER",
    )
    assert "connected as @passports" in _test_connection(admin_client_, account)

    stranger.status, stranger.body = 500, json.dumps({"error": SECRET_BODY})
    page = _test_connection(admin_client_, account)
    assert "the server refused (HTTP status 500)" in page
    assert SECRET_BODY not in page

    stranger.status, stranger.body = 200, json.dumps({"id": "7", "acct": SECRET_BODY})
    page = _test_connection(admin_client_, account)
    assert "the token belongs to another account" in page
    assert SECRET_BODY not in page

    stranger.body = f"<html>{SECRET_BODY}</html>"
    page = _test_connection(admin_client_, account)
    assert "did not answer as a platform does" in page and SECRET_BODY not in page

    PlatformAccount.objects.filter(pk=account.pk).update(base_url="http://127.0.0.1:9")
    assert "could not be reached" in _test_connection(admin_client_, account)
