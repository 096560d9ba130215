"""Encryption at rest for platform credentials (Fernet, keys from the environment)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(("responder-fields:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from exc


class Secret(dict[str, Any]):
    """A dict of credentials whose repr never shows the values (safe in logs)."""

    def __repr__(self) -> str:
        return f"<Secret keys={sorted(self)}>"

    __str__ = __repr__


class EncryptedJSONField(models.TextField):
    """Stores a JSON object encrypted; reads back a `Secret` dict."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret:
        if not value:
            return Secret()
        try:
            return Secret(json.loads(_fernet().decrypt(value.encode()).decode()))
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                "Stored credentials cannot be decrypted: "
                "FIELD_ENCRYPTION_KEYS or SECRET_KEY changed."
            ) from exc

    def to_python(self, value: Any) -> Secret:
        if isinstance(value, dict):
            return Secret(value)
        if not value:
            return Secret()
        if isinstance(value, str):
            try:
                return Secret(json.loads(value))
            except json.JSONDecodeError:
                return self.from_db_value(value, None, None)
        return Secret()

    def get_prep_value(self, value: Any) -> str:
        data = dict(value or {})
        return _fernet().encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def value_to_string(self, obj: models.Model) -> str:
        return "<encrypted>"
