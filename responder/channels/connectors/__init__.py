"""Connector factory: one module per platform, each exposing
`build(*, base_url, credentials, session_state) -> Connector`."""

from __future__ import annotations

import importlib
import os
from typing import Any, Protocol, cast

from responder.channels.connectors.base import Connector, TransportError


class PlatformAccount(Protocol):
    """What the factory reads of a platform account (channels.models.PlatformAccount):
    connectors know nothing of the database."""

    platform: str
    base_url: str
    credentials: Any
    credentials_env: str
    session_state: Any


#: The only environment variables a platform account may read its token from.
TOKEN_ENV_PREFIX = "RESPONDER_TOKEN_"

#: platform -> module with build(); add a platform with one line here.
CONNECTOR_MODULES: dict[str, str] = {
    "mastodon": "responder.channels.connectors.mastodon",
    "bluesky": "responder.channels.connectors.bluesky",
    "x": "responder.channels.connectors.x",
}


def account_credentials(account: PlatformAccount) -> dict[str, Any]:
    """The account's credentials, with the access token from the environment
    variable named in `credentials_env` when set (it wins over a stored token)."""
    credentials: dict[str, Any] = dict(cast(dict[str, Any], account.credentials) or {})
    if account.credentials_env:
        # Only token variables, even for a row saved before the rule (account_safety).
        if not account.credentials_env.startswith(TOKEN_ENV_PREFIX):
            raise TransportError(
                f"Only environment variables starting with {TOKEN_ENV_PREFIX} can hold a token.",
                permanent=True,
            )
        token = os.environ.get(account.credentials_env, "")
        if not token:
            raise TransportError(
                f"The environment variable {account.credentials_env} is not set.",
                permanent=True,
            )
        credentials["access_token"] = token
    return credentials


def connector_for(account: PlatformAccount) -> Connector:
    """The connector for one platform account. Raises TransportError(permanent=True)
    when the platform has no connector or the credentials are missing."""
    module_name = CONNECTOR_MODULES.get(account.platform)
    if module_name is None:
        raise TransportError(f"No connector for platform {account.platform!r}.", permanent=True)
    module = importlib.import_module(module_name)
    connector: Connector = module.build(
        base_url=account.base_url,
        credentials=account_credentials(account),
        session_state=dict(cast(dict[str, Any], account.session_state) or {}),
    )
    return connector


__all__ = [
    "CONNECTOR_MODULES",
    "Connector",
    "TransportError",
    "account_credentials",
    "connector_for",
]
