from __future__ import annotations

import pytest
from django.db import connection

from responder.channels.models import PlatformAccount
from responder.testing.factories import PlatformAccountFactory

pytestmark = pytest.mark.django_db


def test_credentials_are_encrypted_at_rest_and_hidden_from_logs():
    account = PlatformAccountFactory(credentials={"access_token": "tok-SECRET-123"})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM channels_platformaccount WHERE id = %s", [account.pk]
        )
        stored = cursor.fetchone()[0]
    assert "tok-SECRET-123" not in stored
    reloaded = PlatformAccount.objects.get(pk=account.pk)
    assert reloaded.credentials["access_token"] == "tok-SECRET-123"
    assert "tok-SECRET-123" not in repr(reloaded.credentials)
    assert "tok-SECRET-123" not in str(reloaded.credentials)
