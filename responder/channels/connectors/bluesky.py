"""Bluesky (AT Protocol) connector, over plain XRPC calls with httpx.

- Mentions: ``app.bsky.notification.listNotifications`` (reasons mention and reply),
  newest first on the wire, paged backwards with ``cursor``. Our stored cursor is the
  ``indexedAt`` of the newest notification we returned; a fetch walks pages back
  until it reaches it (the ingest upsert drops the few seen twice at that instant).
- Replies: ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` whose
  record key (a TID) is derived from the outbox row's idempotency key, so it is fixed
  before the first attempt: a retry writes the same key and cannot make a second
  post, and ``find_reply`` is ``com.atproto.repo.getRecord`` of that key.
- Sessions: ``createSession`` is rate limited (30 per 5 minutes), so the session is
  kept in ``session_state`` (saved on the account by the caller) and refreshed with
  ``refreshSession`` when the access token expires.
- Rate limits: a 429 carries ``ratelimit-reset`` (epoch seconds); writes cost points
  (5,000 per hour per account).
"""

from __future__ import annotations

import datetime as dt
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
from responder.channels.connectors.bluesky_campaign import BlueskyCampaignOps
from responder.channels.connectors.bluesky_parsing import (
    did_of,
    jwt_expires_at,
    mention_facets,
    mention_from,
    post_web_url,
    tid_for_key,
)
from responder.channels.connectors.headers import (
    HttpConnector,
    parse_reset,
    parse_time,
    rate_limit_from,
)

DEFAULT_PDS = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
NOTIFICATION_REASONS = ("mention", "reply")
PAGE_LIMIT = 100
# A fetch walks back at most this many pages; an account that fell further behind
# gets the newest ones (the alternative, never catching up, is worse).
MAX_PAGES = 10
GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts takes at most 25 URIs
TOKEN_ERRORS = {"ExpiredToken", "InvalidToken"}


def _retry_at(response: httpx.Response) -> dt.datetime | None:
    reset = parse_reset(response.headers.get("ratelimit-reset"))
    if reset is not None:
        return reset
    after = response.headers.get("retry-after")
    if after:
        try:
            return dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=float(after))
        except ValueError:
            pass
    return None


