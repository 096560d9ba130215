"""The one small interface every platform connector implements.

Connectors only talk to platforms: they take plain values (server URL, credentials,
saved session), return plain data, and raise `TransportError`. They never touch
models; the services in responder/channels persist what they return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


class TransportError(Exception):
    """A platform call failed. `permanent` says whether retrying can help (401, 404,
    422 are permanent; 429, 5xx and network errors are not). `retry_at` is when the
    platform says we may try again (rate-limit reset), if it said."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        retry_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.retry_at = retry_at


@dataclass(frozen=True)
class RateLimit:
    limit: int | None
    remaining: int | None
    reset_at: dt.datetime | None


@dataclass(frozen=True)
class Mention:
    """A citizen's post that mentions us, replies to us, or carries a tracked hashtag."""

    external_id: str
    author_handle: str
    author_name: str
    author_external_id: str
    text: str  # plain text, HTML already stripped
    url: str
    created_at: dt.datetime
    visibility: str = "public"
    conversation_id: str = ""
    in_reply_to_external_id: str = ""
    language_hint: str = ""  # what the platform says, if anything
    source: str = "mention"  # mention | hashtag


@dataclass(frozen=True)
class ItemError:
    """An item of a page that could not be read; recorded and skipped."""

    external_id: str
    error: str
    payload: dict[str, Any]


@dataclass
class FetchResult:
    mentions: list[Mention]
    # Where the next fetch starts. Only persisted together with the rows.
    cursor: str
    errors: list[ItemError] = field(default_factory=list)
    rate_limit: RateLimit | None = None


@dataclass(frozen=True)
class PostResult:
    external_id: str
    url: str


@dataclass(frozen=True)
class Engagement:
    favourites: int
    boosts: int
    replies: int


class Connector(Protocol):
    """What Responder needs from a platform."""

    #: Connector-owned state to save between calls (a Bluesky session...), or None.
    session_state: dict[str, Any] | None
    #: How long the platform honours our idempotency key: a retry within it cannot
    #: post twice. None: forever (a record key chosen before the first attempt);
    #: zero: the platform has no idempotency key. Exactly-once posting depends on it.
    idempotency_key_lifetime: dt.timedelta | None
    #: Whether `find_reply` is authoritative: when True, "not found" means it was not
    #: posted, so posting again after a crash cannot duplicate.
    reply_check_is_reliable: bool

    def verify(self) -> str:
        """Check the credentials; return the account's handle. Raises TransportError."""
        ...

    def fetch_mentions(self, *, cursor: str) -> FetchResult:
        """Mentions (and replies to us) newer than `cursor`, oldest first."""
        ...

    def fetch_hashtag(self, *, tag: str, cursor: str) -> FetchResult:
        """Public posts with #tag newer than `cursor`, oldest first."""
        ...

    def post_reply(
        self, *, text: str, in_reply_to_id: str, visibility: str, idempotency_key: str
    ) -> PostResult:
        """Post `text` as a reply. Must not create a second post when called again
        with the same idempotency key (use the platform's key, or a record key
        derived from it, or check first)."""
        ...

    def find_reply(
        self, *, in_reply_to_id: str, idempotency_key: str, text: str
    ) -> PostResult | None:
        """After a crash: our reply to `in_reply_to_id` if it was posted, else None."""
        ...

    def engagement(self, *, external_ids: list[str]) -> dict[str, Engagement]:
        """Favourites, boosts and replies of our own posts."""
        ...

    def close(self) -> None:
        """Release the HTTP client."""
        ...
