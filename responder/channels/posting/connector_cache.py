"""The connectors posting talks through, kept per worker thread and account."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from responder.channels.account_services import account_session_save
from responder.channels.connectors import connector_for
from responder.channels.connectors.base import Connector
from responder.channels.models import PlatformAccount


def connector_for_account(account: PlatformAccount) -> Connector:

    return connector_for(account)


# Connectors kept per worker thread and account: building one sets up an HTTP client
# (TLS context, connection pool), which costs more than a post. A connector is reused
# only while the account's URL, credentials and saved session are what it was built
# from, so a session another worker refreshed (Bluesky rotates refresh tokens) or a
# new token from the admin form is picked up at once.
_connectors = threading.local()


def _fingerprint(account: PlatformAccount) -> str:
    raw = json.dumps(
        [
            account.platform,
            account.base_url,
            account.credentials_env,
            account.credentials or {},
            account.session_state or {},
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _cached_connector(account: PlatformAccount) -> Connector:
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.setdefault("by_account", {})
    key = _fingerprint(account)
    hit = cache.get(account.pk)
    if hit is not None and hit[0] == key:
        return hit[1]
    if hit is not None:
        _close(hit[1])
    connector = connector_for_account(account)
    cache[account.pk] = (key, connector)
    return connector


def _forget_connector(account_id: int) -> None:
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.get("by_account", {})
    hit = cache.pop(account_id, None)
    if hit is not None:
        _close(hit[1])


def _save_session(*, account: PlatformAccount, before: Any, connector: Connector) -> None:
    after = getattr(connector, "session_state", None)
    if after is None or after == before:
        return
    account_session_save(account=account, session_state=after)
    # The connector now matches the saved session: keep it under the new fingerprint.
    cache: dict[int, tuple[str, Connector]] = _connectors.__dict__.setdefault("by_account", {})
    cache[account.pk] = (_fingerprint(account), connector)


def _close(connector: Any) -> None:
    close = getattr(connector, "close", None)
    if callable(close):
        close()