class _XrpcError(TransportError):
    def __init__(self, message: str, *, error: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error = error


class BlueskyConnector(BlueskyCampaignOps, HttpConnector):
    """Talks to one account's PDS. Credentials: ``identifier`` (handle or DID) and
    ``password`` (an app password)."""

    # The record key never expires: re-posting with the same key is always safe.
    idempotency_key_lifetime: dt.timedelta | None = None
    # getRecord of our own record key answers for sure whether the reply exists.
    reply_check_is_reliable = True

    default_base_url = DEFAULT_PDS

    # --- sessions -------------------------------------------------------------------

    def _session(self) -> dict[str, Any]:
        state = self.session_state or {}
        access = state.get("accessJwt")
        if access:
            expires = jwt_expires_at(access)
            if expires is None or expires > time.time() + 60:
                return state
            if self._refresh():
                return self.session_state or {}
        return self._create_session()

    def _create_session(self) -> dict[str, Any]:
        identifier = self._credentials.get("identifier") or self._credentials.get("handle")
        # An app password; `access_token` is where a value from the environment lands.
        password = (
            self._credentials.get("password")
            or self._credentials.get("app_password")
            or self._credentials.get("access_token")
        )
        if not identifier:
            identifier = self.handle
        if not (identifier and password):
            raise TransportError(
                "Bluesky credentials need an identifier and an app password.", permanent=True
            )
        data = self._send(
            "POST",
            "com.atproto.server.createSession",
            json={"identifier": identifier, "password": password},
            token=None,
        )
        self._store_session(data)
        return self.session_state or {}

    def _refresh(self) -> bool:
        refresh = (self.session_state or {}).get("refreshJwt")
        if not refresh:
            return False
        expires = jwt_expires_at(refresh)
        if expires is not None and expires <= time.time() + 10:
            return False
        try:
            data = self._send("POST", "com.atproto.server.refreshSession", token=refresh)
        except _XrpcError as exc:
            if exc.error in TOKEN_ERRORS or exc.status in (400, 401):
                return False  # the refresh token died too: start a new session
            raise
        self._store_session(data)
        return True

    def _store_session(self, data: Mapping[str, Any]) -> None:
        self.session_state = {
            "accessJwt": data["accessJwt"],
            "refreshJwt": data["refreshJwt"],
            "did": data["did"],
            "handle": data.get("handle", ""),
        }
        if data.get("handle"):
            self.handle = data["handle"]

    @property
    def did(self) -> str:
        return str(self._session()["did"])

    # --- HTTP -----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        nsid: str,
        *,
        params: Any = None,
        json: Any = None,
        token: str | None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{self.base_url}/xrpc/{nsid}"
        try:
            response = self._client.request(method, url, params=params, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise TransportError(
                f"Bluesky {nsid}: {exc.__class__.__name__}: {exc}", permanent=False
            ) from exc
        self._last_response = response
        if response.is_success:
            try:
                body = response.json() if response.content else {}
            except ValueError as exc:
                raise TransportError(
                    f"Bluesky {nsid}: the server answered with something that is not JSON.",
                    permanent=False,
                    status=response.status_code,
                ) from exc
            return body if isinstance(body, dict) else {}
        raise self._error(nsid, response)

    def _error(self, nsid: str, response: httpx.Response) -> _XrpcError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        error = str(body.get("error") or "")
        message = str(body.get("message") or response.reason_phrase or "")
        text = (
            f"Bluesky {status} {error}: {message}".strip()
            if error
            else f"Bluesky {status}: {message}"
        )
        if status == 429:
            return _XrpcError(
                text, error=error, permanent=False, status=status, retry_at=_retry_at(response)
            )
        if status >= 500 or status == 408:
            return _XrpcError(text, error=error, permanent=False, status=status)
        return _XrpcError(text, error=error, permanent=True, status=status)

    def _call(
        self, method: str, nsid: str, *, params: Any = None, json: Any = None
    ) -> dict[str, Any]:
        token = self._session()["accessJwt"]
        try:
            return self._send(method, nsid, params=params, json=json, token=token)
        except _XrpcError as exc:
            if exc.error not in TOKEN_ERRORS and exc.status != 401:
                raise
        # The access token lapsed (or was revoked) between our check and the call.
        if not self._refresh():
            self._create_session()
        token = (self.session_state or {})["accessJwt"]
        return self._send(method, nsid, params=params, json=json, token=token)

    # --- the connector interface ----------------------------------------------------

    def verify(self) -> str:
        data = self._call("GET", "com.atproto.server.getSession")
        return str(data.get("handle") or self.handle)

    def fetch_mentions(self, *, cursor: str) -> FetchResult:
        since = parse_time(cursor)
        collected: list[dict[str, Any]] = []
        page_cursor: str | None = None
        rate_limit: RateLimit | None = None
        for _ in range(MAX_PAGES):
            params: list[tuple[str, str | int]] = [("limit", PAGE_LIMIT)]
            params += [("reasons", reason) for reason in NOTIFICATION_REASONS]
            if page_cursor:
                params.append(("cursor", page_cursor))
            data = self._call("GET", "app.bsky.notification.listNotifications", params=params)
            if self._last_response is not None:
                rate_limit = (
                    rate_limit_from(self._last_response.headers, "ratelimit-") or rate_limit
                )
            page = data.get("notifications") or []
            reached_known = False
            for item in page:
                indexed = parse_time(item.get("indexedAt")) if isinstance(item, dict) else None
                if since is not None and indexed is not None and indexed < since:
                    reached_known = True
                    break
                collected.append(item)
            page_cursor = data.get("cursor")
            # The first fetch of an account takes one page: no backfill of its history.
            if reached_known or not page or not page_cursor or since is None:
                break
        mentions: list[Mention] = []
        errors: list[ItemError] = []
        newest = since
        for item in collected:
            if not isinstance(item, dict):
                errors.append(ItemError("", "not an object", {"item": repr(item)[:500]}))
                continue
            if item.get("reason") not in NOTIFICATION_REASONS:
                continue
            try:
                mention = mention_from(item)
            except (KeyError, TypeError, ValueError) as exc:
                errors.append(ItemError(str(item.get("uri", "")), f"unreadable: {exc!r}", item))
                continue
            indexed = parse_time(item.get("indexedAt"))
            if indexed is not None and (newest is None or indexed > newest):
                newest = indexed
            mentions.append(mention)
        mentions.sort(key=lambda m: m.created_at)
        next_cursor = newest.isoformat().replace("+00:00", "Z") if newest else cursor
        return FetchResult(
            mentions=mentions, cursor=next_cursor, errors=errors, rate_limit=rate_limit
        )

    def fetch_hashtag(self, *, tag: str, cursor: str) -> FetchResult:
        params: dict[str, Any] = {"q": f"#{tag.lstrip('#')}", "sort": "latest", "limit": 100}
        if cursor:
            params["since"] = cursor
        data = self._call("GET", "app.bsky.feed.searchPosts", params=params)
        mentions: list[Mention] = []
        errors: list[ItemError] = []
        newest = parse_time(cursor)
        for post in data.get("posts") or []:
            try:
                mention = mention_from(post, source="hashtag")
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                uri = str(post.get("uri", "")) if isinstance(post, dict) else ""
                errors.append(ItemError(uri, f"unreadable: {exc!r}", {"post": repr(post)[:500]}))
                continue
            indexed = parse_time(post.get("indexedAt"))
            if indexed is not None and (newest is None or indexed > newest):
                newest = indexed
            mentions.append(mention)
        mentions.sort(key=lambda m: m.created_at)
        next_cursor = newest.isoformat().replace("+00:00", "Z") if newest else cursor
        return FetchResult(
            mentions=mentions,
            cursor=next_cursor,
            errors=errors,
            rate_limit=rate_limit_from(self._last_response.headers, "ratelimit-")
            if self._last_response
            else None,
        )

    def _get_posts(self, uris: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(uris), GET_POSTS_BATCH):
            batch = uris[start : start + GET_POSTS_BATCH]
            data = self._call("GET", "app.bsky.feed.getPosts", params=[("uris", u) for u in batch])
            for post in data.get("posts") or []:
                if isinstance(post, dict) and post.get("uri"):
                    found[str(post["uri"])] = post
        return found

    def _get_record(self, rkey: str) -> dict[str, Any] | None:
        try:
            return self._call(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": self.did, "collection": POST_COLLECTION, "rkey": rkey},
            )
        except _XrpcError as exc:
            if exc.error == "RecordNotFound" or exc.status == 404:
                return None
            raise

    def _result(self, uri: str) -> PostResult:
        return PostResult(
            external_id=uri, url=post_web_url(handle_or_did=self.handle or did_of(uri), uri=uri)
        )

    def post_reply(
        self, *, text: str, in_reply_to_id: str, visibility: str, idempotency_key: str
    ) -> PostResult:
        # Bluesky posts are all public: `visibility` has nothing to map to.
        rkey = tid_for_key(idempotency_key)
        parent = self._get_posts([in_reply_to_id]).get(in_reply_to_id)
        if parent is None:
            raise TransportError(
                "Bluesky: the post to reply to was not found (deleted or hidden).",
                permanent=True,
                status=404,
            )
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        root_ref = ((parent.get("record") or {}).get("reply") or {}).get("root") or parent_ref
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": dt.datetime.now(tz=dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "reply": {"root": root_ref, "parent": parent_ref},
        }
        facets = mention_facets(text, parent.get("author") or {})
        if facets:
            record["facets"] = facets
        body = {"repo": self.did, "collection": POST_COLLECTION, "rkey": rkey, "record": record}
        try:
            data = self._call("POST", "com.atproto.repo.createRecord", json=body)
        except TransportError as exc:
            if exc.status in (401, 429) or (exc.permanent and exc.status is None):
                raise
            # An earlier attempt may have written this very key (the reason a retry is
            # refused, or why the answer never reached us): then that post is ours.
            try:
                existing = self._get_record(rkey)
            except TransportError:
                raise exc from None
            if existing is None:
                raise
            return self._result(str(existing["uri"]))
        return self._result(str(data["uri"]))

    def find_reply(
        self, *, in_reply_to_id: str, idempotency_key: str, text: str
    ) -> PostResult | None:
        existing = self._get_record(tid_for_key(idempotency_key))
        if existing is None:
            return None
        parent = (((existing.get("value") or {}).get("reply") or {}).get("parent") or {}).get("uri")
        if parent and parent != in_reply_to_id:
            return None  # a (vanishingly unlikely) key collision with another reply
        return self._result(str(existing["uri"]))

    def engagement(self, *, external_ids: list[str]) -> dict[str, Engagement]:
        posts = self._get_posts(list(external_ids))
        return {
            uri: Engagement(
                favourites=int(post.get("likeCount") or 0),
                boosts=int(post.get("repostCount") or 0),
                replies=int(post.get("replyCount") or 0),
                quotes=int(post.get("quoteCount") or 0),
            )
            for uri, post in posts.items()
        }


def build(
    *, base_url: str, credentials: Mapping[str, Any], session_state: Mapping[str, Any] | None
) -> BlueskyConnector:
    """The factory's entry point (responder.channels.connectors.connector_for)."""
    return BlueskyConnector(
        base_url=base_url,
        credentials=credentials,
        session_state=session_state,
        handle=str(credentials.get("handle") or ""),
    )


__all__ = ["BlueskyConnector", "build", "post_web_url", "tid_for_key"]
