"""X (API v2) connector, over plain httpx calls with an OAuth 2.0 user token.

- Mentions: ``GET /2/users/:id/mentions`` with ``since_id`` (our cursor is the newest
  tweet id seen), ``expansions=author_id`` for the authors' usernames.
- Replies: ``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``. X has no
  idempotency key, so after an attempt whose outcome we did not learn, the poster asks
  ``find_reply`` first: our recent tweets (``GET /2/users/:id/tweets``) for a reply to
  that tweet with the same text. X also refuses an exact duplicate of a recent tweet
  (403 "duplicate content"); we then look ours up the same way.
- Errors: 429 carries ``x-rate-limit-reset`` (epoch seconds); 400/401/403/404 are
  permanent (after one token refresh for a 401 when a refresh token is on file).

Cost: X bills reads and writes per call. One poll is one read (more only when more
than 100 mentions arrived since the last one), so poll an X account every few minutes,
not every few seconds (``poll_interval_seconds`` of 300 or more). Posting is one write,
plus one read only when a previous attempt may have gone through. Engagement is one
read per 100 replies per refresh.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Mapping
from typing import Any

import httpx

from responder.channels.connectors.base import (
    Engagement,
    FetchResult,
    ItemError,
    Mention,
    PostResult,
    RateLimit,
    TransportError,
)
from responder.channels.connectors.headers import (
    HttpConnector,
    parse_reset,
    parse_time,
    rate_limit_from,
)
from responder.channels.connectors.x_campaign import XCampaignOps, normalize_text

DEFAULT_API = "https://api.x.com"
WEB_URL = "https://x.com"
PAGE_SIZE = 100
MAX_PAGES = 3  # each page is a paid read
TWEET_FIELDS = "created_at,conversation_id,lang,referenced_tweets,in_reply_to_user_id,author_id"


def _error_message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    for key in ("detail", "title", "error_description", "error"):
        if isinstance(body.get(key), str) and body[key]:
            return str(body[key])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or "")
    return ""


class XConnector(XCampaignOps, HttpConnector):
    """Talks to the X API as one account. Credentials: ``access_token`` (OAuth 2.0
    user context, scopes tweet.read tweet.write users.read offline.access), optionally
    ``refresh_token`` + ``client_id`` (+ ``client_secret``) to renew it, and
    ``user_id`` (else looked up once with /2/users/me and kept in session_state)."""

    # No idempotency key: a re-post is only safe after checking our recent tweets.
    idempotency_key_lifetime: dt.timedelta | None = dt.timedelta(0)
    # Our own recent tweets answer whether the reply exists (within the last 100).
    reply_check_is_reliable = True

    default_base_url = DEFAULT_API
    session_handle_key = "username"

    # --- auth -----------------------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        return self.session_state or {}

    def _token(self) -> str:
        token = (
            self._state().get("access_token")
            or self._credentials.get("access_token")
            or self._credentials.get("token")
        )
        if not token:
            raise TransportError("X credentials need an access token.", permanent=True)
        return str(token)

    def _can_refresh(self) -> bool:
        return bool(
            (self._state().get("refresh_token") or self._credentials.get("refresh_token"))
            and self._credentials.get("client_id")
        )

    def _refresh(self) -> None:
        refresh = self._state().get("refresh_token") or self._credentials.get("refresh_token")
        client_id = str(self._credentials.get("client_id") or "")
        secret = self._credentials.get("client_secret")
        # A confidential client authenticates with HTTP Basic; a public one only names itself.
        extra: dict[str, Any] = {"auth": httpx.BasicAuth(client_id, str(secret))} if secret else {}
        try:
            response = self._client.post(
                f"{self.base_url}/2/oauth2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                    "client_id": client_id,
                },
                **extra,
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"X token refresh: {exc!r}", permanent=False) from exc
        if not response.is_success:
            raise self._error("token refresh", response)
        data = response.json()
        state = dict(self._state())
        state.update(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token", refresh),
            expires_at=time.time() + float(data.get("expires_in") or 7200),
        )
        self.session_state = state

    @property
    def user_id(self) -> str:
        user_id = self._credentials.get("user_id") or self._state().get("user_id")
        if not user_id:
            me = self._call("GET", "/2/users/me")["data"]
            state = dict(self._state())
            state.update(user_id=str(me["id"]), username=str(me.get("username") or ""))
            self.session_state = state
            self.handle = self.handle or state["username"]
            user_id = state["user_id"]
        return str(user_id)

    # --- HTTP -----------------------------------------------------------------------

    def _error(self, what: str, response: httpx.Response) -> TransportError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        message = f"X {status}: {_error_message(body) or response.reason_phrase}"
        if status == 429:
            return TransportError(
                message,
                permanent=False,
                status=status,
                retry_at=parse_reset(response.headers.get("x-rate-limit-reset")),
            )
        if status >= 500 or status == 408:
            return TransportError(message, permanent=False, status=status)
        return TransportError(message, permanent=True, status=status)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        files: Any = None,
        data: Any = None,
    ) -> dict[str, Any]:
        expires = self._state().get("expires_at")
        if expires and float(expires) < time.time() + 60 and self._can_refresh():
            self._refresh()
        for attempt in (1, 2):
            try:
                response = self._client.request(
                    method,
                    f"{self.base_url}{path}",
                    params=params,
                    json=json,
                    files=files,
                    data=data,
                    headers={"Authorization": f"Bearer {self._token()}"},
                )
            except httpx.HTTPError as exc:
                raise TransportError(
                    f"X {path}: {exc.__class__.__name__}: {exc}", permanent=False
                ) from exc
            self._last_response = response
            if response.status_code == 401 and attempt == 1 and self._can_refresh():
                self._refresh()
                continue
            if not response.is_success:
                raise self._error(path, response)
            try:
                body = response.json()
            except ValueError as exc:
                raise TransportError(
                    f"X {path}: the answer is not JSON.",
                    permanent=False,
                    status=response.status_code,
                ) from exc
            return body if isinstance(body, dict) else {}
        raise AssertionError("unreachable")  # pragma: no cover

    # --- the connector interface ----------------------------------------------------

    def verify(self) -> str:
        me = self._call("GET", "/2/users/me")["data"]
        return str(me.get("username") or "")

    def _tweet_url(self, tweet_id: str, username: str = "") -> str:
        if username:
            return f"{WEB_URL}/{username}/status/{tweet_id}"
        return f"{WEB_URL}/i/web/status/{tweet_id}"

    def _search(self, path: str, *, base: dict[str, Any], cursor: str, source: str) -> FetchResult:
        mentions: list[Mention] = []
        errors: list[ItemError] = []
        newest = int(cursor) if cursor.isdigit() else 0
        token: str | None = None
        rate_limit: RateLimit | None = None
        for _ in range(MAX_PAGES):
            params = dict(base)
            if cursor:
                params["since_id"] = cursor
            if token:
                params["pagination_token"] = token
            data = self._call("GET", path, params=params)
            if self._last_response is not None:
                rate_limit = (
                    rate_limit_from(self._last_response.headers, "x-rate-limit-") or rate_limit
                )
            users = {
                str(u.get("id")): u
                for u in (data.get("includes") or {}).get("users") or []
                if isinstance(u, dict)
            }
            for tweet in data.get("data") or []:
                try:
                    mention = self._mention_from(tweet, users, source)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    tid = str(tweet.get("id", "")) if isinstance(tweet, dict) else ""
                    errors.append(
                        ItemError(tid, f"unreadable: {exc!r}", {"tweet": repr(tweet)[:500]})
                    )
                    continue
                newest = max(newest, int(mention.external_id))
                mentions.append(mention)
            token = (data.get("meta") or {}).get("next_token")
            # Without a cursor (first poll) one page is enough: no paid backfill.
            if not token or not cursor:
                break
        mentions.sort(key=lambda m: int(m.external_id))
        return FetchResult(
            mentions=mentions,
            cursor=str(newest) if newest else cursor,
            errors=errors,
            rate_limit=rate_limit,
        )

    def _mention_from(
        self, tweet: Mapping[str, Any], users: Mapping[str, Any], source: str
    ) -> Mention:
        tweet_id = str(tweet["id"])
        if not tweet_id.isdigit():
            raise ValueError("tweet id is not numeric")
        author_id = str(tweet["author_id"])
        author = users.get(author_id) or {}
        username = str(author.get("username") or "")
        created = parse_time(tweet.get("created_at"))
        if created is None:
            raise ValueError("no created_at")
        replied_to = next(
            (
                str(ref["id"])
                for ref in tweet.get("referenced_tweets") or []
                if ref.get("type") == "replied_to"
            ),
            "",
        )
        text = tweet["text"]
        if not isinstance(text, str):
            raise TypeError("text is not a string")
        return Mention(
            external_id=tweet_id,
            author_handle=username or author_id,
            author_name=str(author.get("name") or ""),
            author_external_id=author_id,
            text=html.unescape(text),
            url=self._tweet_url(tweet_id, username),
            created_at=created,
            visibility="public",
            conversation_id=str(tweet.get("conversation_id") or tweet_id),
            in_reply_to_external_id=replied_to,
            language_hint=str(tweet.get("lang") or ""),
            source=source,
        )

    def fetch_mentions(self, *, cursor: str) -> FetchResult:
        return self._search(
            f"/2/users/{self.user_id}/mentions",
            base={
                "max_results": PAGE_SIZE,
                "expansions": "author_id",
                "tweet.fields": TWEET_FIELDS,
                "user.fields": "username,name",
            },
            cursor=cursor,
            source="mention",
        )

    def fetch_hashtag(self, *, tag: str, cursor: str) -> FetchResult:
        return self._search(
            "/2/tweets/search/recent",
            base={
                "query": f"#{tag.lstrip('#')} -is:retweet",
                "max_results": PAGE_SIZE,
                "expansions": "author_id",
                "tweet.fields": TWEET_FIELDS,
                "user.fields": "username,name",
            },
            cursor=cursor,
            source="hashtag",
        )

    def post_reply(
        self, *, text: str, in_reply_to_id: str, visibility: str, idempotency_key: str
    ) -> PostResult:
        # A reply is a post with a parent: one home for the duplicate check (x_campaign).
        return self.post(
            text=text,
            media_ids=[],
            visibility=visibility,
            idempotency_key=idempotency_key,
            in_reply_to_id=in_reply_to_id,
        )

    def find_reply(
        self, *, in_reply_to_id: str, idempotency_key: str, text: str
    ) -> PostResult | None:
        return self.find_post(
            idempotency_key=idempotency_key, text=text, in_reply_to_id=in_reply_to_id
        )

    def engagement(self, *, external_ids: list[str]) -> dict[str, Engagement]:
        found: dict[str, Engagement] = {}
        for start in range(0, len(external_ids), PAGE_SIZE):
            batch = external_ids[start : start + PAGE_SIZE]
            data = self._call(
                "GET",
                "/2/tweets",
                params={"ids": ",".join(batch), "tweet.fields": "public_metrics"},
            )
            # Deleted tweets come back under "errors"; they just have no figures.
            for tweet in data.get("data") or []:
                metrics = tweet.get("public_metrics") or {}
                found[str(tweet["id"])] = Engagement(
                    favourites=int(metrics.get("like_count") or 0),
                    boosts=int(metrics.get("retweet_count") or 0)
                    + int(metrics.get("quote_count") or 0),
                    replies=int(metrics.get("reply_count") or 0),
                    quotes=int(metrics.get("quote_count") or 0),
                    impressions=(
                        int(metrics["impression_count"])
                        if metrics.get("impression_count") is not None
                        else None
                    ),
                )
        return found


def build(
    *, base_url: str, credentials: Mapping[str, Any], session_state: Mapping[str, Any] | None
) -> XConnector:
    """The factory's entry point (responder.channels.connectors.connector_for)."""
    return XConnector(
        base_url=base_url,
        credentials=credentials,
        session_state=session_state,
        handle=str(credentials.get("handle") or ""),
    )


__all__ = ["XConnector", "build", "normalize_text"]
