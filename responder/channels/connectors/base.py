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
    boosts: int  # on X: retweets + quotes (as before); `quotes` alone below
    replies: int
    quotes: int = 0
    impressions: int | None = None  # only where the platform reports them (X)


@dataclass(frozen=True)
class AccountStats:
    """Our account's audience as the platform reports it now."""

    followers: int
    following: int | None = None
    posts: int | None = None


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

    # --- campaigns: publishing and engaging with the community ------------------------

    def post(
        self,
        *,
        text: str,
        media_ids: list[str],
        visibility: str,
        idempotency_key: str,
        in_reply_to_id: str | None = None,
        language: str | None = None,
    ) -> PostResult:
        """Publish `text` with the uploaded `media_ids` (from `upload_media`), as a
        standalone post, or as the next item of a thread when `in_reply_to_id` is our
        previous item. Same exactly-once contract as `post_reply` for the key."""
        ...

    def find_post(
        self, *, idempotency_key: str, text: str, in_reply_to_id: str | None = None
    ) -> PostResult | None:
        """After a crash: the post `post` made with this key (or, where the platform
        has no key, our recent post with this text and parent), else None."""
        ...

    def upload_media(self, *, data: bytes, mime: str, alt_text: str) -> str:
        """Upload an image with its alt text; returns an opaque media id for `post`.
        The platform may forget an unused upload after a while (X: 24 h; Bluesky
        blobs must be used soon), so upload when posting, not when composing."""
        ...

    def boost(self, *, external_id: str) -> None:
        """Boost (Mastodon), repost (Bluesky) or retweet (X) a post. Doing it twice
        is harmless."""
        ...

    def unboost(self, *, external_id: str) -> None:
        """Undo `boost`; harmless when not boosted."""
        ...

    def favourite(self, *, external_id: str) -> None:
        """Favourite (Mastodon) or like (Bluesky, X) a post. Doing it twice is harmless."""
        ...

    def unfavourite(self, *, external_id: str) -> None:
        """Undo `favourite`; harmless when not favourited."""
        ...

    def account_stats(self) -> AccountStats:
        """Our account's follower count (and following/posts where given)."""
        ...

    def close(self) -> None:
        """Release the HTTP client."""
        ...
