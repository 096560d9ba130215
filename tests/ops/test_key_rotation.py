"""Key rotation as docs/OPERATIONS.md describes it: add a new key first, re-encrypt,
remove the old key; the credentials are still readable."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from responder.channels.models import PlatformAccount
from responder.testing.factories import PlatformAccountFactory

pytestmark = pytest.mark.django_db


def test_credentials_survive_removing_the_old_key_after_rotation(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    account = PlatformAccountFactory(credentials={"access_token": "tok-1"})

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "1 platform accounts re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert PlatformAccount.objects.get(pk=account.pk).credentials["access_token"] == "tok-1"


def test_without_rotation_removing_the_old_key_loses_the_credentials(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    account = PlatformAccountFactory(credentials={"access_token": "tok-1"})
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(Exception, match="FIELD_ENCRYPTION_KEYS"):
        PlatformAccount.objects.get(pk=account.pk)
