"""Reading what platforms put in HTTP headers and timestamps, shared by connectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx

from responder.channels.connectors.base import RateLimit


def parse_time(value: str | None) -> dt.datetime | None:
    """An ISO-8601 time ("Z" accepted); naive means UTC; None when absent or bad."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_reset(value: str | None) -> dt.datetime | None:
    """A rate-limit reset: ISO-8601 (Mastodon) or an epoch number in seconds or
    milliseconds (X, Bluesky, some Mastodon-compatible servers)."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        return parse_time(value)
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return dt.datetime.fromtimestamp(number, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def rate_limit_from(headers: Mapping[str, str], prefix: str) -> RateLimit | None:
    """`<prefix>limit`, `<prefix>remaining` and `<prefix>reset`, if the platform sent them
    (prefixes: Mastodon "x-ratelimit-", X "x-rate-limit-", Bluesky "ratelimit-")."""
    if f"{prefix}limit" not in headers and f"{prefix}remaining" not in headers:
        return None

    def number(name: str) -> int | None:
        try:
            return int(float(headers.get(f"{prefix}{name}", "")))
        except ValueError:
            return None

    return RateLimit(
        limit=number("limit"),
        remaining=number("remaining"),
        reset_at=parse_reset(headers.get(f"{prefix}reset")),
    )


class HttpConnector:
    """What the httpx-based connectors (Bluesky, X) share: the server, the credentials,
    the saved session, the account's handle, and the HTTP client they own or were given
    (tests hand one in with respx)."""

    default_base_url = ""
    # Where the saved session keeps the account's handle.
    session_handle_key = "handle"

    def __init__(
        self,
        *,
        base_url: str = "",
        credentials: Mapping[str, Any],
        session_state: Mapping[str, Any] | None = None,
        handle: str = "",
        client: httpx.Client | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._credentials = dict(credentials)
        self.session_state: dict[str, Any] | None = dict(session_state or {}) or None
        saved = (self.session_state or {}).get(self.session_handle_key)
        self.handle = (handle or str(saved or "")).lstrip("@")
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0))
        self._last_response: httpx.Response | None = None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()
