"""Platform accounts in the admin: write-only token, connection test, ingest state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from responder.accounts.models import User
from responder.channels.models import IngestError, PlatformAccount
from tests.sim import make_mastodon_account


@pytest.fixture
def admin_client_(client, db):
    user = User.objects.create_superuser("root", "root@example.gc.ca", "pw-for-tests")
    client.force_login(user)
    return client


def form_data(account: PlatformAccount, **overrides) -> dict:
    data = {
        "platform": account.platform,
        "name": account.name,
        "handle": account.handle,
        "department": account.department_id,
        "base_url": account.base_url,
        "credentials_env": account.credentials_env,
        "hashtags": account.hashtags,
        "poll_interval_seconds": account.poll_interval_seconds,
        "is_active": "on",
        "access_token": "",
        "ingest_errors-TOTAL_FORMS": "0",
        "ingest_errors-INITIAL_FORMS": "0",
        "ingest_errors-MIN_NUM_FORMS": "0",
        "ingest_errors-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_token_is_write_only_and_blank_keeps_it(admin_client_, simulator, team):
    account = make_mastodon_account(simulator, team.department)
    url = reverse("admin:channels_platformaccount_change", args=[account.pk])
    page = admin_client_.get(url).content.decode()
    assert simulator.token not in page
    assert "stored (hidden)" in page
    assert "Test connection" in page

    response = admin_client_.post(url, form_data(account))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.credentials["access_token"] == simulator.token

    PlatformAccount.objects.filter(pk=account.pk).update(last_error="401 old failure")
    admin_client_.post(url, form_data(account, access_token="new-secret-token"))
    account.refresh_from_db()
    assert account.credentials["access_token"] == "new-secret-token"
    assert account.last_error == "" and account.next_poll_at is None  # poll again at once
    assert "new-secret-token" not in admin_client_.get(url).content.decode()


def test_connection_test_shows_success_or_the_platform_error(admin_client_, simulator, team):
    account = make_mastodon_account(simulator, team.department)
    test_url = reverse("admin:channels_platformaccount_test_connection", args=[account.pk])
    assert admin_client_.get(test_url).status_code == 405  # only POST acts
    page = admin_client_.post(test_url, follow=True).content.decode()
    assert "connected as @passports" in page

    PlatformAccount.objects.filter(pk=account.pk).update(credentials={"access_token": "wrong"})
    page = admin_client_.post(test_url, follow=True).content.decode()
    # A status in our words, never the platform's answer (account_safety).
    assert "the server refused (HTTP status 401)" in page
    assert "The access token is invalid" not in page
    assert "wrong" not in page.split("the server refused", 1)[1][:300]


def test_connection_test_action_and_environment_token(admin_client_, simulator, team, monkeypatch):
    account = make_mastodon_account(
        simulator, team.department, credentials={}, credentials_env="RESPONDER_TOKEN_TEST_ADM"
    )
    changelist = reverse("admin:channels_platformaccount_changelist")
    data = {"action": "test_connection", "_selected_action": [account.pk]}
    page = admin_client_.post(changelist, data, follow=True).content.decode()
    assert "RESPONDER_TOKEN_TEST_ADM is not set" in page
    monkeypatch.setenv("RESPONDER_TOKEN_TEST_ADM", simulator.token)
    page = admin_client_.post(changelist, data, follow=True).content.decode()
    assert "connected as @passports" in page


def test_ingest_state_and_errors_are_visible(admin_client_, simulator, team):
    account = make_mastodon_account(simulator, team.department)
    PlatformAccount.objects.filter(pk=account.pk).update(
        cursor="12345", last_error="example.social answered 503: down"
    )
    IngestError.objects.create(account=account, external_id="999", error="TypeError: no content")
    page = admin_client_.get(
        reverse("admin:channels_platformaccount_change", args=[account.pk])
    ).content.decode()
    assert "12345" in page and "answered 503: down" in page
    assert "TypeError: no content" in page
