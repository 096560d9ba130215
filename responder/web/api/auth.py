"""Token authentication that refuses a malformed token before it reaches the database.

DRF looks any token string up as it is; a NUL byte in it makes PostgreSQL's driver
raise, which would answer 500 instead of 401.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

# DRF's keys are 40 hexadecimal characters (Token.generate_key).
_TOKEN_KEY = re.compile(r"[0-9a-fA-F]{1,40}")


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        if not _TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
